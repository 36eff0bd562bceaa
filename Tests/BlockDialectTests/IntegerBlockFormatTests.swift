import Testing

@testable import BlockDialect

/// The integer block format behind the INT4 and INT8 block dot products: quantization (shared
/// exponent, nearest-even rounding, clamping) and the exact block product.
@Suite struct IntegerBlockFormatTests {
  let int8 = try! IntegerBlockFormat(elementBits: 8, like: .default)
  let int4 = try! IntegerBlockFormat(elementBits: 4, like: .default)

  @Test func describesTheFormat() {
    #expect(int8.fractionBits == 6 && int4.fractionBits == 2)
    #expect(int8.elementRange == -128...127 && int4.elementRange == -8...7)
    #expect(int8.largestBlockProduct == 32 * 128 * 128)
    #expect(int8.blockProductWidth == 21)
    #expect(int8.scaleExponent == -2 * 15 - 12)
    #expect(throws: BlockFormatError.self) { _ = try IntegerBlockFormat(elementBits: 1, like: .default) }
  }

  @Test func quantizesWithASharedExponentAndNearestEven() {
    // Largest magnitude 1.5: exponent 0, field 15; steps of 2^-6 for INT8, 2^-2 for INT4.
    let block = int8.quantize([1.5, -0.25, 0.0078125, 0.0234375])
    #expect(block.exponentField == 15)
    #expect(Array(block.elements.prefix(4)) == [96, -16, 0, 2])  // 0.5 and 1.5 steps: ties to even
    #expect(block.elements.dropFirst(4).allSatisfy { $0 == 0 })
    let small = int4.quantize([1.5, -0.375, 0.125])
    #expect(Array(small.elements.prefix(3)) == [6, -2, 0])  // -1.5 steps -> -2, 0.5 step -> 0
    // A maximum just below 2 rounds up to 2 and is clamped to the largest element.
    #expect(int4.quantize([1.9]).elements[0] == 7)
    #expect(int4.quantize([-1.9]).elements[0] == -8)
    // Exponents beyond the field clamp; zero blocks get field 0.
    #expect(int8.quantize([65536]).exponentField == 31)
    #expect(int8.quantize([0, 0]).exponentField == 0)
  }

  @Test func multipliesBlocksExactly() {
    let w = IntegerBlockFormat.Block(exponentField: 3, elements: [1, -2, 3] + Array(repeating: 0, count: 29))
    let a = IntegerBlockFormat.Block(exponentField: 4, elements: [-5, 7, 2] + Array(repeating: 0, count: 29))
    let product = int4.product(weight: w, activation: a)
    #expect(product.sum == -5 - 14 + 6)
    #expect(product.exponentSum == 7)
  }
}
