/// A value of a fixed number of bits (1 or more), stored least significant word first; bits
/// above the width are always zero. Signedness is a matter of interpretation
/// (``signedValue``), not of storage.
public struct BitVector: Hashable, Sendable, CustomStringConvertible {
  /// The number of bits.
  public let width: Int
  /// The bits, least significant word first.
  public private(set) var words: [UInt64]

  /// Creates a value from words, dropping bits above `width`.
  public init(width: Int, words: [UInt64]) {
    precondition(width >= 1, "a bit vector has at least one bit")
    self.width = width
    let count = (width + 63) / 64
    var stored = [UInt64](repeating: 0, count: count)
    for i in 0..<min(count, words.count) { stored[i] = words[i] }
    self.words = stored
    maskTop()
  }

  /// Zero of `width` bits.
  public init(zeroOfWidth width: Int) { self.init(width: width, words: []) }

  /// The low `width` bits of `value`.
  public init(_ value: UInt64, width: Int) { self.init(width: width, words: [value]) }

  /// The two's-complement bits of `value` in `width` bits (sign-extended beyond 64 bits).
  public init(signed value: Int, width: Int) {
    let fill: UInt64 = value < 0 ? ~0 : 0
    let count = (width + 63) / 64
    self.init(
      width: width, words: [UInt64(bitPattern: Int64(value))] + Array(repeating: fill, count: max(0, count - 1)))
  }

  private mutating func maskTop() {
    let top = width % 64
    if top != 0 { words[words.count - 1] &= (UInt64(1) << UInt64(top)) - 1 }
  }

  /// Whether `value` is representable in `width` bits, signed or unsigned.
  public static func fits(_ value: Int, width: Int, signed: Bool) -> Bool {
    if signed {
      if width >= 64 { return true }
      let limit = 1 << (width - 1)
      return value >= -limit && value < limit
    }
    if value < 0 { return false }
    return width >= 63 || value < (1 << width)
  }

  /// The low 64 bits.
  public var low64: UInt64 { words[0] }

  /// Bit `index`.
  public subscript(bit index: Int) -> Bool {
    precondition(index >= 0 && index < width)
    return (words[index / 64] >> UInt64(index % 64)) & 1 == 1
  }

  /// Whether the value is zero.
  public var isZero: Bool { words.allSatisfy { $0 == 0 } }

  /// The value read as unsigned, when it fits in an Int.
  public var unsignedValue: Int? {
    guard words.dropFirst().allSatisfy({ $0 == 0 }), words[0] <= UInt64(Int.max) else { return nil }
    return Int(words[0])
  }

  /// The value read as two's complement, when it fits in an Int.
  public var signedValue: Int? {
    let negative = self[bit: width - 1]
    if !negative { return unsignedValue }
    if width <= 64 {
      let extended = words[0] | (width == 64 ? 0 : ~((UInt64(1) << UInt64(width)) - 1))
      return Int(Int64(bitPattern: extended))
    }
    let fill = ~UInt64(0) >> UInt64((64 - width % 64) % 64)
    let upperAllOnes = words.dropFirst().dropLast().allSatisfy { $0 == ~0 } && (words.last! == fill)
    guard upperAllOnes, words[0] >= UInt64(1) << 63 else { return nil }
    return Int(Int64(bitPattern: words[0]))
  }

  /// The bits as hexadecimal digits, most significant first, `(width + 3) / 4` of them.
  public var hexDigits: String {
    let digitCount = (width + 3) / 4
    var text = ""
    text.reserveCapacity(digitCount)
    for digit in stride(from: digitCount - 1, through: 0, by: -1) {
      let bit = digit * 4
      let nibble = (words[bit / 64] >> UInt64(bit % 64)) & 0xF
      text.append(Character(Unicode.Scalar(UInt8(nibble < 10 ? 48 + nibble : 87 + nibble))))
    }
    return text
  }

  /// Parses hexadecimal digits (as written by ``hexDigits``) into `width` bits.
  public init?(hex: String, width: Int) {
    var words = [UInt64](repeating: 0, count: (width + 63) / 64)
    var bit = 0
    for character in hex.reversed() where character != "_" {
      guard let nibble = character.hexDigitValue else { return nil }
      if bit < width { words[bit / 64] |= UInt64(nibble) << UInt64(bit % 64) }
      bit += 4
    }
    self.init(width: width, words: words)
  }

  public var description: String { "\(width)'h\(hexDigits)" }

  /// Bits [low, low + count) as a new value.
  public func bits(from low: Int, count: Int) -> BitVector {
    var result = BitVector(zeroOfWidth: count)
    for i in 0..<count where low + i < width && self[bit: low + i] {
      result.words[i / 64] |= UInt64(1) << UInt64(i % 64)
    }
    return result
  }
}
