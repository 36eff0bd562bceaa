import Foundation
import Testing

@testable import BlockDialect

@Suite("Block dot product, accumulator and BigInteger")
struct DotProductTests {
  /// Random packed blocks of a format: random fields, dialects and codes (never 0b1000).
  static func randomBlock(_ format: BlockFormat, _ rng: inout SeededGenerator) -> PackedBlock {
    let raw = (0..<format.blockSize).map { _ -> UInt8 in
      var code = UInt8.random(in: 0...15, using: &rng)
      if code == 8 { code = 0 }
      return code
    }
    return try! PackedBlock(
      exponentField: Int.random(in: 0...format.maximumExponentField, using: &rng),
      dialect: Int.random(in: 0..<format.formatbook.dialects.count, using: &rng), rawCodes: raw, format: format)
  }

  @Test func productAgainstDirectComputation() throws {
    var rng = SeededGenerator(seed: 0xD07)
    for format in [BlockFormat.default, try BlockFormat(blockSize: 8, exponentWidth: 3, exponentBias: 1)] {
      for _ in 0..<500 {
        let w = Self.randomBlock(format, &rng)
        let a = Self.randomBlock(format, &rng)
        let product = format.product(weight: w, activation: a)
        // P from the codes and the book's table: sign xor, magnitudes multiplied.
        var p = 0
        for i in 0..<format.blockSize {
          let cw = w.rawCodes[i]
          let ca = a.rawCodes[i]
          let mw = dialectFP4Table[w.dialect][Int(cw & 7)]
          let ma = dialectFP4Table[a.dialect][Int(ca & 7)]
          p += ((cw ^ ca) & 8 != 0 ? -1 : 1) * mw * ma
        }
        #expect(product.sum == p)
        #expect(product.exponentSum == w.exponentField + a.exponentField)
        #expect(abs(p) <= 225 * format.blockSize)
        // The block's value P 2^(S - 2b - 2) is the dot product of the decoded blocks (exact in
        // Double: every decoded value and product has few significant bits).
        let direct = zip(format.decode(w), format.decode(a)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let value = format.value(of: product)
        #expect(value == Double(p) * power2(product.exponentSum - 2 * format.exponentBias - 2))
        #expect(value == direct)
      }
    }
    // Widths: |P| <= 225 * 32 = 7200 < 2^13, so 14 bits signed; S is w + 1 bits.
    #expect(BlockFormat.default.largestBlockProduct == 7200)
    #expect(BlockFormat.default.blockProductWidth == 14)
    #expect(BlockFormat.default.exponentSumWidth == 6)
    // The default accumulator holds 2^16 blocks of 7200 << 62: 13 + 62 + 16 + 1 bits.
    #expect(BlockFormat.default.defaultAccumulatorWidth == 92)
  }

  @Test func extremeProducts() throws {
    let format = BlockFormat.default
    // Every element +7.5 times -7.5 (code 7 in dialect 0 is 15 half-units): P = -225 * 32.
    let w = try PackedBlock(exponentField: 31, dialect: 0, rawCodes: [UInt8](repeating: 7, count: 32), format: format)
    let a = try PackedBlock(exponentField: 31, dialect: 1, rawCodes: [UInt8](repeating: 15, count: 32), format: format)
    let product = format.product(weight: w, activation: a)
    #expect(product.sum == -7200)
    #expect(product.exponentSum == 62)
    #expect(format.value(of: product) == -7200 * power2(62 - 32))
  }

  @Test func accumulatorExactSums() throws {
    var rng = SeededGenerator(seed: 0xACC)
    let format = BlockFormat.default
    // Sums below 2^53 LSBs (S <= 30): exact in Double too, so the FP32 readout must be
    // Float(the Double sum).
    for _ in 0..<200 {
      var accumulator = BlockAccumulator(format: format)
      var reference: Int128 = 0
      var double = 0.0
      for _ in 0..<Int.random(in: 1...64, using: &rng) {
        let product = BlockProduct(
          sum: Int.random(in: -7200...7200, using: &rng), exponentSum: Int.random(in: 0...30, using: &rng))
        accumulator.add(product)
        reference += Int128(product.sum) << product.exponentSum
        double += format.value(of: product)
      }
      #expect(!accumulator.overflow)
      #expect(accumulator.value.description == String(reference))
      #expect(Double(reference) * power2(-32) == double)
      #expect(accumulator.float32 == Float(double))
    }
    // Sums far beyond 64 bits (S up to 62) against Int128.
    for _ in 0..<200 {
      var accumulator = BlockAccumulator(format: format)
      var reference: Int128 = 0
      for _ in 0..<Int.random(in: 1...64, using: &rng) {
        let product = BlockProduct(
          sum: Int.random(in: -7200...7200, using: &rng), exponentSum: Int.random(in: 0...62, using: &rng))
        accumulator.add(product)
        reference += Int128(product.sum) << product.exponentSum
      }
      #expect(!accumulator.overflow)
      #expect(accumulator.value.description == String(reference))
    }
  }

  @Test func accumulatorOverflowIsStickyAndSaturates() {
    let format = BlockFormat.default
    var accumulator = BlockAccumulator(format: format, width: BlockAccumulator.minimumWidth(for: format))
    #expect(accumulator.width == 14)
    #expect(accumulator.upperBound == BigInteger(8191))
    #expect(accumulator.lowerBound == BigInteger(-8192))
    accumulator.add(BlockProduct(sum: 7200, exponentSum: 0))
    #expect(!accumulator.overflow && accumulator.value == BigInteger(7200))
    accumulator.add(BlockProduct(sum: 991, exponentSum: 0))
    #expect(!accumulator.overflow && accumulator.value == BigInteger(8191))
    // One more: 8192 does not fit: saturate at the upper bound, flag set.
    accumulator.add(BlockProduct(sum: 1, exponentSum: 0))
    #expect(accumulator.overflow)
    #expect(accumulator.value == BigInteger(8191))
    #expect(accumulator.float32 == .infinity)
    // Held: later blocks (even ones that would bring it back into range) are ignored.
    accumulator.add(BlockProduct(sum: -7200, exponentSum: 0))
    #expect(accumulator.overflow && accumulator.value == BigInteger(8191))
    #expect(accumulator.float32 == .infinity)
    // Reset clears both.
    accumulator.reset()
    #expect(!accumulator.overflow && accumulator.value.isZero)
    #expect(accumulator.float32 == 0)
    // Negative overflow: -4096 << 1 = -8192 fits; one less does not.
    accumulator.add(BlockProduct(sum: -4096, exponentSum: 1))
    #expect(!accumulator.overflow && accumulator.value == BigInteger(-8192))
    accumulator.add(BlockProduct(sum: -1, exponentSum: 0))
    #expect(accumulator.overflow && accumulator.value == BigInteger(-8192))
    #expect(accumulator.float32 == -.infinity)
    // A shift that alone exceeds the width overflows too, never wraps.
    accumulator.reset()
    accumulator.add(BlockProduct(sum: 1, exponentSum: 62))
    #expect(accumulator.overflow && accumulator.value == BigInteger(8191))
    // The default width holds 2^16 worst-case blocks of both signs.
    var wide = BlockAccumulator(format: format)
    var reference: Int128 = 0
    for _ in 0..<(1 << 16) {
      wide.add(BlockProduct(sum: 7200, exponentSum: 62))
    }
    reference = (Int128(7200) << 62) << 16
    #expect(!wide.overflow)
    #expect(wide.value.description == String(reference))
  }

  @Test func float32ReadoutRoundsToNearestEven() {
    let format = BlockFormat.default  // LSB weighs 2^-32
    func sum(_ parts: [(Int, Int)]) -> BlockAccumulator {
      var accumulator = BlockAccumulator(format: format)
      for (p, s) in parts { accumulator.add(BlockProduct(sum: p, exponentSum: s)) }
      return accumulator
    }
    // 2^24 + 1 in LSBs: halfway between 2^24 and 2^24 + 2: ties to even -> 2^24 -> 2^-8.
    #expect(sum([(1, 24), (1, 0)]).float32 == 0x1p-8)
    // 2^24 + 3: halfway between 2^24 + 2 (odd significand) and 2^24 + 4 (even): up.
    #expect(sum([(1, 24), (3, 0)]).float32 == Float((0x1p24 + 4) * 0x1p-32))
    // Just above a tie rounds up; the sticky bit sees bits far below.
    #expect(sum([(1, 40), (1, 16), (1, 0)]).float32 == Float((0x1p40 + 0x1p17) * 0x1p-32))
    #expect(sum([(1, 40), (1, 16)]).float32 == 0x1p8)
    // Negative ties mirror.
    #expect(sum([(-1, 24), (-1, 0)]).float32 == -0x1p-8)
    #expect(sum([(-1, 24), (-3, 0)]).float32 == -Float((0x1p24 + 4) * 0x1p-32))
  }

  // MARK: BigInteger

  @Test func bigIntegerArithmeticAgainstInt128() {
    var rng = SeededGenerator(seed: 0xB16)
    for _ in 0..<3000 {
      let x = Int.random(in: Int.min / 2...Int.max / 2, using: &rng) >> Int.random(in: 0...62, using: &rng)
      let y = Int.random(in: Int.min / 2...Int.max / 2, using: &rng) >> Int.random(in: 0...62, using: &rng)
      let a = BigInteger(x)
      let b = BigInteger(y)
      #expect((a + b).description == String(Int128(x) + Int128(y)))
      #expect((a - b).description == String(Int128(x) - Int128(y)))
      #expect((-a).description == String(-Int128(x)))
      #expect((a < b) == (x < y))
      #expect((a == b) == (x == y))
      #expect((a - a).isZero && !(a - a).isNegative)
      let shift = Int.random(in: 0...64, using: &rng)
      #expect(a.shiftedLeft(shift).description == String(Int128(x) << shift))
      // Two's complement words in several widths, read back.
      let shifted = a.shiftedLeft(shift)
      for width in [64, 65, 92, 128, 200] where width > shifted.magnitudeBitWidth {
        let words = a.shiftedLeft(shift).twosComplementWords(width: width)
        #expect(words.count == (width + 63) / 64)
        #expect(BigInteger(twosComplement: words, width: width) == a.shiftedLeft(shift))
        if width == 128 {
          let bits = UInt128(bitPattern: Int128(x) << shift)
          #expect(words == [UInt64(truncatingIfNeeded: bits), UInt64(truncatingIfNeeded: bits >> 64)])
          #expect(
            a.shiftedLeft(shift).hexDigits(width: 128) == String(
              repeating: "0", count: 32 - String(bits, radix: 16).count) + String(bits, radix: 16))
        }
      }
    }
    // Small widths and the hex of negative numbers.
    #expect(BigInteger(-1).hexDigits(width: 14) == "3fff")
    #expect(BigInteger(-8192).hexDigits(width: 14) == "2000")
    #expect(BigInteger(8191).hexDigits(width: 14) == "1fff")
    #expect(BigInteger(twosComplement: [0x2000], width: 14) == BigInteger(-8192))
    #expect(BigInteger(twosComplement: [0x3FFF], width: 14) == BigInteger(-1))
    #expect(BigInteger(twosComplement: [0xFFFF_FFFF_FFFF_FFFF, 0x1], width: 65) == BigInteger(-1))
    #expect(BigInteger.zero.description == "0")
    #expect(BigInteger(Int.min).description == String(Int.min))
  }

  @Test func bigIntegerLargeValues() {
    // 2^k as a decimal string by repeated doubling of digits, independent of BigInteger.
    func decimalPowerOfTwo(_ k: Int) -> String {
      var digits = [1]  // least significant first
      for _ in 0..<k {
        var carry = 0
        for i in digits.indices {
          let d = digits[i] * 2 + carry
          digits[i] = d % 10
          carry = d / 10
        }
        if carry > 0 { digits.append(carry) }
      }
      return digits.reversed().map(String.init).joined()
    }
    for k in [0, 1, 63, 64, 65, 127, 128, 200, 333] {
      #expect(BigInteger.powerOfTwo(k).description == decimalPowerOfTwo(k), "2^\(k)")
      #expect((-BigInteger.powerOfTwo(k)).description == "-" + decimalPowerOfTwo(k))
      #expect(BigInteger(1).shiftedLeft(k) == BigInteger.powerOfTwo(k))
      #expect(BigInteger.powerOfTwo(k).magnitudeBitWidth == k + 1)
    }
    // Carries and borrows across words.
    let big = BigInteger.powerOfTwo(200)
    #expect((big - BigInteger(1) + BigInteger(1)) == big)
    #expect((big - BigInteger(1)).magnitudeBitWidth == 200)
    #expect(BigInteger(5) - big < BigInteger(0))
    #expect(big > BigInteger.powerOfTwo(199) + BigInteger.powerOfTwo(198))
    #expect(-big < -BigInteger.powerOfTwo(199))
    #expect((big - BigInteger(1)).hexDigits(width: 200) == String(repeating: "f", count: 50))
    #expect((-big).hexDigits(width: 204) == "f" + String(repeating: "0", count: 50))
  }

  @Test func bigIntegerFloat32AgainstDoubleRounding() {
    // Values of at most 53 bits are exact in Double; Float(Double) then rounds once, to
    // nearest even, which is what float32(scaleExponent:) must give.
    var rng = SeededGenerator(seed: 0xF32)
    for _ in 0..<20000 {
      let bits = Int.random(in: 1...53, using: &rng)
      var magnitude = Int64.random(in: 0...((1 << bits) - 1), using: &rng)
      // Make ties and near-ties common: a 25th significant bit and nothing below, often.
      if Int.random(in: 0...2, using: &rng) == 0, bits > 25 {
        magnitude = (magnitude >> (bits - 25)) << (bits - 25)
      }
      let value = Int.random(in: 0...1, using: &rng) == 0 ? Int(magnitude) : -Int(magnitude)
      let scale = Int.random(in: -220...120, using: &rng)
      let expected = Float(Double(value) * power2(scale))
      let got = BigInteger(value).float32(scaleExponent: scale)
      #expect(got == expected, "\(value) * 2^\(scale)")
      if expected == 0 { #expect(got.sign == (value < 0 ? .minus : .plus) || value == 0) }
    }
    // Bigger than 64 bits: 2^100 + 2^76 is a tie between 2^100 and 2^100 + 2^77.
    let tie = BigInteger.powerOfTwo(100) + BigInteger.powerOfTwo(76)
    #expect(tie.float32(scaleExponent: 0) == 0x1p100)
    #expect((tie + BigInteger(1)).float32(scaleExponent: 0) == Float(0x1p100 + 0x1p77))
    // Overflow to infinity, underflow to zero.
    #expect(BigInteger.powerOfTwo(128).float32(scaleExponent: 0) == .infinity)
    #expect((-BigInteger.powerOfTwo(140)).float32(scaleExponent: 0) == -.infinity)
    #expect(BigInteger(1).float32(scaleExponent: -150) == 0)
    #expect(BigInteger(3).float32(scaleExponent: -151) == 0x1p-149)
  }
}
