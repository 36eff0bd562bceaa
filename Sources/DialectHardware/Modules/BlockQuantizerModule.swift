import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_block_quantizer`: the online block quantizer.
  public static let blockQuantizer = ModuleKind("block_quantizer")
}

/// The online block quantizer (activation path): FP16/BF16 elements to a packed block.
/// Pipelined at ``BlockQuantizerGenerator/boundaries(for:)``; the online selector is a parameter. Vectors: the corner cases of
/// docs/numerics.md, then random blocks (normal, Laplace, Student-t data over a wide range of
/// scales with infinities, NaNs, negative zeros and subnormals mixed in), each with the
/// numerics library's activation-path result.
struct BlockQuantizerModule: ModuleDescription {
  var kind: ModuleKind { .blockQuantizer }
  var summary: String { "online block quantizer: elements to exponent, dialect and codes" }
  var testbench: String? { "tb_block_quantizer" }
  var reportRole: ReportRole { [.large] }

  func pipeline(for configuration: HardwareConfiguration) -> PipelineBoundaries {
    BlockQuantizerGenerator.boundaries(for: configuration.selector)
  }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try BlockQuantizerGenerator(configuration: design.configuration).build(selector: design.onlineSelector())
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let format = request.format
    var vectors = ModuleVectors(
      module: module, mode: .stream, inputs: request.fields(module, ["elements_i"]),
      outputs: request.fields(module, ["exponent_o", "dialect_o", "codes_o", "nonfinite_o"]))
    let generator = BlockQuantizerGenerator(configuration: request.configuration)
    let input = request.configuration.input
    func add(_ block: [UInt16]) {
      let (packed, outcome) = generator.expected(elements: block)
      var outputs = [
        BitVector(UInt64(outcome.exponentField), width: format.exponentWidth),
        VectorRequest.packed(packed.rawCodes.map(Int.init), width: 4), BitVector(outcome.nonfinite ? 1 : 0, width: 1),
      ]
      if format.formatbook.idWidth > 0 {
        outputs.insert(BitVector(UInt64(outcome.dialect), width: format.formatbook.idWidth), at: 1)
      }
      vectors.add([VectorRequest.packed(block.map(Int.init), width: 16)], outputs)
    }
    vectors.section("edge cases")
    Stimuli.edgeElementBlocks(size: format.blockSize, input: input).forEach(add)
    vectors.section("random blocks")
    Stimuli.randomElementBlocks(request.count, size: format.blockSize, input: input, seed: request.seed &+ 3).forEach(
      add)
    return vectors
  }
}
