import BlockDialect

extension ModuleKind {
  /// `bd_decoded_mac_lane`: the configured book's MAC lane with operands already decoded to
  /// sign and magnitude.
  public static let decodedMACLane = ModuleKind("decoded_mac_lane")
  /// `e2m1_decoded_mac_lane`: the E2M1 book's MAC lane with operands already decoded.
  public static let e2m1DecodedMACLane = ModuleKind("e2m1_decoded_mac_lane")
  /// `bd_mac_product`: the configured book's MAC lane without its accumulator.
  public static let macProduct = ModuleKind("mac_product")
  /// `e2m1_mac_product`: the E2M1 lane without its accumulator.
  public static let e2m1MACProduct = ModuleKind("e2m1_mac_product")
  /// `int4_mac_product`: the INT4 lane without its accumulator.
  public static let int4MACProduct = ModuleKind("int4_mac_product")
  /// `int8_mac_product`: the INT8 lane without its accumulator.
  public static let int8MACProduct = ModuleKind("int8_mac_product")
}

/// The MAC lanes' variants for the baselines on equal terms: lanes whose operands arrive
/// already decoded, and every lane without its accumulator (the product alone). One
/// ``MACLaneModule`` each.
enum LaneVariantModules {
  static let decoded = MACLaneModule(kind: .decodedMACLane, operands: .decoded(nil, format: "bd"))
  static let e2m1Decoded = MACLaneModule(kind: .e2m1DecodedMACLane, operands: .decoded(.e2m1, format: "e2m1"))
  static let product = MACLaneModule(kind: .macProduct, operands: .codes(nil, format: "bd"), accumulates: false)
  static let e2m1Product = MACLaneModule(
    kind: .e2m1MACProduct, operands: .codes(.e2m1, format: "e2m1"), accumulates: false)
  static let int4Product = MACLaneModule(kind: .int4MACProduct, operands: .integer(bits: 4), accumulates: false)
  static let int8Product = MACLaneModule(kind: .int8MACProduct, operands: .integer(bits: 8), accumulates: false)
}
