/// A linear layer y = W x with BlockDialect weights, as the accelerator tile computes it: the
/// weights are packed blocks along each row (K / n per row); each activation vector is
/// quantized online, block by block, by an activation-path ``BlockQuantizer``; each result is
/// the exact sum over the row's block products in a `accumulatorWidth`-bit accumulator
/// (saturating, with a sticky overflow), read out as FP32 nearest-even, and, for a narrower
/// result format, that FP32 value rounded to FP16 or BF16 (nearest-even).
public struct BlockLinearLayer: Sendable {
  /// The block format of the weights and activations.
  public let format: BlockFormat
  /// M and K (K a multiple of the block size).
  public let rows: Int
  public let columns: Int
  /// The weight blocks, row-major: row i's blocks at `i * columns / n ..< (i + 1) * columns / n`.
  public let weights: [PackedBlock]

  /// A layer of `rows` x `columns` weights.
  ///
  /// - Throws: ``BlockFormatError`` when the sizes do not fit the block format or the blocks.
  public init(format: BlockFormat, rows: Int, columns: Int, weights: [PackedBlock]) throws {
    guard rows >= 1, columns >= format.blockSize, columns % format.blockSize == 0 else {
      throw BlockFormatError(
        "a layer of \(rows) x \(columns) does not fit blocks of \(format.blockSize); K must be a multiple of it")
    }
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns / format.blockSize)
    guard !overflow, weights.count == count else {
      throw BlockFormatError("a layer of \(rows) x \(columns) holds \(count) blocks, not \(weights.count)")
    }
    self.format = format
    self.rows = rows
    self.columns = columns
    self.weights = weights
  }

  /// Blocks per row.
  public var blocksPerRow: Int { columns / format.blockSize }

  /// One result: the FP32 readout of the exact sum, and whether the accumulator saturated.
  public struct Result: Hashable, Sendable {
    public let float32: Float
    public let overflow: Bool
  }

  /// The activation blocks of `x` (K elements) as `quantizer` packs them.
  public func quantizedActivations(_ x: [Float], quantizer: BlockQuantizer) -> [PackedBlock] {
    precondition(x.count == columns, "\(x.count) activations for K = \(columns)")
    let n = format.blockSize
    return (0..<blocksPerRow).map { quantizer.quantize(Array(x[(n * $0)..<(n * $0 + n)])).block }
  }

  /// y = W x for the `rows` first rows (all by default).
  public func apply(_ x: [Float], quantizer: BlockQuantizer, accumulatorWidth: Int, rows: Int? = nil) -> [Result] {
    let activations = quantizedActivations(x, quantizer: quantizer)
    return (0..<(rows ?? self.rows)).map { row in
      var accumulator = BlockAccumulator(format: format, width: accumulatorWidth)
      for (index, activation) in activations.enumerated() {
        accumulator.add(format.product(weight: weights[row * blocksPerRow + index], activation: activation))
      }
      return Result(float32: accumulator.float32, overflow: accumulator.overflow)
    }
  }
}

/// A result format narrower than FP32, from the FP32 result (nearest, ties to even).
public enum ResultRounding {
  /// The bits of `value` in a format of `bits` bits: 32 (FP32 unchanged), FP16 or BF16.
  public static func bits(of value: Float, as format: ElementFormat) -> UInt32 {
    switch format {
    case .float32: return value.bitPattern
    case .float16: return UInt32(floatToFloat16(value))
    case .bfloat16: return UInt32(floatToBFloat16(value))
    }
  }
}
