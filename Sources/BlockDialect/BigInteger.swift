/// A signed integer of any size (sign and magnitude), with the few operations the exact block
/// accumulator and the golden vectors need: addition, shifts, comparison, two's-complement
/// words of a given width, and correctly rounded conversion to Float.
public struct BigInteger: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// Magnitude, least significant word first, with no zero words at the top.
  public private(set) var magnitude: [UInt64]
  /// Whether the value is negative (never true for zero).
  public private(set) var isNegative: Bool

  public static let zero = BigInteger(0)

  public init(_ value: Int) {
    isNegative = value < 0
    magnitude = value == 0 ? [] : [value.magnitude.toUInt64]
  }

  init(magnitude: [UInt64], isNegative: Bool) {
    var words = magnitude
    while words.last == 0 { words.removeLast() }
    self.magnitude = words
    self.isNegative = isNegative && !words.isEmpty
  }

  /// Reads an integer from the two's-complement bits of `words` (least significant first),
  /// of which the low `width` bits count.
  public init(twosComplement words: [UInt64], width: Int) {
    precondition(width > 0)
    let wordCount = (width + 63) / 64
    var bits = [UInt64](repeating: 0, count: wordCount)
    for i in 0..<min(wordCount, words.count) { bits[i] = words[i] }
    let topBits = width - 64 * (wordCount - 1)
    if topBits < 64 { bits[wordCount - 1] &= (UInt64(1) << UInt64(topBits)) - 1 }
    let unsigned = BigInteger(magnitude: bits, isNegative: false)
    let negative = (bits[wordCount - 1] >> UInt64(topBits - 1)) & 1 == 1
    self = negative ? unsigned - .powerOfTwo(width) : unsigned
  }

  /// 2^exponent.
  public static func powerOfTwo(_ exponent: Int) -> BigInteger {
    precondition(exponent >= 0)
    var words = [UInt64](repeating: 0, count: exponent / 64 + 1)
    words[exponent / 64] = UInt64(1) << UInt64(exponent % 64)
    return BigInteger(magnitude: words, isNegative: false)
  }

  public var isZero: Bool { magnitude.isEmpty }

  /// The number of bits of the magnitude (0 for zero).
  public var magnitudeBitWidth: Int {
    guard let top = magnitude.last else { return 0 }
    return 64 * (magnitude.count - 1) + (64 - top.leadingZeroBitCount)
  }

  /// Bit `index` of the magnitude.
  public func magnitudeBit(_ index: Int) -> Bool {
    let word = index / 64
    guard word < magnitude.count else { return false }
    return (magnitude[word] >> UInt64(index % 64)) & 1 == 1
  }

  /// Whether any magnitude bit below `index` is set.
  func anyMagnitudeBit(below index: Int) -> Bool {
    let fullWords = min(index / 64, magnitude.count)
    if magnitude[..<fullWords].contains(where: { $0 != 0 }) { return true }
    guard fullWords < magnitude.count, index % 64 != 0 else { return false }
    return magnitude[fullWords] & ((UInt64(1) << UInt64(index % 64)) - 1) != 0
  }

  /// The magnitude bits [from, from + count) as an integer (count <= 64).
  func magnitudeBits(from: Int, count: Int) -> UInt64 {
    var result: UInt64 = 0
    for i in 0..<count where magnitudeBit(from + i) { result |= UInt64(1) << UInt64(i) }
    return result
  }

  /// The value times 2^shift.
  public func shiftedLeft(_ shift: Int) -> BigInteger {
    precondition(shift >= 0)
    guard !isZero, shift > 0 else { return self }
    let wordShift = shift / 64
    let bitShift = UInt64(shift % 64)
    var words = [UInt64](repeating: 0, count: magnitude.count + wordShift + 1)
    for (i, word) in magnitude.enumerated() {
      words[i + wordShift] |= word << bitShift
      if bitShift != 0 { words[i + wordShift + 1] |= word >> (64 - bitShift) }
    }
    return BigInteger(magnitude: words, isNegative: isNegative)
  }

  public static prefix func - (value: BigInteger) -> BigInteger {
    BigInteger(magnitude: value.magnitude, isNegative: !value.isNegative)
  }

  public static func + (lhs: BigInteger, rhs: BigInteger) -> BigInteger {
    if lhs.isNegative == rhs.isNegative {
      return BigInteger(magnitude: addMagnitudes(lhs.magnitude, rhs.magnitude), isNegative: lhs.isNegative)
    }
    switch compareMagnitudes(lhs.magnitude, rhs.magnitude) {
    case 0: return .zero
    case 1: return BigInteger(magnitude: subtractMagnitudes(lhs.magnitude, rhs.magnitude), isNegative: lhs.isNegative)
    default: return BigInteger(magnitude: subtractMagnitudes(rhs.magnitude, lhs.magnitude), isNegative: rhs.isNegative)
    }
  }

  public static func - (lhs: BigInteger, rhs: BigInteger) -> BigInteger { lhs + (-rhs) }

  public static func < (lhs: BigInteger, rhs: BigInteger) -> Bool {
    if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
    let order = compareMagnitudes(lhs.magnitude, rhs.magnitude)
    return lhs.isNegative ? order > 0 : order < 0
  }

  /// The low `width` bits of the two's-complement representation, least significant word
  /// first (the value must fit; bits above `width` in the last word are zero).
  public func twosComplementWords(width: Int) -> [UInt64] {
    let wordCount = (width + 63) / 64
    var words = magnitude + [UInt64](repeating: 0, count: max(0, wordCount - magnitude.count))
    words = Array(words.prefix(wordCount))
    if isNegative {
      var carry: UInt64 = 1
      for i in 0..<wordCount {
        let (sum, overflow) = (~words[i]).addingReportingOverflow(carry)
        words[i] = sum
        carry = overflow ? 1 : 0
      }
    }
    let topBits = width - 64 * (wordCount - 1)
    if topBits < 64 { words[wordCount - 1] &= (UInt64(1) << UInt64(topBits)) - 1 }
    return words
  }

  /// The two's-complement bits in `width` bits as hexadecimal digits, most significant first.
  public func hexDigits(width: Int) -> String {
    let words = twosComplementWords(width: width)
    let digitCount = (width + 3) / 4
    var digits = ""
    for d in stride(from: digitCount - 1, through: 0, by: -1) {
      let bit = 4 * d
      var nibble = (words[bit / 64] >> UInt64(bit % 64)) & 0xF
      if bit % 64 > 60, bit / 64 + 1 < words.count {
        nibble |= (words[bit / 64 + 1] << UInt64(64 - bit % 64)) & 0xF
      }
      digits.append(String(nibble, radix: 16))
    }
    return digits
  }

  public var description: String {
    if isZero { return "0" }
    // Repeated division by 10^18.
    var words = magnitude
    var chunks: [UInt64] = []
    let base: UInt64 = 1_000_000_000_000_000_000
    while !words.isEmpty {
      var remainder: UInt64 = 0
      for i in stride(from: words.count - 1, through: 0, by: -1) {
        let (quotient, rest) = base.dividingFullWidth((remainder, words[i]))
        words[i] = quotient
        remainder = rest
      }
      while words.last == 0 { words.removeLast() }
      chunks.append(remainder)
    }
    var text = String(chunks.last!)
    for chunk in chunks.dropLast().reversed() {
      let part = String(chunk)
      text += String(repeating: "0", count: 18 - part.count) + part
    }
    return (isNegative ? "-" : "") + text
  }

  /// The value times 2^scaleExponent, rounded to the nearest Float, ties to even; beyond
  /// Float's range it is an infinity, below half its smallest subnormal a signed zero.
  public func float32(scaleExponent: Int) -> Float {
    guard !isZero else { return 0 }
    let exponent = magnitudeBitWidth - 1 + scaleExponent
    // The weight of the last significand bit: 24 bits for normals, 2^-149 for subnormals.
    let quantum = max(exponent - 23, -149)
    let shift = quantum - scaleExponent
    var significand: UInt64
    if shift <= 0 {
      significand = magnitudeBits(from: 0, count: magnitudeBitWidth) << UInt64(-shift)
    } else {
      significand = magnitudeBits(from: shift, count: 25)
      let roundBit = magnitudeBit(shift - 1)
      let sticky = anyMagnitudeBit(below: shift - 1)
      if roundBit && (sticky || significand & 1 == 1) { significand += 1 }
    }
    // significand <= 2^24, so the product is exact in Double; Float(_:) then only turns a
    // value past Float's range into infinity.
    let value = Float(Double(significand) * Double(sign: .plus, exponent: quantum, significand: 1))
    return isNegative ? -value : value
  }
}

extension UInt {
  fileprivate var toUInt64: UInt64 { UInt64(self) }
}

private func compareMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> Int {
  if a.count != b.count { return a.count < b.count ? -1 : 1 }
  for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] {
    return a[i] < b[i] ? -1 : 1
  }
  return 0
}

private func addMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
  var result = [UInt64](repeating: 0, count: max(a.count, b.count) + 1)
  var carry: UInt64 = 0
  for i in 0..<result.count - 1 {
    let x = i < a.count ? a[i] : 0
    let y = i < b.count ? b[i] : 0
    let (s1, o1) = x.addingReportingOverflow(y)
    let (s2, o2) = s1.addingReportingOverflow(carry)
    result[i] = s2
    carry = (o1 || o2) ? 1 : 0
  }
  result[result.count - 1] = carry
  return result
}

/// a - b for a >= b.
private func subtractMagnitudes(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
  var result = a
  var borrow: UInt64 = 0
  for i in 0..<a.count {
    let y = i < b.count ? b[i] : 0
    let (d1, o1) = a[i].subtractingReportingOverflow(y)
    let (d2, o2) = d1.subtractingReportingOverflow(borrow)
    result[i] = d2
    borrow = (o1 || o2) ? 1 : 0
  }
  return result
}
