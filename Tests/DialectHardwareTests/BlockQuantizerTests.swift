import BlockDialect
import HDL
import Testing

@testable import DialectHardware

@Suite struct BlockQuantizerTests {
  /// Random blocks of raw input bits and the edge cases of docs/numerics.md: the vector
  /// generator's own.
  static func randomBlocks(_ count: Int, size: Int, input: ElementFormat, seed: UInt64) -> [[UInt16]] {
    Stimuli.randomElementBlocks(count, size: size, input: input, seed: seed)
  }

  static func edgeBlocks(size: Int, input: ElementFormat) -> [[UInt16]] {
    Stimuli.edgeElementBlocks(size: size, input: input)
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

  /// With register slices at both ends, the stream stays exact under stalls at any depth.
  @Test(arguments: [0, 3])
  func registerSlicesKeepTheStreamExact(depth: Int) throws {
    var config = configuration(depth: depth)
    config.registerSlices = true
    #expect(try run(config, blocks: Self.randomBlocks(600, size: 32, input: .float16, seed: 57), stalls: true) == 0)
  }

  /// With the neighbour-group selector, at every pipeline depth (one block per cycle, stalls),
  /// the quantizer equals the numerics library's neighbour-group activation path.
  @Test(arguments: [0, 2, 5])
  func neighborSelectorMatchesTheModel(depth: Int) throws {
    var config = configuration(depth: depth)
    config.selector = .neighbor
    let blocks =
      Self.edgeBlocks(size: 32, input: .float16) + Self.randomBlocks(2_000, size: 32, input: .float16, seed: 58)
    #expect(try run(config, blocks: blocks, stalls: depth > 0) == 0)
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
