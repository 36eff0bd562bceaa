import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_block_dot`: the block dot product with exact accumulation.
  public static let blockDot = ModuleKind("block_dot")
}

/// The block dot product. Pipelined at ``BlockDotGenerator/boundaries``. Vectors: random
/// accumulations of 1 to 12 blocks, accumulations with large exponents, and accumulations of
/// the largest block value long enough to overflow the accumulator, each step with P, S, the
/// exact sum, the overflow flag and the FP32 readout of the numerics library.
struct BlockDotModule: ModuleDescription {
  var kind: ModuleKind { .blockDot }
  var summary: String { "block dot product: P and S per block pair, exact accumulation, FP32 readout" }
  var testbench: String? { "tb_block_dot" }
  var reportRole: ReportRole { [.large, .datapathStyles, .bookComparison] }

  func pipeline(for configuration: HardwareConfiguration) -> PipelineBoundaries { BlockDotGenerator.boundaries }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try BlockDotGenerator(configuration: design.configuration).build()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let format = request.format
    let book = format.formatbook
    var vectors = ModuleVectors(
      module: module, mode: .stream,
      inputs: request.fields(
        module,
        ["first_i", "last_i", "w_exponent_i", "w_dialect_i", "w_codes_i", "a_exponent_i", "a_dialect_i", "a_codes_i"]),
      outputs: request.fields(module, ["last_o", "product_o", "exponent_sum_o", "sum_o", "overflow_o", "fp32_o"]))
    let width = request.configuration.accumulatorWidth
    var accumulator = BlockAccumulator(format: format, width: width)
    func add(_ step: Stimuli.DotStep) {
      let product = format.product(weight: step.weight, activation: step.activation)
      if step.first { accumulator.reset() }
      accumulator.add(product)
      var inputs = [
        BitVector(step.first ? 1 : 0, width: 1), BitVector(step.last ? 1 : 0, width: 1),
        BitVector(UInt64(step.weight.exponentField), width: format.exponentWidth),
        VectorRequest.packed(step.weight.rawCodes.map(Int.init), width: 4),
        BitVector(UInt64(step.activation.exponentField), width: format.exponentWidth),
        VectorRequest.packed(step.activation.rawCodes.map(Int.init), width: 4),
      ]
      if book.idWidth > 0 {
        inputs.insert(BitVector(UInt64(step.weight.dialect), width: book.idWidth), at: 3)
        inputs.insert(BitVector(UInt64(step.activation.dialect), width: book.idWidth), at: 6)
      }
      vectors.add(
        inputs,
        [
          BitVector(step.last ? 1 : 0, width: 1), BitVector(signed: product.sum, width: format.blockProductWidth),
          BitVector(UInt64(product.exponentSum), width: format.exponentWidth + 1),
          BitVector(width: width, words: accumulator.value.twosComplementWords(width: width)),
          BitVector(accumulator.overflow ? 1 : 0, width: 1),
          BitVector(UInt64(accumulator.float32.bitPattern), width: 32),
        ])
    }
    vectors.section("random accumulations")
    Stimuli.dotSteps(request.count, format: format, seed: request.seed &+ 5).forEach(add)
    vectors.section("random accumulations with large exponents")
    Stimuli.dotSteps(request.count / 10, format: format, seed: request.seed &+ 6, largeExponents: true).forEach(add)
    // Accumulations of the largest block value, long enough to overflow (capped at 2^17).
    let perBlock = BigInteger(format.largestBlockProduct).shiftedLeft(2 * format.maximumExponentField)
    var blocks = 1
    var total = perBlock
    while total < BigInteger.powerOfTwo(width - 1), blocks < 1 << 17 {
      total = total + perBlock
      blocks += 1
    }
    for negative in [false, true] {
      vectors.section("\(blocks) largest \(negative ? "negative" : "positive") blocks: accumulator overflow")
      Stimuli.overflowingAccumulation(blocks + 2, format: format, negative: negative).forEach(add)
    }
    return vectors
  }
}
