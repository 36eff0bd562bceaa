/// A 4-bit element code: bit 3 is the sign, bits 2...0 the index into the dialect's
/// magnitudes. Index 0 (magnitude 0) always has sign 0, so zero has exactly one code.
public struct ElementCode: Hashable, Sendable, CustomStringConvertible {
  /// The 4-bit code.
  public let rawValue: UInt8

  /// Creates a code from a sign and an index; a zero index always gets sign 0.
  public init(negative: Bool, index: Int) {
    precondition((0..<Dialect.magnitudeCount).contains(index), "index \(index) out of 0...7")
    rawValue = UInt8(index) | (negative && index != 0 ? 0x8 : 0)
  }

  /// Validates a raw 4-bit code; nil when it is out of range or is the forbidden "negative
  /// zero" code 0b1000.
  public init?(rawValue: UInt8) {
    guard rawValue < 16, rawValue != 0x8 else { return nil }
    self.rawValue = rawValue
  }

  /// The raw code for `index` with the sign of `value`, branch-free for the kernels: the
  /// Float's sign bit moves to bit 3 and is dropped when the index is 0.
  @inline(__always) @usableFromInline
  static func raw(index: UInt8, signOf value: Float) -> UInt8 {
    let sign = UInt8(truncatingIfNeeded: value.bitPattern >> 28) & 0x8
    return index | (sign & ((index &+ 7) & 0x8))
  }

  /// Whether the sign bit is set.
  public var isNegative: Bool { rawValue & 0x8 != 0 }
  /// The index into the dialect's magnitudes.
  public var index: Int { Int(rawValue & 0x7) }

  public var description: String { (isNegative ? "-" : "+") + String(index) }
}

/// A block as stored: exponent field, dialect id and n element codes, validated against its
/// block format so that an inconsistent block cannot be built.
public struct PackedBlock: Hashable, Sendable {
  /// The shared exponent field E (0...2^w - 1).
  public let exponentField: Int
  /// The dialect id (0..<book size).
  public let dialect: Int
  /// The n element codes.
  public let codes: [ElementCode]

  /// Creates a block, checking every field against `format`.
  public init(exponentField: Int, dialect: Int, codes: [ElementCode], format: BlockFormat) throws {
    guard (0...format.maximumExponentField).contains(exponentField) else {
      throw BlockFormatError(
        "exponent field \(exponentField) does not fit \(format.exponentWidth) bits (0...\(format.maximumExponentField))"
      )
    }
    guard format.formatbook.dialects.indices.contains(dialect) else {
      throw BlockFormatError(
        "dialect id \(dialect) is not in formatbook '\(format.formatbook.name)' (0...\(format.formatbook.dialects.count - 1))"
      )
    }
    guard codes.count == format.blockSize else {
      throw BlockFormatError("a block holds \(format.blockSize) codes, not \(codes.count)")
    }
    self.exponentField = exponentField
    self.dialect = dialect
    self.codes = codes
  }

  /// Creates a block from raw 4-bit codes, refusing the negative-zero code.
  public init(exponentField: Int, dialect: Int, rawCodes: [UInt8], format: BlockFormat) throws {
    var codes: [ElementCode] = []
    codes.reserveCapacity(rawCodes.count)
    for (i, raw) in rawCodes.enumerated() {
      guard let code = ElementCode(rawValue: raw) else {
        throw BlockFormatError(
          "code \(i) is \(raw); codes are 4 bits and 0b1000 (negative zero) is not a code")
      }
      codes.append(code)
    }
    try self.init(exponentField: exponentField, dialect: dialect, codes: codes, format: format)
  }

  /// The codes as raw 4-bit values.
  public var rawCodes: [UInt8] { codes.map(\.rawValue) }
}
