import Foundation
import Testing

@testable import BlockDialect

@Suite("FP16 and BF16 conversions")
struct ConversionTests {
  /// float16ToFloat against Swift's own Float16 for all 65536 bit patterns.
  @Test func float16ToFloatExhaustive() {
    var failures = 0
    for bits in 0...0xFFFF {
      let h = UInt16(bits)
      let got = float16ToFloat(h)
      let swift = Float(Float16(bitPattern: h))
      let same: Bool
      if swift.isNaN {
        // NaN: same sign and payload (Swift's conversion quiets a signalling NaN; the
        // library keeps the payload bits as they are).
        same =
          got.isNaN && got.sign == swift.sign
          && (got.bitPattern | 0x0040_0000) == (swift.bitPattern | 0x0040_0000)
      } else {
        same = got.bitPattern == swift.bitPattern
      }
      if !same {
        failures += 1
        if failures < 5 { Issue.record("0x\(String(h, radix: 16)): \(got) vs \(swift)") }
      }
      // ElementFormat.float16 decodes the same bits the same way.
      if ElementFormat.float16.decode(UInt32(h)).bitPattern != got.bitPattern { failures += 1 }
    }
    #expect(failures == 0)
    // Written out: the smallest subnormal, the largest subnormal, the largest finite.
    #expect(float16ToFloat(0x0001) == 0x1p-24)
    #expect(float16ToFloat(0x03FF) == 1023 * 0x1p-24)
    #expect(float16ToFloat(0x7BFF) == 65504)
    #expect(float16ToFloat(0xFC00) == -.infinity)
    #expect(float16ToFloat(0x8000).sign == .minus && float16ToFloat(0x8000) == 0)
  }

  /// floatToFloat16: every FP16 value round-trips, midpoints tie to even, and random Floats
  /// round like Swift's Float16(Float) (nearest, ties to even, overflow to infinity).
  @Test func floatToFloat16RoundTripAndRounding() {
    var failures = 0
    for bits in 0...0xFFFF {
      let h = UInt16(bits)
      let value = Float(Float16(bitPattern: h))
      if value.isNaN {
        if !Float16(bitPattern: floatToFloat16(value)).isNaN { failures += 1 }
        continue
      }
      if floatToFloat16(value) != h { failures += 1 }
    }
    for h in UInt16(0)..<0x7BFF {
      // Between two positive neighbours (FP16 has 11 significant bits, so the midpoint is a
      // Float): the midpoint goes to the even code, anything off it to the nearer.
      let low = Float(Float16(bitPattern: h))
      let high = Float(Float16(bitPattern: h + 1))
      let middle = (low + high) / 2
      let even = h & 1 == 0 ? h : h + 1
      if floatToFloat16(middle) != even || floatToFloat16(-middle) != even | 0x8000 { failures += 1 }
      if floatToFloat16(middle.nextDown) != h || floatToFloat16(middle.nextUp) != h + 1 { failures += 1 }
    }
    #expect(failures == 0)
    var rng = SeededGenerator(seed: 0xF16)
    for _ in 0..<50000 {
      let exponent = UInt32.random(in: 97...143, using: &rng)
      let near = Float(
        bitPattern: UInt32.random(in: 0...1, using: &rng) << 31 | exponent << 23
          | UInt32.random(in: 0...0x7F_FFFF, using: &rng))
      let any = Float(bitPattern: UInt32.random(in: 0...0xFFFF_FFFF, using: &rng))
      for v in [near, any] where !v.isNaN {
        if floatToFloat16(v) != Float16(v).bitPattern {
          failures += 1
          if failures < 5 { Issue.record("\(v): \(floatToFloat16(v)) vs \(Float16(v).bitPattern)") }
        }
      }
    }
    #expect(failures == 0)
    // Overflow: 65519.99 rounds to 65504, 65520 (the midpoint to 2^16) goes to infinity.
    #expect(floatToFloat16(65519) == 0x7BFF)
    #expect(floatToFloat16(65520) == 0x7C00)
    #expect(floatToFloat16(-1e9) == 0xFC00)
    #expect(floatToFloat16(0x1p-25) == 0)  // half the smallest subnormal: tie to even
    #expect(floatToFloat16(Float(0x1p-25).nextUp) == 1)
  }

  @Test func bfloat16() {
    // Decoding: the high 16 bits of a Float.
    for bits in stride(from: 0, through: 0xFFFF, by: 1) {
      let decoded = ElementFormat.bfloat16.decode(UInt32(bits))
      #expect(decoded.bitPattern == UInt32(bits) << 16)
    }
    #expect(ElementFormat.bfloat16.decode(0x7F7F).bitPattern == 0x7F7F_0000)
    #expect(ElementFormat.bfloat16.decode(0x3F80) == 1)
    // Rounding: nearest even on the dropped 16 bits.
    #expect(floatToBFloat16(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
    #expect(floatToBFloat16(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd goes up
    #expect(floatToBFloat16(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
    #expect(floatToBFloat16(Float(bitPattern: 0x3F80_7FFF)) == 0x3F80)
    #expect(floatToBFloat16(.greatestFiniteMagnitude) == 0x7F80)  // rounds up to infinity
    #expect(floatToBFloat16(-.infinity) == 0xFF80)
    #expect(ElementFormat.bfloat16.decode(UInt32(floatToBFloat16(.nan))).isNaN)
    var rng = SeededGenerator(seed: 0xBF16)
    for _ in 0..<20000 {
      let v = Float(bitPattern: UInt32.random(in: 0...0xFFFF_FFFF, using: &rng))
      guard v.isFinite else { continue }
      let rounded = ElementFormat.bfloat16.decode(UInt32(floatToBFloat16(v)))
      // The result is one of the two BF16 neighbours of v, the nearer (ties to even).
      let down = Float(bitPattern: v.bitPattern & 0xFFFF_0000)
      let up = Float(bitPattern: (v.bitPattern & 0xFFFF_0000) &+ 0x1_0000)
      let dDown = abs(Double(v) - Double(down))
      // Past the largest finite BF16 the next step would be 2^128.
      let dUp = abs(Double(v) - (up.isFinite ? Double(up) : (v < 0 ? -0x1p128 : 0x1p128)))
      let expected: Float
      if v.bitPattern & 0xFFFF == 0x8000 {
        expected = (down.bitPattern >> 16) & 1 == 0 ? down : up
      } else {
        expected = dDown < dUp ? down : up
      }
      #expect(rounded.bitPattern == expected.bitPattern || (expected.isInfinite && rounded.isInfinite), "\(v)")
    }
  }
}
