extension BlockFormat {
  /// A decoded element as a signed half-unit integer, +-m_D[k] in -15...15.
  public func halfUnits(of code: ElementCode, dialect: Int) -> Int {
    let magnitude = formatbook.dialects[dialect].magnitudes[code.index]
    return code.isNegative ? -magnitude : magnitude
  }

  /// The exact value of `halfUnits / 2 * 2^(E - b)` as a Double (exact for every format
  /// dialectgen accepts: at most 5 significant bits, exponent within +-512).
  public func value(halfUnits: Int, exponentField: Int) -> Double {
    Double(halfUnits) * Double(sign: .plus, exponent: exponentField - exponentBias - 1, significand: 1)
  }

  /// Decodes a block: element i is `(-1)^s * m_D[k] / 2 * 2^(E - b)`, rounded to the nearest
  /// Float (exact unless the format's exponent range leaves Float's).
  public func decode(_ block: PackedBlock) -> [Float] {
    block.codes.map {
      Float(value(halfUnits: halfUnits(of: $0, dialect: block.dialect), exponentField: block.exponentField))
    }
  }
}
