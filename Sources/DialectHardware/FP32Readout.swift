import BlockDialect
import HDL

/// Rounds a two's-complement fixed-point value to FP32, nearest with ties to even: the
/// readout of the block dot product's accumulator.
///
/// The value is `integer * 2^scaleExponent`. The magnitude is normalized by its leading-zero
/// count (a balanced tree), the 24 significant bits kept, then rounded with a round bit and a
/// sticky bit. Subnormal results and overflow to infinity are handled only when the integer's
/// width and scale can produce them (for the default format neither can), so the common case
/// carries no logic for them.
struct FP32Readout {
  /// Width of the integer.
  let width: Int
  /// The weight of the integer's least significant bit.
  let scaleExponent: Int

  /// Extra zero bits below the magnitude so there is room for 24 bits, a round bit and one
  /// sticky bit.
  var padding: Int { max(0, 26 - width) }
  var paddedWidth: Int { width + padding }
  /// FP32's biased exponent of a magnitude whose leading one is bit p (of the padded value) is
  /// `p + exponentOffset`.
  var exponentOffset: Int { scaleExponent - padding + 127 }
  /// Whether some magnitude gives a subnormal (biased exponent below 1 before rounding).
  var subnormalsReachable: Bool { padding + exponentOffset < 1 }
  /// Whether some magnitude rounds to infinity.
  var overflowReachable: Bool { (paddedWidth - 1) + exponentOffset >= 254 }

  /// The leading-zero count of `value` by a balanced tree, named `<name>_...`.
  static func leadingZeros(in m: ModuleBuilder, _ name: String, _ value: Signal) -> Signal {
    // Pad to a power of two with ones below, so padding never counts.
    var size = 1
    while size < value.width { size *= 2 }
    let padded =
      size == value.width
      ? value : concatenate(value, Signal.constant(1, width: 1).replicated(size - value.width))
    // Each node: whether its bits are all zero, and its leading-zero count (0...its width).
    func count(_ x: Signal, _ level: String) -> (zero: Signal, count: Signal) {
      if x.width == 1 { return (!x, !x) }
      let half = x.width / 2
      let upper = count(x[half...(x.width - 1)], level + "u")
      let lower = count(x[0...(half - 1)], level + "l")
      let zero = m.wire("\(name)_\(level)_zero", upper.zero && lower.zero)
      let countWidth = bitWidth(of: x.width)
      let result = m.wire(
        "\(name)_\(level)_count",
        mux(upper.zero, lower.count.extended(to: countWidth) &+ half, upper.count.extended(to: countWidth)))
      return (zero, result)
    }
    return count(padded, "t").count
  }

  /// A value normalized for rounding: what a pipeline boundary between normalizing and
  /// rounding carries.
  struct Normalized: SignalBundle {
    /// The value's sign.
    var sign: Signal
    /// The magnitude with its leading one at the top.
    var normalized: Signal
    /// FP32's biased exponent before rounding.
    var exponent: Signal
    /// Whether the value is zero.
    var zero: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Normalized(
        sign: transform("sign", sign), normalized: transform("normalized", normalized),
        exponent: transform("readout_exponent", exponent), zero: transform("zero", zero))
    }
  }

  /// A value with its leading zeros counted: what a pipeline boundary between counting and
  /// the normalizing shift carries.
  struct Counted: SignalBundle {
    /// The value's sign.
    var sign: Signal
    /// The magnitude, padded.
    var magnitude: Signal
    /// Its leading-zero count.
    var zeros: Signal
    /// Whether the value is zero.
    var zero: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Counted(
        sign: transform("sign", sign), magnitude: transform("readout_magnitude", magnitude),
        zeros: transform("readout_zeros", zeros), zero: transform("zero", zero))
    }
  }

  /// The magnitude of the (signed) value and its leading-zero count; a boundary may be placed
  /// after this.
  func count(in m: ModuleBuilder, value: Signal) -> Counted {
    let sign = m.wire("readout_sign", value[width - 1])
    let magnitude = m.wire(
      "readout_magnitude", mux(sign, 0 &- value.asUnsigned, value.asUnsigned), comment: "|sum|; -2^(w-1) fits unsigned")
    let padded = padding > 0 ? concatenate(magnitude, .constant(0, width: padding)) : magnitude
    let zeros = Self.leadingZeros(in: m, "readout_zeros", padded)
    return Counted(sign: sign, magnitude: padded, zeros: zeros, zero: m.wire("readout_zero", !magnitude.orReduced()))
  }

  /// The magnitude normalized so its leading one is the top bit, with the FP32 biased exponent
  /// before rounding; a boundary may be placed after this.
  func normalize(in m: ModuleBuilder, _ counted: Counted) -> Normalized {
    let normalized = m.wire(
      "readout_normalized", counted.magnitude.shiftedLeft(by: counted.zeros, width: paddedWidth),
      comment: "leading one at the top")
    let exponentWidth = 16
    let top = paddedWidth - 1 + exponentOffset
    let exponent = m.wire(
      "readout_exponent",
      Signal.constant(top, width: exponentWidth, signed: true) - counted.zeros.extended(to: exponentWidth).asSigned,
      comment: "FP32 biased exponent before rounding")
    return Normalized(sign: counted.sign, normalized: normalized, exponent: exponent, zero: counted.zero)
  }

  /// FP32 bits from a normalized magnitude (with the overflow flag: infinity).
  func round(in m: ModuleBuilder, _ value: Normalized, overflow: Signal) -> Signal {
    let (sign, normalized, exponent, zero) = (value.sign, value.normalized, value.exponent, value.zero)
    let top = paddedWidth - 1
    // 24 significant bits (hidden one included), a round bit, and the sticky OR of the rest.
    var significand = normalized[(top - 23)...top]
    var roundBit = normalized[top - 24]
    var sticky = top - 25 >= 0 ? normalized[0...(top - 25)].orReduced() : Signal.constant(0, width: 1)
    var biased = exponent
    if subnormalsReachable {
      // Below exponent 1, shift right until it is 1, gathering the bits shifted out.
      let shortfall = m.wire("readout_shortfall", Signal.constant(1, width: exponent.width, signed: true) - exponent)
      let amount = m.wire(
        "readout_denormal_shift",
        mux(shortfall <= 0, .constant(0, width: 5), mux(shortfall > 26, .constant(26, width: 5), shortfall[0...4])))
      let window = concatenate(significand, roundBit, .constant(0, width: 26))
      let shifted = m.wire("readout_denormalized", window.shiftedRight(by: amount))
      significand = shifted[27...50]
      roundBit = shifted[26]
      sticky = sticky || shifted[0...25].orReduced()
      biased = mux(shortfall > 0, .constant(1, width: exponent.width, signed: true), exponent)
    }
    let increment = m.wire("readout_round_up", roundBit && (sticky || significand[0]))
    // A subnormal significand has no hidden one: its exponent field is 0 until rounding
    // carries into bit 23. The sum below carries the mantissa into the exponent as FP32 does.
    let exponentField = mux(significand[23], biased.truncated(to: 9).asUnsigned, .constant(0, width: 9))
    let packed = m.wire("readout_unrounded", concatenate(exponentField, significand[0...22]))
    let rounded = m.wire("readout_rounded", packed + concatenate(.constant(0, width: 31), increment))
    var magnitudeBits = rounded[0...30]
    if overflowReachable {
      let infinite = m.wire("readout_too_large", (rounded[23...32] >= 255) || (biased >= 255))
      magnitudeBits = mux(infinite, .constant(0x7F80_0000, width: 31), magnitudeBits)
    }
    let finite = mux(zero, .constant(0, width: 31), magnitudeBits)
    return m.wire(
      "readout_fp32", concatenate(sign, mux(overflow, .constant(0x7F80_0000, width: 31), finite)),
      comment: "FP32 bits; infinity after an overflow")
  }
}
