import Foundation
import Testing

@testable import BlockDialect

/// An independent E4M3 ("E4M3FN", bias 7, no infinities, largest 448) written from the OCP
/// definition: bits 0...126 are the finite non-negative values.
enum E4M3Reference {
  static func value(_ bits: Int) -> Double {
    let exponent = bits >> 3
    let mantissa = Double(bits & 7)
    return exponent == 0 ? mantissa * power2(-9) : (1 + mantissa / 8) * power2(exponent - 7)
  }

  static let values: [Double] = (0...126).map(value)

  /// Nearest value, ties to the even code (even mantissa), saturating at 448.
  static func round(_ x: Double) -> Int {
    if x >= 448 { return 126 }
    if !(x > 0) { return 0 }
    var below = 0
    while values[below + 1] <= x { below += 1 }
    let dBelow = x - values[below]
    let dAbove = values[below + 1] - x
    if dBelow < dAbove { return below }
    if dAbove < dBelow { return below + 1 }
    return below % 2 == 0 ? below : below + 1
  }
}

@Suite("Baselines: MXFP4, NVFP4 and E4M3")
struct BaselineTests {
  // MARK: MXFP4

  /// Blocks worked out by hand; each row of the tensor is one block of 32.
  @Test func mxfp4HandComputedBlocks() {
    var rows: [[Float]] = []
    var expectedScale: [UInt8] = []
    var expectedCodes: [[UInt8]] = []
    var expectedValues: [[Float]] = []
    func add(_ x: [Float], scale: UInt8, codes: [UInt8], values: [Float]) {
      rows.append(x + [Float](repeating: 0, count: 32 - x.count))
      expectedScale.append(scale)
      expectedCodes.append(codes + [UInt8](repeating: 0, count: 32 - codes.count))
      expectedValues.append(values + [Float](repeating: 0, count: 32 - values.count))
    }
    // amax 6: floor(log2 6) - 2 = 0, scale 2^0 (E8M0 127). 1 -> index 2; -2.5 ties 2 | 3 ->
    // even index 4 (2.0); 0.75 ties 0.5 | 1 -> index 2 (1.0); 6 -> 7; 0.25 ties 0 | 0.5 -> 0.
    add([1, -2.5, 0.75, 6, 0.25], scale: 127, codes: [2, 0b1100, 2, 7, 0], values: [1, -2, 1, 6, 0])
    // amax 7.9: scale 1. 7.9 saturates at 6; 5 ties 4 | 6 -> index 6 (4); -3.5 ties 3 | 4 ->
    // index 6 (4); 1.25 ties 1 | 1.5 -> index 2; 1.75 ties 1.5 | 2 -> index 4.
    add([7.9, 5, -3.5, 1.25, 1.75], scale: 127, codes: [7, 6, 0b1110, 2, 4], values: [6, 4, -4, 1, 2])
    // amax 0.7: floor(log2 0.7) = -1, scale 2^-3 (124). 0.7 * 8 = 5.6 -> 6 (index 7) = 0.75;
    // 0.3 * 8 = 2.4 -> 2 (index 4) = 0.25; -0.0625 * 8 = -0.5 -> index 1 = -0.0625.
    add([0.7, 0.3, -0.0625], scale: 124, codes: [7, 4, 0b1001], values: [0.75, 0.25, -0.0625])
    // All zero: scale 2^-127 (E8M0 0), every code 0.
    add([0, -0.0], scale: 0, codes: [], values: [])
    // amax 2^-149: -149 - 2 = -151, clamped to 2^-127 (0): 2^-149 / 2^-127 = 2^-22 -> 0.
    add([0x1p-149, -0x1p-149], scale: 0, codes: [0, 0], values: [0, 0])
    // amax 2^-125: -127 exactly, not clamped: 2^-125 / 2^-127 = 4 -> index 6 = 2^-125.
    add([0x1p-125], scale: 0, codes: [6], values: [0x1p-125])
    // amax 3e38: floor(log2) = 127, scale 2^125 (252): 3e38 / 2^125 = 7.05 -> 6 (index 7);
    // -1e38 / 2^125 = -2.35 -> 2 (index 4).
    add([3e38, -1e38], scale: 252, codes: [7, 0b1100], values: [6 * 0x1p125, -2 * 0x1p125])

    let tensor = TensorQuantizer(scheme: .mxfp4).quantize(rows.flatMap { $0 }, shape: [rows.count, 32], threads: 1)
    #expect(tensor.scales == expectedScale)
    #expect(tensor.dialects.isEmpty)
    for row in rows.indices {
      #expect(Array(tensor.codes[(row * 32)..<(row * 32 + 32)]) == expectedCodes[row], "row \(row)")
    }
    #expect(tensor.dequantized() == expectedValues.flatMap { $0 })
    #expect(tensor.statistics.clampedLowBlocks == 1)
    #expect(tensor.statistics.clampedHighBlocks == 0)
    #expect(QuantizationScheme.mxfp4.bitsPerElement == 4.25)
    #expect(QuantizationScheme.mxfp4.blockSize == 32)
  }

  /// MXFP4 on random blocks against the OCP rule written directly: scale 2^clamp(floor(log2
  /// amax) - 2, -127, 127), E2M1 of |x| / scale, ties to even, saturating at 6.
  @Test func mxfp4RandomBlocksMatchOCPRule() {
    var sampler = BlockSampler(seed: 0x3F4)
    var rows: [Float] = []
    let blocks = 1500
    for _ in 0..<blocks { rows += sampler.block(count: 32).values.map { $0.isFinite ? $0 : 0 } }
    let tensor = TensorQuantizer(scheme: .mxfp4).quantize(rows, shape: [blocks, 32])
    var mismatches = 0
    for b in 0..<blocks {
      let x = rows[(b * 32)..<(b * 32 + 32)].map { Double($0) }
      let amax = x.map(abs).max()!
      let exponent = amax == 0 ? -127 : min(127, max(-127, Spec.floorLog2(amax) - 2))
      let codes = x.map { v -> UInt8 in
        let index = Spec.e2m1Index(abs(v) / power2(exponent))
        return UInt8(index) | (v < 0 && index != 0 ? 8 : 0)
      }
      if Int(tensor.scales[b]) != exponent + 127 || Array(tensor.codes[(b * 32)..<(b * 32 + 32)]) != codes {
        mismatches += 1
        if mismatches < 4 { Issue.record("block \(b): \(x)") }
      }
    }
    #expect(mismatches == 0)
  }

  // MARK: NVFP4

  @Test func nvfp4HandComputedBlocks() {
    // amax_tensor = 2688 = 448 * 6: T = 1 exactly.
    // Block 0: amax 6 -> s = E4M3(6 / 6 / 1) = 1.0 (0x38). 6 -> index 7; -5 ties 4 | 6 -> 4
    // (index 6); 2.5 ties 2 | 3 -> 2 (index 4); 0.25 ties 0 | 0.5 -> 0; 0.75 -> 1 (index 2);
    // 1.75 -> 2 (index 4); zeros -> 0.
    // Block 1: amax 2688 -> s = E4M3(448) = 448 (0x7E). 2688 / 448 = 6 -> index 7; 1000 / 448 =
    // 2.23 -> 2 (index 4) = 896; -1344 / 448 = -3 -> index 5; 100 / 448 = 0.22 -> 0.
    var x = [Float](repeating: 0, count: 32)
    x.replaceSubrange(0..<8, with: [6, -5, 2.5, 0.25, 0.75, 1.75, 0, -0.0])
    x.replaceSubrange(16..<20, with: [2688, 1000, -1344, 100])
    let tensor = TensorQuantizer(scheme: .nvfp4).quantize(x, shape: [32], threads: 1)
    #expect(tensor.tensorScale == 1)
    #expect(tensor.scales == [0x38, 0x7E])
    #expect(Array(tensor.codes[0..<8]) == [7, 0b1110, 4, 0, 2, 4, 0, 0])
    #expect(Array(tensor.codes[16..<20]) == [7, 4, 0b1101, 0])
    let decoded = tensor.dequantized()
    #expect(Array(decoded[0..<8]) == [6, -4, 2, 0, 1, 2, 0, 0])
    #expect(Array(decoded[16..<20]) == [2688, 896, -1344, 0])
    #expect(decoded[8..<16].allSatisfy { $0 == 0 } && decoded[20...].allSatisfy { $0 == 0 })
  }

  @Test func nvfp4BlockScaleRounding() {
    // T = 1 again (the tensor holds 2688). 6.375 / 6 = 1.0625 ties 1.0 | 1.125 -> even
    // mantissa: 1.0 (0x38); the element 6.375 then saturates at 6.
    // 7.125 / 6 = 1.1875 ties 1.125 | 1.25 -> 1.25 (0x3A); 7.125 / 1.25 = 5.7 -> 6 -> 7.5;
    // 3 / 1.25 = 2.4 -> 2 -> 2.5.
    var x = [Float](repeating: 0, count: 48)
    x[0] = 2688
    x[16] = 6.375
    x[32] = 7.125
    x[33] = -3
    let tensor = TensorQuantizer(scheme: .nvfp4).quantize(x, shape: [48], threads: 1)
    #expect(tensor.tensorScale == 1)
    #expect(tensor.scales == [0x7E, 0x38, 0x3A])
    let decoded = tensor.dequantized()
    #expect(decoded[16] == 6)
    #expect(decoded[32] == 7.5 && decoded[33] == -2.5)

    // amax_tensor = 2.625 = 2688 * 2^-10: T = 2^-10 exactly. Block amax 2.625: s = 2.625 / 6 /
    // 2^-10 = 448; x / (s T) = x / 0.4375: 2.625 -> 6 (index 7), 0.5 -> 1.14 -> 1 (index 2),
    // which decodes to 0.4375.
    let small = TensorQuantizer(scheme: .nvfp4).quantize([2.625, 0.5, -0.25], shape: [3], threads: 1)
    #expect(small.tensorScale == 0x1p-10)
    #expect(small.scales == [0x7E])
    #expect(Array(small.codes[0..<3]) == [7, 2, 0b1001])  // 0.25 / 0.4375 = 0.57 -> 0.5
    #expect(small.dequantized() == [2.625, 0.4375, -0.21875])
  }

  @Test func nvfp4TensorScale() {
    #expect(NVFP4Quantizer.tensorScale(largestMagnitude: 2688) == 1)
    #expect(NVFP4Quantizer.tensorScale(largestMagnitude: 0) == 1)
    #expect(NVFP4Quantizer.tensorScale(largestMagnitude: 1) == Float(1) / Float(2688))
    #expect(QuantizationScheme.nvfp4.blockSize == 16)
    #expect(QuantizationScheme.nvfp4.bitsPerElement == 4.5)
    // An all-zero tensor: T = 1, every scale and code 0.
    let zeros = TensorQuantizer(scheme: .nvfp4).quantize([Float](repeating: 0, count: 20), shape: [20], threads: 1)
    #expect(zeros.tensorScale == 1)
    #expect(zeros.scales == [0, 0])
    #expect(zeros.codes.allSatisfy { $0 == 0 })
  }

  /// A tensor so small that T = amax / 2688 underflows to 0 in FP32: no trap, and the tensor
  /// decodes to zeros (every s T is 0).
  @Test func nvfp4TensorScaleUnderflow() {
    let tiny = Float.leastNonzeroMagnitude
    let tensor = TensorQuantizer(scheme: .nvfp4).quantize([tiny, -3 * tiny, 0], shape: [3], threads: 1)
    #expect(tensor.tensorScale == 0)
    #expect(tensor.dequantized().allSatisfy { $0 == 0 })
    #expect(!tensor.codes.contains(0b1000))
  }

  /// NVFP4 on random tensors against the rule written out in FP32 arithmetic: T = amax / 2688,
  /// s = E4M3(amax_block / 6 / T), E2M1 of |x| / (s T).
  @Test func nvfp4RandomTensorsMatchRule() {
    var sampler = BlockSampler(seed: 0x4F4)
    var mismatches = 0
    for _ in 0..<300 {
      var x: [Float] = []
      for _ in 0..<4 { x += sampler.block(count: 16).values.map { $0.isFinite ? $0 : 0 } }
      let tensor = TensorQuantizer(scheme: .nvfp4).quantize(x, shape: [64], threads: 1)
      let amax = x.map(abs).max()!
      let t: Float = amax == 0 ? 1 : amax / 2688
      #expect(tensor.tensorScale == t)
      for b in 0..<4 {
        let block = x[(b * 16)..<(b * 16 + 16)]
        let blockMax = block.map(abs).max()!
        let s = E4M3Reference.round(Double(blockMax / 6 / t))
        let denominator = Float(E4M3Reference.values[s]) * t
        let codes = block.map { v -> UInt8 in
          guard denominator > 0 else { return 0 }
          let index = Spec.e2m1Index(Double(abs(v) / denominator))
          return UInt8(index) | (v < 0 && index != 0 ? 8 : 0)
        }
        if Int(tensor.scales[b]) != s || Array(tensor.codes[(b * 16)..<(b * 16 + 16)]) != codes {
          mismatches += 1
          if mismatches < 4 { Issue.record("\(Array(block)) T=\(t): scale \(tensor.scales[b]) vs \(s)") }
        }
      }
    }
    #expect(mismatches == 0)
  }

  // MARK: E4M3

  @Test func e4m3Exhaustive() {
    // 127 finite non-negative values, 0 ... 448; every one is its own rounding.
    #expect(E4M3Reference.values.count == 127)
    #expect(E4M3Reference.values[126] == 448)
    #expect(E4M3Reference.values[1] == 0x1p-9)
    #expect(E4M3Reference.values[8] == 0x1p-6)
    for bits in 0...126 {
      let v = E4M3Reference.values[bits]
      #expect(Double(E4M3.value(UInt8(bits))) == v, "value of \(bits)")
      #expect(Int(E4M3.round(Float(v))) == bits, "round(\(v))")
    }
    // Midpoints between neighbours tie to the even code; just off them go to the nearer.
    for bits in 0..<126 {
      let low = E4M3Reference.values[bits]
      let high = E4M3Reference.values[bits + 1]
      let middle = Float((low + high) / 2)
      #expect(Double(middle) == (low + high) / 2)
      let even = bits % 2 == 0 ? bits : bits + 1
      #expect(Int(E4M3.round(middle)) == even, "midpoint of \(bits) and \(bits + 1)")
      #expect(Int(E4M3.round(middle.nextDown)) == bits)
      #expect(Int(E4M3.round(middle.nextUp)) == bits + 1)
      #expect(E4M3Reference.round(Double(middle)) == even)
    }
    // Above 448 everything saturates (no infinities in E4M3FN).
    for x: Float in [448.5, 464, 479.9, 480, 500, 1e6, .greatestFiniteMagnitude, .infinity] {
      #expect(E4M3.round(x) == 0x7E, "\(x)")
    }
    // Zero, negatives and NaN give 0; half the smallest subnormal ties to 0.
    for x: Float in [0, -0.0, -1, .nan, 0x1p-10, 0x1p-12] { #expect(E4M3.round(x) == 0, "\(x)") }
    #expect(E4M3.round(Float(0x1p-10).nextUp) == 1)
  }
}
