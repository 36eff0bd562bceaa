import BlockDialect
import HDL
import Testing

@testable import DialectHardware

@Suite struct BlockQuantizerTests {
  /// Random blocks of raw input bits: normal data over many scales, with infinities, NaNs,
  /// negative zeros and subnormals mixed in, and some blocks of arbitrary bit patterns.
  static func randomBlocks(_ count: Int, size: Int, input: ElementFormat, seed: UInt64) -> [[UInt16]] {
    var random = SeededGenerator(seed: seed)
    let infinity: UInt16 = input == .float16 ? 0x7C00 : 0x7F80
    let nan: UInt16 = input == .float16 ? 0x7E01 : 0x7FC1
    return (0..<count).map { index in
      if index % 9 == 0 { return (0..<size).map { _ in UInt16(truncatingIfNeeded: random.next()) } }
      let scale = Float(sign: .plus, exponent: Int(random.next() % 48) - 24, significand: 1)
      let distribution = SampleDistribution.allCases[index % 3]
      return (0..<size).map { _ in
        let x = Float(distribution.sample(&random)) * scale
        switch random.next() % 200 {
        case 0: return infinity | (random.next() % 2 == 0 ? 0 : 0x8000)
        case 1: return nan
        case 2: return 0x8000
        case 3: return UInt16(random.next() & 0x3F)
        default: return input == .float16 ? floatToFloat16(x) : floatToBFloat16(x)
        }
      }
    }
  }

  /// The edge cases of NUMERICS.md as blocks of raw bits.
  static func edgeBlocks(size: Int, input: ElementFormat) -> [[UInt16]] {
    func bits(_ x: Float) -> UInt16 { input == .float16 ? floatToFloat16(x) : floatToBFloat16(x) }
    let largest: UInt16 = input == .float16 ? 0x7BFF : 0x7F7F
    var blocks: [[UInt16]] = [
      Array(repeating: 0, count: size),  // all zero
      Array(repeating: 0x8000, count: size),  // negative zeros
      (0..<size).map { $0 == 5 ? bits(3.25) : 0 },  // one non-zero element
      (0..<size).map { $0 == 0 ? bits(-0.001) : 0 },
      Array(repeating: largest, count: size),  // largest finite
      (0..<size).map { $0 % 2 == 0 ? largest : 0x8000 | largest },
      (0..<size).map { UInt16(1 + $0) },  // subnormals only: E clamps to 0
      (0..<size).map { $0 == 1 ? (input == .float16 ? 0x7C00 : 0x7F80) : bits(Float($0) / 8) },  // +Inf
      (0..<size).map { $0 == 2 ? (input == .float16 ? 0xFC00 : 0xFF80) : bits(Float($0) / 8) },  // -Inf
      (0..<size).map { $0 == 3 ? (input == .float16 ? 0x7E00 : 0x7FC0) : bits(Float($0) / 8) },  // NaN
      Array(repeating: input == .float16 ? 0x7E00 : 0x7FC0, count: size),  // NaN only
    ]
    // Exact ties: with a maximum of 7.75, 4a = 4|x|, so x = k/4 puts 4a on every quarter-unit,
    // every midpoint of every dialect included.
    for sign: Float in [1, -1] {
      blocks.append((0..<size).map { $0 == 0 ? bits(7.75) : bits(sign * Float($0 % 32) / 4) })
      blocks.append((0..<size).map { $0 == 0 ? bits(7.5) : bits(sign * Float(($0 + 7) % 31) / 4) })
    }
    // Every exponent of the block maximum.
    for exponent in 0..<((1 << input.exponentWidth) - 1) {
      let top = UInt16(exponent) << UInt16(input.fractionWidth) | UInt16((1 << input.fractionWidth) - 1)
      blocks.append((0..<size).map { $0 == size / 2 ? top : UInt16($0 * 37 % Int(max(top, 1))) })
    }
    return blocks
  }

  func run(
    _ config: HardwareConfiguration, blocks: [[UInt16]], stalls: Bool = false
  ) throws -> Int {
    let design = try Design(
      {
        var c = config; c.modules = [.blockQuantizer]; return c
      }())
    let generated = design.module(.blockQuantizer)!
    let generator = BlockQuantizerGenerator(configuration: config)
    let n = config.format.blockSize
    let items = blocks.map { block in ["elements_i": pack(block.map(Int.init), width: 16)] }
    var outputs = ["exponent_o", "codes_o", "nonfinite_o"]
    let hasDialect = config.format.formatbook.dialects.count > 1
    if hasDialect { outputs.append("dialect_o") }
    let results = stream(Simulator(generated.module), items: items, outputs: outputs, stalls: stalls)
    #expect(results.count == blocks.count)
    var mismatches = 0
    for (block, result) in zip(blocks, results) {
      let (packed, outcome) = generator.expected(elements: block)
      let codes = unpack(result["codes_o"]!, count: n, width: 4)
      let same =
        Int(result["exponent_o"]!.low64) == outcome.exponentField
        && (!hasDialect || Int(result["dialect_o"]!.low64) == outcome.dialect)
        && codes == packed.rawCodes.map(Int.init) && (result["nonfinite_o"]!.low64 == 1) == outcome.nonfinite
      if !same {
        mismatches += 1
        if mismatches <= 3 {
          Issue.record(
            "block \(block.map { String($0, radix: 16) }): hardware E \(result["exponent_o"]!.low64) codes \(codes); model \(outcome) codes \(packed.rawCodes)"
          )
        }
      }
    }
    return mismatches
  }

  @Test func defaultConfigurationMatchesTheModelOn20000Blocks() throws {
    let config = configuration()
    let blocks =
      Self.edgeBlocks(size: 32, input: .float16) + Self.randomBlocks(20_000, size: 32, input: .float16, seed: 51)
    #expect(try run(config, blocks: blocks) == 0)
  }

  @Test func bf16InputMatchesTheModel() throws {
    let config = configuration(input: .bfloat16)
    let blocks =
      Self.edgeBlocks(size: 32, input: .bfloat16) + Self.randomBlocks(4_000, size: 32, input: .bfloat16, seed: 52)
    #expect(try run(config, blocks: blocks) == 0)
  }

  @Test(arguments: [1, 2, 5])
  func pipelinedQuantizerStreamsWithStalls(depth: Int) throws {
    let config = configuration(depth: depth)
    let blocks =
      Self.edgeBlocks(size: 32, input: .float16) + Self.randomBlocks(1_500, size: 32, input: .float16, seed: 53)
    #expect(try run(config, blocks: blocks, stalls: true) == 0)
  }

  @Test func exponentClampsHighWithANarrowExponent() throws {
    // w = 3, b = 3: FP16 values above 2^(7 - 3 + 2) = 64 clamp E at 7 and saturate.
    let config = configuration(blockSize: 16, exponentWidth: 3)
    let blocks =
      Self.edgeBlocks(size: 16, input: .float16) + Self.randomBlocks(2_000, size: 16, input: .float16, seed: 54)
    #expect(try run(config, blocks: blocks) == 0)
    let quantizer = BlockQuantizer(format: config.format, selector: .twoStage, input: .float16)
    #expect(quantizer.quantize(Array(repeating: 60_000, count: 16)).outcome.clamp == .high)
  }

  @Test(arguments: [Formatbook.e2m1, randomBook(count: 9, seed: 55, ties: .even), randomBook(count: 3, seed: 56)])
  func otherBooksMatchTheModel(book: Formatbook) throws {
    for blockSize in [8, 64] {
      let config = configuration(book: book, blockSize: blockSize)
      let blocks =
        Self.edgeBlocks(size: blockSize, input: .float16)
        + Self.randomBlocks(600, size: blockSize, input: .float16, seed: 57)
      #expect(try run(config, blocks: blocks) == 0, "block size \(blockSize)")
    }
  }
}
