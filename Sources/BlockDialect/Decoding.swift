extension Formatbook {
  /// The decoded value of a raw 4-bit code in dialect `dialect`, as a signed half-unit integer
  /// `+-m_D[k]` (bit 3 the sign, bits 2...0 the index k). This is the one definition of
  /// decoding every golden value (tensor decoding, hardware vectors, formal references) uses.
  @inlinable public func halfUnits(dialect: Int, code: UInt8) -> Int {
    let magnitude = dialects[dialect].magnitudes[Int(code & 0x7)]
    return code & 0x8 != 0 ? -magnitude : magnitude
  }
}

extension BlockFormat {
  /// A decoded element as a signed half-unit integer, +-m_D[k] in -15...15.
  public func halfUnits(of code: ElementCode, dialect: Int) -> Int {
    formatbook.halfUnits(dialect: dialect, code: code.rawValue)
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
