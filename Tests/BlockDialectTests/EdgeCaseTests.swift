import Foundation
import Testing

@testable import BlockDialect

/// The spec's edge cases, one by one, with the expected blocks worked out by hand.
@Suite("Edge cases of docs/numerics.md")
struct EdgeCaseTests {
  func quantize(
    _ values: [Float], format: BlockFormat = .default, selector: DialectSelector = .leastSquares,
    input: ElementFormat = .float32
  ) -> (codes: [UInt8], outcome: BlockOutcome) {
    let (block, outcome) = BlockQuantizer(format: format, selector: selector, input: input).quantize(values)
    return (block.rawCodes, outcome)
  }

  // MARK: all-zero block

  @Test(arguments: DialectSelector.allCases)
  func allZeroBlock(selector: DialectSelector) {
    for values in [[Float](repeating: 0, count: 32), [0, -0.0, 0, -0.0], []] {
      let (codes, outcome) = quantize(values, selector: selector)
      #expect(outcome.exponentField == 0)
      #expect(outcome.clamp == .none)
      #expect(!outcome.nonfinite)
      #expect(codes == [UInt8](repeating: 0, count: 32))
      // Activation paths: q all 0, h = 0, group (14, 15) (smallest maximum 8 >= 0). Two-stage:
      // neither member has a beneficial q = 0, so the counts tie and the lower id, 14, wins.
      // Neighbour groups: the group has no lower neighbour, both candidates cost 0, 14 wins.
      // The weight path and the MSE reference cost 0 everywhere: dialect 0.
      let online = selector == .twoStage || selector == .neighborGroups
      #expect(outcome.dialect == (online ? 14 : 0))
    }
  }

  // MARK: subnormal inputs

  @Test func floatSubnormalsAreExact() throws {
    // w = 8, b = 255: amax = 7 * 2^-149 gives E = floor(log2) - 2 + b = -147 - 2 + 255 = 106,
    // so a = |x| * 2^(255 - 106) = |x| * 2^149: the subnormals 7, 5, 3, 1 (x 2^-149) become
    // a = 7, 5, 3, 1, i.e. 14, 10, 6, 2 half-units.
    let format = try BlockFormat(blockSize: 8, exponentWidth: 8, exponentBias: 255)
    let tiny = Float.leastNonzeroMagnitude
    let values: [Float] = [7 * tiny, -5 * tiny, 3 * tiny, -1 * tiny]
    // Weight path: 6 and 2 are in every dialect; 14 and 10 cost (in units^2)
    //   d0 [11,15]: 0.25+0.25, d1 [9,15]: 0.5, d2 [11,14]: 0+0.25, d3 [9,14]: 0+0.25,
    //   d4 [10,13]: 0.25+0, d5 [8,13]: 0.25+1, d6 [10,12]: 1+0, ... all others more.
    // d2, d3 and d4 tie at 0.25: the lowest id, 2, wins. Codes with d2 = [0,1,2,3,4,6,11,14]:
    // 14 -> index 7, 10 -> 11 (index 6), 6 -> index 5, 2 -> index 2; signs from x.
    let (codes, outcome) = quantize(values, format: format)
    #expect(outcome.exponentField == 106)
    #expect(outcome.clamp == .none)
    #expect(outcome.dialect == 2)
    #expect(codes == [7, 0b1110, 5, 0b1010, 0, 0, 0, 0])
    // With the e2m1 book (ties to even): 7 -> 6 (index 7), 5 -> tie 4/6 -> index 6, 3 -> 5,
    // 1 -> 2.
    let e2m1 = try BlockFormat(blockSize: 8, exponentWidth: 8, exponentBias: 255, formatbook: .e2m1)
    let (e2m1Codes, e2m1Outcome) = quantize(values, format: e2m1)
    #expect(e2m1Outcome.exponentField == 106)
    #expect(e2m1Codes == [7, 0b1110, 5, 0b1010, 0, 0, 0, 0])
    let decoded = e2m1.decode(
      try PackedBlock(exponentField: 106, dialect: 0, rawCodes: e2m1Codes, format: e2m1))
    #expect(decoded.prefix(4) == [6 * tiny, -4 * tiny, 3 * tiny, -1 * tiny])
    // The default format clamps such a block low: E = 0, a = |x| 2^15, all index 0.
    let (lowCodes, lowOutcome) = quantize(values)
    #expect(lowOutcome.exponentField == 0 && lowOutcome.clamp == .low)
    #expect(lowCodes.allSatisfy { $0 == 0 })
  }

  @Test func float16SubnormalsAreExact() throws {
    // FP16 subnormals k * 2^-24 for k = 1023, 512, 64, 48, 3, 1.
    let bits: [UInt16] = [1023, 512, 64, 0x8000 | 48, 3, 1]
    let values = bits.map { float16ToFloat($0) }
    #expect(values == [1023, 512, 64, -48, 3, 1].map { Float($0) * 0x1p-24 })
    // w = 8, b = 127: amax = 1023 * 2^-24, floor(log2) = -15, E = -15 - 2 + 127 = 110;
    // a = k * 2^-24 * 2^17 = k / 128: 7.99, 4, 0.5, 0.375, 0.023, 0.008. E2M1 (ties even):
    // 7.99 -> 6 (index 7), 4 -> index 6, 0.5 -> 1, 0.375 -> nearer 0.5 (index 1), rest 0.
    let format = try BlockFormat(blockSize: 8, exponentWidth: 8, exponentBias: 127, formatbook: .e2m1)
    let (codes, outcome) = quantize(values, format: format, input: .float16)
    #expect(outcome.exponentField == 110)
    #expect(codes == [7, 6, 1, 0b1001, 0, 0, 0, 0])
    // And DialectFP4 on the same block agrees with the spec reference on every path.
    for selector in DialectSelector.allCases {
      let quantizer = BlockQuantizer(
        format: try BlockFormat(blockSize: 8, exponentWidth: 8, exponentBias: 127), selector: selector,
        input: .float16)
      #expect(libraryBlock(quantizer, values) == specBlock(quantizer, values))
    }
  }

  // MARK: exact ties

  @Test func exactTiesUnderBothRules() throws {
    // amax 7.5 fixes E = 15 (a = |x|). The midpoints 0.25, 0.75, 1.25, 1.75 lie between
    // magnitudes every DialectFP4 dialect shares (0, 0.5, 1, 1.5, 2): ties up give indices
    // 1, 2, 3, 4 whatever the dialect.
    let values: [Float] = [7.5, 0.25, -0.75, 1.25, -1.75]
    for selector in DialectSelector.allCases {
      let (codes, _) = quantize(values, selector: selector)
      #expect(Array(codes[1...4]) == [1, 0b1010, 3, 0b1100])
    }
    // The e2m1 book ties to even: 0.25 -> 0, 0.75 -> 2 (1.0), 1.25 -> 2, 1.75 -> 4 (2.0);
    // 7.5 saturates to index 7 (6.0). Also 2.5 -> 4 (2.0), 3.5 -> 6 (4.0), 5 -> 6 (4.0).
    let e2m1 = try BlockFormat(formatbook: .e2m1)
    let (codes, outcome) = quantize(values + [2.5, 3.5, -5], format: e2m1)
    #expect(outcome.exponentField == 15)
    #expect(Array(codes[0..<8]) == [7, 0, 0b1010, 2, 0b1100, 4, 6, 0b1110])
    // A value just above a midpoint is no tie: 0.25 + 2^-20 goes up under either rule.
    let (above, _) = quantize([7.5, 0.25 + 0x1p-20], format: e2m1)
    #expect(above[1] == 1)
  }

  // MARK: exponent clamps

  @Test func exponentClampLow() throws {
    // Default w = 5, b = 15: amax = 2^-14 gives floor(log2) - 2 + b = -1 < 0: E = 0, clamped
    // low; a = 2^-14 * 2^15 = 2 = 4 half-units, index 4 in every dialect; decodes exactly.
    let (codes, outcome) = quantize([0x1p-14, -0x1p-15])
    #expect(outcome.exponentField == 0)
    #expect(outcome.clamp == .low)
    #expect(Array(codes[0..<2]) == [4, 0b1010])  // 2^-15 -> a = 1 -> index 2
    let decoded = BlockFormat.default.decode(
      try PackedBlock(exponentField: 0, dialect: outcome.dialect, rawCodes: codes, format: .default))
    #expect(Array(decoded[0..<2]) == [0x1p-14, -0x1p-15])
    // Small width and bias: w = 3, b = 3: amax = 0.25 gives -2 - 2 + 3 = -1: E = 0,
    // a = 0.25 * 2^3 = 2.
    let small = try BlockFormat(blockSize: 8, exponentWidth: 3, exponentBias: 3)
    let (smallCodes, smallOutcome) = quantize([0.25], format: small)
    #expect(smallOutcome.exponentField == 0 && smallOutcome.clamp == .low)
    #expect(smallCodes[0] == 4)
    // Just inside the range: amax = 2^-13 gives E = 0 unclamped.
    #expect(quantize([0x1p-13]).outcome.clamp == .none)
    #expect(quantize([0x1p-13]).outcome.exponentField == 0)
  }

  @Test func exponentClampHigh() throws {
    // Default: amax = 2^19 gives 19 - 2 + 15 = 32 > 31: E = 31, clamped high;
    // a = |x| * 2^(15 - 31): 2^19 -> 8, above every magnitude: index 7.
    let (codes, outcome) = quantize([0x1p19, -0x1p19, 3 * 0x1p16])
    #expect(outcome.exponentField == 31)
    #expect(outcome.clamp == .high)
    #expect(Array(codes[0..<2]) == [7, 15])
    // 3 * 2^16 -> a = 3 = 6 half-units: index 5 in every dialect.
    #expect(codes[2] == 5)
    // Just below 2^19: amax = 0x1.fffffep18 gives 18 - 2 + 15 = 31, unclamped.
    #expect(quantize([0x1.fffffep18]).outcome.clamp == .none)
    #expect(quantize([0x1.fffffep18]).outcome.exponentField == 31)
    // w = 3, b = 3: the largest field is 7; amax = 1000: floor(log2) = 9, 9 + 1 = 10 > 7;
    // a = 1000 / 16 = 62.5: index 7 on every path; 1 -> a = 1/16, below 0.25: index 0.
    let small = try BlockFormat(blockSize: 8, exponentWidth: 3, exponentBias: 3)
    for selector in DialectSelector.allCases {
      let (smallCodes, smallOutcome) = quantize([1000, -1000, 1], format: small, selector: selector)
      #expect(smallOutcome.exponentField == 7 && smallOutcome.clamp == .high)
      #expect(Array(smallCodes[0..<3]) == [7, 15, 0])
    }
  }

  @Test func hugeElementsTakeTheLargestGroup() {
    // F32 greatest finite with the default format: E = 31 clamped; a = x * 2^-16 is about
    // 2^112, far above every magnitude. Only dialects with the book's largest magnitude (15:
    // dialects 0 and 1) can win. The other element, 4.5 * 2^16, has a = 4.5 = 9 half-units:
    // exact in dialect 1 [.., 9, 15], 1.0 off in dialect 0 [.., 6, 11, 15] (nearest 5.5).
    // Dialect 1 wins.
    let huge = Float.greatestFiniteMagnitude
    let (codes, outcome) = quantize([huge, 4.5 * 0x1p16, -huge])
    #expect(outcome.exponentField == 31 && outcome.clamp == .high)
    #expect(outcome.dialect == 1)
    #expect(Array(codes[0..<3]) == [7, 6, 15])
    // With 5.5 * 2^16 instead (11 half-units), dialect 0 is exact and wins.
    #expect(quantize([huge, 5.5 * 0x1p16]).outcome.dialect == 0)
  }

  // MARK: non-finite inputs

  @Test func infinityAndNaN() throws {
    // F32: +-Inf count as +-(2 - 2^-23) 2^127: E clamps high (127 - 2 + 15 > 31), both
    // saturate to index 7 with their signs; NaN counts as 0; 1.0 -> a = 2^-16 -> 0.
    let (codes, outcome) = quantize([.infinity, -.infinity, .nan, 1])
    #expect(outcome.nonfinite)
    #expect(outcome.clamp == .high)
    #expect(outcome.exponentField == 31)
    #expect(Array(codes[0..<4]) == [7, 15, 0, 0])
    // FP16: Inf counts as 65504: floor(log2) = 15, E = 28, a = 65504 / 2^13 = 7.996 -> index 7
    // in dialects 0 and 1 (both 7.5); they tie, dialect 0. -Inf the same with a sign.
    let (fp16Codes, fp16) = quantize([.infinity, -.infinity, -.nan, 1], input: .float16)
    #expect(fp16.nonfinite && fp16.clamp == .none)
    #expect(fp16.exponentField == 28)
    #expect(fp16.dialect == 0)
    #expect(Array(fp16Codes[0..<4]) == [7, 15, 0, 0])
    // The same block with the saturated values written out gives the same codes, not flagged.
    let (plainCodes, plain) = quantize([65504, -65504, 0, 1], input: .float16)
    #expect(plainCodes == fp16Codes && !plain.nonfinite && plain.dialect == fp16.dialect)
    // BF16: Inf counts as 0x7F7F0000 = (2 - 2^-7) 2^127. With w = 8, b = 127: E = 127 - 2 + 127
    // = 252, a = (2 - 2^-7) * 4 = 7.97 -> index 7.
    let mx = try BlockFormat(exponentWidth: 8, exponentBias: 127)
    let (bf16Codes, bf16) = quantize([-.infinity, 2], format: mx, input: .bfloat16)
    #expect(bf16.nonfinite && bf16.exponentField == 252)
    #expect(Array(bf16Codes[0..<2]) == [15, 0])
    // The saturation values themselves, as the spec names them.
    #expect(ElementFormat.float16.largestFinite == 65504)
    #expect(ElementFormat.bfloat16.largestFinite.bitPattern == 0x7F7F_0000)
    #expect(ElementFormat.float32.largestFinite == .greatestFiniteMagnitude)
    // A finite block is never flagged.
    #expect(!quantize([1, 2, 3]).outcome.nonfinite)
  }

  @Test func nonfiniteCountsInTensorStatistics() {
    var values = [Float](repeating: 1, count: 96)
    values[5] = .nan
    values[70] = -.infinity
    for scheme in [QuantizationScheme.blockDialect(.default, .twoStage), .mxfp4, .nvfp4] {
      let tensor = TensorQuantizer(scheme: scheme, input: .float16).quantize(values, shape: [96], threads: 1)
      #expect(tensor.statistics.nonfiniteBlocks == 2, "\(scheme)")
      let errors = values.withUnsafeBufferPointer {
        tensor.errorStatistics(against: $0, input: .float16, threads: 1)
      }
      // Inf counts as 65504 in the signal energy, NaN as 0.
      #expect(errors.signalEnergy == 94 + 65504.0 * 65504.0, "\(scheme)")
      #expect(errors.count == 96)
    }
  }

  // MARK: negative zero

  @Test func negativeZeroEncodesAsZero() {
    for selector in DialectSelector.allCases {
      let (codes, _) = quantize([-0.0, 4, -0.0, -1e-9, -0.01], selector: selector)
      #expect(codes[0] == 0 && codes[2] == 0)
      // Negative values that round to magnitude 0 also get code 0, never 0b1000.
      #expect(codes[3] == 0 && codes[4] == 0)
      #expect(!codes.contains(0b1000))
    }
    for scheme in [QuantizationScheme.mxfp4, .nvfp4] {
      let tensor = TensorQuantizer(scheme: scheme).quantize([-0.0, 4, -1e-9, -0.0], shape: [4], threads: 1)
      #expect(!tensor.codes.contains(0b1000), "\(scheme)")
      #expect(tensor.codes[0] == 0 && tensor.codes[2] == 0 && tensor.codes[3] == 0)
    }
  }

  // MARK: short last block

  @Test(arguments: [
    QuantizationScheme.blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage), .mxfp4,
  ])
  func shortLastBlockIsPaddedWithZeros(scheme: QuantizationScheme) {
    let values = SampleDistribution.normal.samples(140, seed: 70)
    let tensor = TensorQuantizer(scheme: scheme).quantize(values, shape: [2, 70], threads: 1)
    #expect(tensor.blocksPerRow == 3)
    #expect(tensor.blockCount == 6)
    #expect(tensor.codes.count == 6 * 32)
    #expect(tensor.dequantized().count == 140)
    let quantizer: BlockQuantizer
    switch scheme {
    case .blockDialect(let format, let selector): quantizer = BlockQuantizer(format: format, selector: selector)
    default:
      quantizer = BlockQuantizer(
        format: QuantizationScheme.mxfp4Format, selector: .leastSquares,
        maximumExponentField: QuantizationScheme.mxfp4MaximumExponentField)
    }
    for row in 0..<2 {
      // The third block of each row holds elements 64...69 and 26 padding codes of 0, and is
      // the block the zero-padded 32 elements give.
      let tail = Array(values[(row * 70 + 64)..<(row * 70 + 70)])
      let block = row * 3 + 2
      let codes = Array(tensor.codes[(block * 32)..<(block * 32 + 32)])
      #expect(codes[6...].allSatisfy { $0 == 0 })
      let padded = quantizer.quantize(tail + [Float](repeating: 0, count: 26))
      #expect(padded.block.rawCodes == codes)
      #expect(Int(tensor.scales[block]) == padded.outcome.exponentField)
      if scheme.hasDialects { #expect(Int(tensor.dialects[block]) == padded.outcome.dialect) }
    }
  }
}
