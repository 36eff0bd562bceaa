/// The floating-point format of input elements: what a tensor holds, or what the hardware
/// block quantizer receives.
public enum ElementFormat: String, Sendable, Hashable, CaseIterable {
  case float32 = "f32"
  case float16 = "fp16"
  case bfloat16 = "bf16"

  /// Bits per element.
  public var bitWidth: Int {
    switch self {
    case .float32: return 32
    case .float16, .bfloat16: return 16
    }
  }

  /// Exponent field width.
  public var exponentWidth: Int {
    switch self {
    case .float32, .bfloat16: return 8
    case .float16: return 5
    }
  }

  /// Stored mantissa (fraction) bits.
  public var fractionWidth: Int {
    switch self {
    case .float32: return 23
    case .float16: return 10
    case .bfloat16: return 7
    }
  }

  /// Exponent bias.
  public var exponentBias: Int { (1 << (exponentWidth - 1)) - 1 }

  /// The largest finite magnitude: what an infinity counts as under the saturating rule.
  public var largestFinite: Float {
    switch self {
    case .float32: return .greatestFiniteMagnitude
    case .float16: return 65504
    case .bfloat16: return Float(bitPattern: 0x7F7F_0000)
    }
  }

  /// Decodes raw bits of this format (in the low bits of `bits`) to a Float, exactly:
  /// every FP16 and BF16 value, NaN and infinity included, is a Float.
  @inlinable public func decode(_ bits: UInt32) -> Float {
    switch self {
    case .float32: return Float(bitPattern: bits)
    case .bfloat16: return Float(bitPattern: (bits & 0xFFFF) << 16)
    case .float16: return float16ToFloat(UInt16(truncatingIfNeeded: bits))
    }
  }
}

/// Converts IEEE binary16 bits to Float exactly (subnormals, infinities and NaN included).
@inlinable public func float16ToFloat(_ h: UInt16) -> Float {
  let sign = UInt32(h & 0x8000) << 16
  let exponent = Int((h >> 10) & 0x1F)
  let fraction = UInt32(h & 0x3FF)
  if exponent == 0x1F {
    return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
  }
  if exponent == 0 {
    // Subnormal or zero: fraction * 2^-24, exact in Float.
    let magnitude = Float(fraction) * 0x1p-24
    return sign == 0 ? magnitude : -magnitude
  }
  return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (fraction << 13))
}

/// Rounds a Float to IEEE binary16 bits, nearest with ties to even, overflowing to infinity.
public func floatToFloat16(_ value: Float) -> UInt16 {
  let bits = value.bitPattern
  let sign = UInt16((bits >> 16) & 0x8000)
  if value.isNaN { return sign | 0x7E00 }
  let magnitude = abs(value)
  if magnitude >= 65520 { return sign | 0x7C00 }  // rounds to infinity
  if magnitude < 0x1p-14 {
    // Subnormal range: round magnitude / 2^-24 to an integer, ties to even.
    let scaled = (magnitude * 0x1p24).rounded(.toNearestOrEven)
    return sign | UInt16(scaled)
  }
  let exponent = Int(magnitude.exponent)
  let significand = magnitude.significandBitPattern  // 23 bits
  var half = UInt32(exponent + 15) << 10 | (significand >> 13)
  let rest = significand & 0x1FFF
  if rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1) { half += 1 }
  return sign | UInt16(half)
}

/// Rounds a Float to bfloat16 bits, nearest with ties to even.
public func floatToBFloat16(_ value: Float) -> UInt16 {
  let bits = value.bitPattern
  if value.isNaN { return UInt16(bits >> 16) | 0x40 }
  let rounding = 0x7FFF + ((bits >> 16) & 1)
  return UInt16((bits &+ rounding) >> 16)
}
