extension Formatbook {
  /// Whether a beneficial-range mask is one run of consecutive q values (or empty).
  public static func isInterval(_ mask: UInt32) -> Bool {
    guard mask != 0 else { return true }
    let shifted = mask >> UInt32(mask.trailingZeroBitCount)
    return shifted & (shifted &+ 1) == 0
  }

  /// Whether every dialect's beneficial range is an interval (or empty), as DialectFP4's are:
  /// the selector's stage-2 table on (group, q) is then small. `formatbook fit
  /// --interval-ranges` keeps this form.
  public var hasIntervalRanges: Bool { beneficialRanges.allSatisfy(Self.isInterval) }
}
