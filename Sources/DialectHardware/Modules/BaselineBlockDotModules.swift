import BlockDialect

extension ModuleKind {
  /// `e2m1_block_dot`: the block dot product of E2M1 blocks (MXFP4-like), the FP4 baseline.
  public static let e2m1BlockDot = ModuleKind("e2m1_block_dot")
  /// `int4_block_dot`: the block dot product of INT4 blocks (MXINT-like).
  public static let int4BlockDot = ModuleKind("int4_block_dot")
  /// `int8_block_dot`: the block dot product of INT8 blocks (MXINT8-like).
  public static let int8BlockDot = ModuleKind("int8_block_dot")
}

/// The baselines of the block dot product: the same generator, block size, exponent,
/// accumulator and FP32 readout, with E2M1 codes or two's-complement integers
/// (``IntegerBlockFormat``) for elements. One ``BlockDotModule`` each.
enum BaselineBlockDotModules {
  static let e2m1 = BlockDotModule(kind: .e2m1BlockDot, elements: .formatbook(.e2m1), name: "e2m1_block_dot")
  static let int4 = BlockDotModule(kind: .int4BlockDot, elements: .integer(bits: 4), name: "int4_block_dot")
  static let int8 = BlockDotModule(kind: .int8BlockDot, elements: .integer(bits: 8), name: "int8_block_dot")
}
