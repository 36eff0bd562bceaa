import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_block_dot`: the block dot product with exact accumulation.
  public static let blockDot = ModuleKind("block_dot")
}

/// The block dot product. Pipelined at ``BlockDotGenerator/boundaries``. Vectors: random
/// accumulations of 1 to 12 blocks, accumulations with large exponents, accumulations of the
/// largest block value long enough to overflow the accumulator, then real-looking
/// accumulations (LLM-like data quantized by the numerics library, eight blocks each), each step
/// with P, S, the exact sum, the overflow flag and the FP32 readout of the numerics library.
///
/// The same description serves the baselines (``BaselineBlockDotModules``): the E2M1 book's
/// block dot product (MXFP4-like) and INT4 and INT8 ones (MXINT-like), with the same block size,
/// exponent, accumulator and readout.
struct BlockDotModule: ModuleDescription {
  var kind: ModuleKind = .blockDot
  /// The blocks' elements: nil for the configured book.
  var elements: BlockDotGenerator.Elements? = nil
  /// The module's name.
  var name = "bd_block_dot"

  var summary: String {
    switch elements {
    case nil: return "block dot product: P and S per block pair, exact accumulation, FP32 readout"
    case .formatbook(let book): return "block dot product of \(book.name) blocks (baseline)"
    case .integer(let bits): return "block dot product of INT\(bits) blocks (baseline, MXINT-like)"
    }
  }
  var testbench: String? { "tb_block_dot" }
  var reportRole: ReportRole {
    elements == nil ? [.large, .datapathStyles, .bookComparison, .blockProduct] : [.large, .blockProduct, .baseline]
  }

  func pipeline(for configuration: HardwareConfiguration) -> PipelineBoundaries { BlockDotGenerator.boundaries }

  func generator(_ configuration: HardwareConfiguration) -> BlockDotGenerator {
    guard let elements else { return BlockDotGenerator(configuration: configuration) }
    return BlockDotGenerator(configuration: configuration, elements: elements, kind: kind, name: name)
  }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try generator(design.configuration).build()
  }

  /// One block pair as the vectors need it: the input fields (without the flags) and P, S.
  struct Step {
    var first: Bool
    var last: Bool
    var inputs: [BitVector]
    var product: BlockProduct
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let generator = generator(request.configuration)
    var vectors = ModuleVectors(
      module: module, mode: .stream,
      inputs: request.fields(
        module,
        ["first_i", "last_i", "w_exponent_i", "w_dialect_i", "w_codes_i", "a_exponent_i", "a_dialect_i", "a_codes_i"]),
      outputs: request.fields(module, ["last_o", "product_o", "exponent_sum_o", "sum_o", "overflow_o", "fp32_o"]))
    let width = request.configuration.accumulatorWidth
    var accumulator = BlockAccumulator(width: width, scaleExponent: generator.scaleExponent)
    let exponentWidth = generator.format.exponentWidth
    func add(_ step: Step) {
      if step.first { accumulator.reset() }
      accumulator.add(step.product)
      vectors.add(
        [BitVector(step.first ? 1 : 0, width: 1), BitVector(step.last ? 1 : 0, width: 1)] + step.inputs,
        [
          BitVector(step.last ? 1 : 0, width: 1),
          BitVector(signed: step.product.sum, width: generator.blockProductWidth),
          BitVector(UInt64(step.product.exponentSum), width: exponentWidth + 1),
          BitVector(width: width, words: accumulator.value.twosComplementWords(width: width)),
          BitVector(accumulator.overflow ? 1 : 0, width: 1),
          BitVector(UInt64(accumulator.float32.bitPattern), width: 32),
        ])
    }
    let sections =
      generator.integerFormat.map { integerSteps($0, request: request) }
      ?? codeSteps(generator.format, request: request)
    for (name, steps) in sections {
      vectors.section(name)
      steps.forEach(add)
    }
    return vectors
  }

  /// The sections of a formatbook block dot product's steps.
  func codeSteps(_ format: BlockFormat, request: VectorRequest) -> [(String, [Step])] {
    let book = format.formatbook
    func step(_ dot: Stimuli.DotStep) -> Step {
      var inputs = [
        BitVector(UInt64(dot.weight.exponentField), width: format.exponentWidth),
        VectorRequest.packed(dot.weight.rawCodes.map(Int.init), width: 4),
        BitVector(UInt64(dot.activation.exponentField), width: format.exponentWidth),
        VectorRequest.packed(dot.activation.rawCodes.map(Int.init), width: 4),
      ]
      if book.idWidth > 0 {
        inputs.insert(BitVector(UInt64(dot.weight.dialect), width: book.idWidth), at: 1)
        inputs.insert(BitVector(UInt64(dot.activation.dialect), width: book.idWidth), at: 4)
      }
      return Step(
        first: dot.first, last: dot.last, inputs: inputs,
        product: format.product(weight: dot.weight, activation: dot.activation))
    }
    var sections: [(String, [Step])] = []
    func section(_ name: String, _ dots: [Stimuli.DotStep]) { sections.append((name, dots.map(step))) }
    section("random accumulations", Stimuli.dotSteps(request.count, format: format, seed: request.seed &+ 5))
    section(
      "random accumulations with large exponents",
      Stimuli.dotSteps(request.count / 10, format: format, seed: request.seed &+ 6, largeExponents: true))
    // Accumulations of the largest block value, long enough to overflow (capped at 2^17).
    let blocks = overflowLength(
      perBlock: BigInteger(format.largestBlockProduct).shiftedLeft(2 * format.maximumExponentField),
      width: request.configuration.accumulatorWidth)
    for negative in [false, true] {
      section(
        "\(blocks) largest \(negative ? "negative" : "positive") blocks: accumulator overflow",
        Stimuli.overflowingAccumulation(blocks + 2, format: format, negative: negative))
    }
    let weights = BlockQuantizer(format: format, selector: .leastSquares)
    let activations = BlockQuantizer(format: format, selector: .twoStage)
    let data = Stimuli.realLookingBlocks(
      2 * realLookingBlocks(request), size: format.blockSize, seed: request.seed &+ 41)
    section(
      "real-looking accumulations: LLM-like blocks, weights and activations quantized by their paths, 8 blocks each",
      (0..<data.count / 2).map { index in
        Stimuli.DotStep(
          weight: weights.quantize(data[2 * index]).block, activation: activations.quantize(data[2 * index + 1]).block,
          first: index % 8 == 0, last: index % 8 == 7)
      })
    return sections
  }

  /// The sections of an integer block dot product's steps: random blocks (any element, any
  /// exponent), overflowing accumulations, then real-looking ones quantized MXINT-like.
  func integerSteps(_ format: IntegerBlockFormat, request: VectorRequest) -> [(String, [Step])] {
    var random = SeededGenerator(seed: request.seed &+ 5)
    func step(_ w: IntegerBlockFormat.Block, _ a: IntegerBlockFormat.Block, first: Bool, last: Bool) -> Step {
      Step(
        first: first, last: last,
        inputs: [
          BitVector(UInt64(w.exponentField), width: format.exponentWidth),
          VectorRequest.packed(w.elements, width: format.elementBits),
          BitVector(UInt64(a.exponentField), width: format.exponentWidth),
          VectorRequest.packed(a.elements, width: format.elementBits),
        ], product: format.product(weight: w, activation: a))
    }
    func randomBlock() -> IntegerBlockFormat.Block {
      let range = format.elementRange
      let extreme = random.next() % 5 == 0
      return IntegerBlockFormat.Block(
        exponentField: Int(random.next() % UInt64(format.maximumExponentField + 1)),
        elements: (0..<format.blockSize).map { _ in
          extreme ? range.lowerBound : range.lowerBound + Int(random.next() % UInt64(range.count))
        })
    }
    var steps: [Step] = []
    var sections: [(String, [Step])] = []
    while steps.count < request.count {
      let length = 1 + Int(random.next() % 12)
      for position in 0..<length {
        steps.append(step(randomBlock(), randomBlock(), first: position == 0, last: position == length - 1))
      }
    }
    // The largest block product (every element at its most negative) at the top exponent.
    let top = IntegerBlockFormat.Block(
      exponentField: format.maximumExponentField,
      elements: Array(repeating: format.elementRange.lowerBound, count: format.blockSize))
    let positive = IntegerBlockFormat.Block(
      exponentField: format.maximumExponentField,
      elements: Array(repeating: format.elementRange.upperBound, count: format.blockSize))
    let blocks = overflowLength(
      perBlock: BigInteger(format.largestBlockProduct).shiftedLeft(2 * format.maximumExponentField),
      width: request.configuration.accumulatorWidth)
    sections.append(("random accumulations", Array(steps.prefix(request.count))))
    for (weight, sign) in [(top, "positive"), (positive, "negative")] {
      sections.append(
        (
          "\(blocks) largest \(sign) blocks: accumulator overflow",
          (0..<(blocks + 2)).map { step(weight, top, first: $0 == 0, last: $0 == blocks + 1) }
        ))
    }
    let data = Stimuli.realLookingBlocks(
      2 * realLookingBlocks(request), size: format.blockSize, seed: request.seed &+ 41)
    sections.append(
      (
        "real-looking accumulations: LLM-like blocks quantized MXINT-like, 8 blocks each",
        (0..<data.count / 2).map { index in
          step(
            format.quantize(data[2 * index]), format.quantize(data[2 * index + 1]), first: index % 8 == 0,
            last: index % 8 == 7)
        }
      ))
    return sections
  }

  /// Real-looking block pairs: a tenth of the random ones, at least 64.
  func realLookingBlocks(_ request: VectorRequest) -> Int { max(64, request.count / 10) }

  /// How many blocks of `perBlock` overflow an accumulator of `width` bits (capped at 2^17).
  func overflowLength(perBlock: BigInteger, width: Int) -> Int {
    var blocks = 1
    var total = perBlock
    while total < BigInteger.powerOfTwo(width - 1), blocks < 1 << 17 {
      total = total + perBlock
      blocks += 1
    }
    return blocks
  }
}
