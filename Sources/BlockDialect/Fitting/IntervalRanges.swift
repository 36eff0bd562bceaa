extension Formatbook {
  /// Whether a beneficial-range mask is one run of consecutive q values (or empty).
  public static func isInterval(_ mask: UInt32) -> Bool {
    guard mask != 0 else { return true }
    let shifted = mask >> UInt32(mask.trailingZeroBitCount)
    return shifted & (shifted &+ 1) == 0
  }

  /// Whether every dialect's beneficial range is an interval (or empty): then the selector's
  /// stage 2 needs only two comparators per member position, against bounds chosen by group,
  /// rather than a table on (group, q). DialectFP4 has this form; a fit keeps it.
  public var hasIntervalRanges: Bool { beneficialRanges.allSatisfy(Self.isInterval) }
}
