import BlockDialect
import HDL
import Testing

@testable import DialectHardware

@Suite struct BlockDotTests {
  typealias Step = Stimuli.DotStep

  /// Random block pairs in accumulations of random length (the vector generator's own).
  static func steps(_ count: Int, format: BlockFormat, seed: UInt64, largeExponents: Bool = false) -> [Step] {
    Stimuli.dotSteps(count, format: format, seed: seed, largeExponents: largeExponents)
  }

  func run(_ config: HardwareConfiguration, steps: [Step], stalls: Bool = false) throws -> Int {
    let design = try Design(
      {
        var c = config; c.modules = [.blockDot]; return c
      }())
    let generated = design.module(.blockDot)!
    let format = config.format
    let hasDialect = format.formatbook.idWidth > 0
    let items = steps.map { step -> [String: BitVector] in
      var item: [String: BitVector] = [
        "first_i": BitVector(step.first ? 1 : 0, width: 1), "last_i": BitVector(step.last ? 1 : 0, width: 1),
        "w_exponent_i": BitVector(UInt64(step.weight.exponentField), width: format.exponentWidth),
        "a_exponent_i": BitVector(UInt64(step.activation.exponentField), width: format.exponentWidth),
        "w_codes_i": pack(step.weight.rawCodes.map(Int.init), width: 4),
        "a_codes_i": pack(step.activation.rawCodes.map(Int.init), width: 4),
      ]
      if hasDialect {
        item["w_dialect_i"] = BitVector(UInt64(step.weight.dialect), width: format.formatbook.idWidth)
        item["a_dialect_i"] = BitVector(UInt64(step.activation.dialect), width: format.formatbook.idWidth)
      }
      return item
    }
    let outputs = ["product_o", "exponent_sum_o", "sum_o", "overflow_o", "fp32_o", "last_o"]
    let results = stream(Simulator(generated.module), items: items, outputs: outputs, stalls: stalls)
    #expect(results.count == steps.count)
    var accumulator = BlockAccumulator(format: format, width: config.accumulatorWidth)
    var mismatches = 0
    for (index, (step, result)) in zip(steps, results).enumerated() {
      let product = format.product(weight: step.weight, activation: step.activation)
      if step.first { accumulator.reset() }
      accumulator.add(product)
      let sum = BigInteger(twosComplement: result["sum_o"]!.words, width: config.accumulatorWidth)
      let same =
        result["product_o"]!.signedValue == product.sum && Int(result["exponent_sum_o"]!.low64) == product.exponentSum
        && sum == accumulator.value && (result["overflow_o"]!.low64 == 1) == accumulator.overflow
        && UInt32(result["fp32_o"]!.low64) == accumulator.float32.bitPattern
        && (result["last_o"]!.low64 == 1) == step.last
      if !same {
        mismatches += 1
        if mismatches <= 3 {
          Issue.record(
            "step \(index): hardware P \(result["product_o"]!.signedValue!) S \(result["exponent_sum_o"]!.low64) sum \(sum) overflow \(result["overflow_o"]!.low64) fp32 \(String(result["fp32_o"]!.low64, radix: 16)); model P \(product.sum) S \(product.exponentSum) sum \(accumulator.value) overflow \(accumulator.overflow) fp32 \(String(accumulator.float32.bitPattern, radix: 16))"
          )
        }
      }
    }
    return mismatches
  }

  @Test func defaultConfigurationMatchesTheModel() throws {
    let config = configuration()
    #expect(try run(config, steps: Self.steps(6_000, format: config.format, seed: 61)) == 0)
  }

  @Test(arguments: [0, 7])
  func naiveDatapathMatchesTheModel(depth: Int) throws {
    let config = configuration(depth: depth, style: .naive)
    #expect(try run(config, steps: Self.steps(1_500, format: config.format, seed: 67), stalls: depth > 0) == 0)
  }

  @Test(arguments: [1, 3, 7])
  func pipelinedDotProductStreamsWithStalls(depth: Int) throws {
    let config = configuration(depth: depth)
    #expect(try run(config, steps: Self.steps(1_500, format: config.format, seed: 62), stalls: true) == 0)
  }

  /// With register slices at both ends, the stream stays exact under stalls at any depth.
  @Test(arguments: [0, 4])
  func registerSlicesKeepTheStreamExact(depth: Int) throws {
    var config = configuration(depth: depth)
    config.registerSlices = true
    #expect(try run(config, steps: Self.steps(1_200, format: config.format, seed: 68), stalls: true) == 0)
  }

  @Test(arguments: [20, 40, 70])
  func narrowAccumulatorSaturatesAndSticks(width: Int) throws {
    let config = configuration(accumulatorWidth: width)
    let steps = Self.steps(2_000, format: config.format, seed: 63, largeExponents: true)
    #expect(try run(config, steps: steps) == 0)
    // The run must have exercised overflow.
    var accumulator = BlockAccumulator(format: config.format, width: width)
    var overflows = 0
    for step in steps {
      if step.first { accumulator.reset() }
      accumulator.add(config.format.product(weight: step.weight, activation: step.activation))
      if accumulator.overflow { overflows += 1 }
    }
    #expect(overflows > 0)
  }

  @Test func wideExponentReachesSubnormalAndInfiniteReadouts() throws {
    // w = 8, b = 127: the accumulator's LSB weighs 2^-256, so small sums read out as FP32
    // subnormals or zero, and the largest ones as infinity.
    let config = configuration(blockSize: 8, exponentWidth: 8)
    let readout = FP32Readout(width: config.accumulatorWidth, scaleExponent: -2 * 127 - 2)
    #expect(readout.subnormalsReachable && readout.overflowReachable)
    #expect(try run(config, steps: Self.steps(800, format: config.format, seed: 64)) == 0)
  }

  @Test(arguments: [Formatbook.e2m1, randomBook(count: 6, seed: 65)])
  func otherBooksAndBlockSizes(book: Formatbook) throws {
    for blockSize in [8, 64] {
      let config = configuration(book: book, blockSize: blockSize, exponentWidth: 4)
      #expect(try run(config, steps: Self.steps(600, format: config.format, seed: 66)) == 0, "block size \(blockSize)")
    }
  }
}
