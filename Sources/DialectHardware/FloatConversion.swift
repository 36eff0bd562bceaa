import HDL

/// FP32 to a narrower float format in hardware, nearest with ties to even, as the numerics
/// library's `floatToFloat16` and `floatToBFloat16` define it (overflow to infinity, FP16
/// subnormals, NaN kept a NaN).
enum FloatConversion {
  /// `value` (FP32 bits) as `output`'s bits; FP32 passes unchanged. Wires are named `<name>_...`.
  static func fromFloat32(in m: ModuleBuilder, _ name: String, _ value: Signal, to output: TileOutput) -> Signal {
    switch output {
    case .float32: return value
    case .bfloat16: return bfloat16(in: m, name, value)
    case .float16: return float16(in: m, name, value)
    }
  }

  /// BF16: the top 16 bits, rounded on the low 16 (a NaN keeps its sign and becomes quiet).
  static func bfloat16(in m: ModuleBuilder, _ name: String, _ value: Signal) -> Signal {
    let nan = m.wire("\(name)_nan", (value[23...30] == 0xFF) && value[0...22].orReduced())
    // bits + 0x7FFF + bit 16, then the top half: nearest, ties to even (an overflow gives infinity).
    let increment = Signal.constant(0x7FFF, width: 32) &+ concatenate(Signal.constant(0, width: 31), value[16])
    let rounded = m.wire("\(name)_bf16_rounded", (value &+ increment)[16...31])
    return m.wire(
      "\(name)_bf16", mux(nan, value[16...31] | Signal.constant(0x40, width: 16), rounded),
      comment: "FP32 to BF16, nearest even")
  }

  /// FP16: rebias the exponent, round the fraction; below 2^-14 shift into a subnormal; at or
  /// above 65520 an infinity.
  static func float16(in m: ModuleBuilder, _ name: String, _ value: Signal) -> Signal {
    let sign = value[31]
    let exponent = m.wire("\(name)_exponent", value[23...30])
    let fraction = value[0...22]
    let magnitude = value[0...30]
    let nan = m.wire("\(name)_nan", (exponent == 0xFF) && fraction.orReduced())
    let infinite = m.wire("\(name)_too_large", magnitude >= 0x477F_F000, comment: "|x| >= 65520 (or infinite)")
    let subnormal = m.wire("\(name)_subnormal", magnitude < 0x3880_0000, comment: "|x| < 2^-14")
    // Normal: (e - 112) << 10 | f >> 13, rounded on the 13 bits dropped (a carry may reach the exponent).
    let packed = concatenate((exponent &- 112).truncated(to: 5), fraction[13...22])
    let rest = fraction[0...12]
    let roundUp = m.wire(
      "\(name)_normal_round_up", (rest > 0x1000) || ((rest == 0x1000) && packed[0]), comment: "nearest, ties to even")
    let normal = m.wire("\(name)_normal", packed &+ concatenate(Signal.constant(0, width: 14), roundUp))
    // Subnormal: the significand shifted right by 126 - e (at most 26), rounded.
    let significand = concatenate(exponent.orReduced(), fraction)
    let shift = m.wire(
      "\(name)_shift",
      mux(exponent < 100, Signal.constant(26, width: 5), (Signal.constant(126, width: 8) &- exponent).truncated(to: 5)),
      comment: "126 - e, at most 26")
    let shifted = m.wire(
      "\(name)_shifted", concatenate(significand, Signal.constant(0, width: 26)).shiftedRight(by: shift))
    let kept = shifted[26...49]
    let roundBit = shifted[25]
    let sticky = shifted[0...24].orReduced()
    let subnormalRoundUp = m.wire("\(name)_subnormal_round_up", roundBit && (sticky || kept[0]))
    let tiny = m.wire(
      "\(name)_tiny", (kept &+ concatenate(Signal.constant(0, width: 23), subnormalRoundUp)).truncated(to: 15),
      comment: "the subnormal (1024 is the smallest normal)")
    let bits = m.priority(
      "\(name)_fp16_magnitude",
      [
        (nan, Signal.constant(0x7E00, width: 15)), (infinite, Signal.constant(0x7C00, width: 15)),
        (subnormal, tiny),
      ], fallback: normal)
    return m.wire("\(name)_fp16", concatenate(sign, bits), comment: "FP32 to FP16, nearest even")
  }
}
