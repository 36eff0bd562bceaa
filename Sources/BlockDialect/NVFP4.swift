/// NVFP4: blocks of 16 E2M1 elements with an FP8 E4M3 block scale and an FP32 tensor scale.
///
/// - Tensor scale `T = amax_tensor / (448 * 6)` in FP32 (1 for an all-zero tensor).
/// - Block scale `s = E4M3(amax_block / 6 / T)`: FP32 arithmetic, then nearest-even to
///   E4M3 (saturating at 448).
/// - Elements: E2M1 of `x / (s * T)` (FP32 arithmetic), nearest with ties to even, saturating
///   at 6. A block whose scale rounds to zero encodes every element as zero.
public struct NVFP4Quantizer: Sendable {
  /// Elements per block.
  public static let blockSize = 16
  /// The largest E4M3 value.
  public static let largestScale: Float = 448

  let encode: [UInt8]
  /// E2M1 magnitudes in half-units.
  let halfUnits: [Int]

  /// One instance for everyone: the tables depend on nothing, and building them per block
  /// (as decoding did) made decoding NVFP4 tensors dozens of times slower than the rest.
  static let shared = NVFP4Quantizer()

  public init() {
    let book = Formatbook.e2m1
    encode = (0..<Formatbook.encodingKeyCount).map {
      UInt8(book.encodingIndex(dialect: 0, truncated: $0 >> 1, isWhole: $0 & 1 == 1))
    }
    halfUnits = book.dialects[0].magnitudes
  }

  /// The FP32 tensor scale for a tensor whose largest finite magnitude is `amax`.
  public static func tensorScale(largestMagnitude amax: Float) -> Float {
    amax == 0 ? 1 : amax / (448 * 6)
  }

  /// Quantizes one block (up to 16 finite elements) given the tensor scale; returns the
  /// E4M3 scale bits.
  public func quantize(
    _ elements: UnsafeBufferPointer<Float>, tensorScale: Float, codes: UnsafeMutablePointer<UInt8>
  ) -> UInt8 {
    var amax: Float = 0
    for x in elements { amax = max(amax, abs(x)) }
    let scaleBits = E4M3.round(amax / 6 / tensorScale)
    let scale = E4M3.value(scaleBits)
    let denominator = scale * tensorScale
    for i in 0..<Self.blockSize {
      guard i < elements.count, denominator > 0 else {
        codes[i] = 0
        continue
      }
      let index = encode[ScaledView.encodingKey(Double(abs(elements[i]) / denominator * 4))]
      codes[i] = ElementCode.raw(index: index, signOf: elements[i])
    }
    return scaleBits
  }

  /// The value of a code: `+-e2m1 * s * T`, computed exactly and rounded once to Float.
  public func value(code: UInt8, scaleBits: UInt8, tensorScale: Float) -> Float {
    let magnitude = Double(halfUnits[Int(code & 7)]) / 2
    let value = magnitude * Double(E4M3.value(scaleBits)) * Double(tensorScale)
    return Float(code & 8 != 0 ? -value : value)
  }
}

/// OCP FP8 E4M3 ("E4M3FN"): bias 7, 3 mantissa bits, no infinities, largest 448.
public enum E4M3 {
  /// Rounds a non-negative Float to E4M3 bits, nearest with ties to even, saturating at 448
  /// (0x7E), infinity included; NaN counts as 0.
  public static func round(_ value: Float) -> UInt8 {
    guard value > 0 else { return 0 }
    // An infinity (amax_block / 6 / T when T underflowed to 0) saturates like any value > 448.
    guard value.isFinite else { return 0x7E }
    // The quantum: 2^(e - 3) for normals (e >= -6), 2^-9 for subnormals.
    let exponent = max(Int(value.exponent), -6)
    let quantum = Float(sign: .plus, exponent: exponent - 3, significand: 1)
    let steps = (value / quantum).rounded(.toNearestOrEven)  // exact division by a power of two
    let rounded = steps * quantum
    if rounded > 448 { return 0x7E }
    if rounded < 0x1p-6 { return UInt8(rounded / 0x1p-9) }  // subnormal: m * 2^-9
    let e = Int(rounded.exponent)
    let mantissa = Int(rounded / Float(sign: .plus, exponent: e, significand: 1) * 8) - 8
    return UInt8((e + 7) << 3 | mantissa)
  }

  /// The value of E4M3 bits (sign ignored; 0x7F, NaN, is not produced by ``round(_:)``).
  public static func value(_ bits: UInt8) -> Float {
    let exponent = Int((bits >> 3) & 0xF)
    let mantissa = Float(bits & 7)
    if exponent == 0 { return mantissa * 0x1p-9 }
    return (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
  }
}
