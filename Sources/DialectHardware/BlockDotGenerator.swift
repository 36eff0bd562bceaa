import BlockDialect
import HDL

/// The block dot product: a packed weight block and a packed activation block per cycle, n
/// lanes, a balanced adder tree (docs/numerics.md, Block dot product and accumulation).
///
/// - Per block: P (the exact sum of the signed half-unit products) and S = E_w + E_a.
/// - Across blocks: the exact accumulator, `accumulatorWidth` bits with its least significant
///   bit weighing `2^(-2b - 2)`, adding `P << S` for each block; `first_i` starts a new sum.
///   A sum that does not fit saturates to the nearest bound and sets the sticky overflow flag,
///   after which the sum holds until the next `first_i`.
/// - The running sum as FP32 (nearest, ties to even; infinity after an overflow).
///
/// Streaming with valid/ready: one block pair per cycle; `last_i` travels with its block to
/// `last_o`, marking the block whose `sum_o` and `fp32_o` end an accumulation.
public struct BlockDotGenerator: Sendable {
  /// Every boundary the datapath can be cut at, in datapath order, and the order in which
  /// depth 1, 2, ... registers them.
  public static let boundaries = PipelineBoundaries(
    stages: ["decode", "products", "tree", "sum", "shift", "accumulate", "count", "normalize"],
    priority: ["sum", "accumulate", "products", "shift", "normalize", "count", "tree", "decode"])

  public let configuration: HardwareConfiguration
  /// What the blocks hold.
  public let elements: Elements
  /// The module's kind and name (before the configuration's prefix).
  public let kind: ModuleKind
  public let name: String

  /// The elements of a block.
  public enum Elements: Sendable, Equatable {
    /// 4-bit codes of a formatbook (with a dialect id per block when it has more than one).
    case formatbook(Formatbook)
    /// Two's-complement integers of `bits` bits (an ``IntegerBlockFormat``, MXINT-like).
    case integer(bits: Int)
  }

  /// The block dot product of the configured book, `bd_block_dot`.
  public init(configuration: HardwareConfiguration) {
    self.init(
      configuration: configuration, elements: .formatbook(configuration.format.formatbook), kind: .blockDot,
      name: "bd_block_dot")
  }

  /// A block dot product of `elements` with the configured block size, exponent and
  /// accumulator (a baseline: `e2m1_block_dot`, `int8_block_dot`, ...).
  public init(configuration: HardwareConfiguration, elements: Elements, kind: ModuleKind, name: String) {
    self.configuration = configuration
    self.elements = elements
    self.kind = kind
    self.name = name
  }

  /// The block format of formatbook elements (the configured layout with their book).
  var format: BlockFormat {
    guard case .formatbook(let book) = elements, book != configuration.format.formatbook else {
      return configuration.format
    }
    return try! BlockFormat(
      blockSize: configuration.format.blockSize, exponentWidth: configuration.format.exponentWidth,
      exponentBias: configuration.format.exponentBias, formatbook: book)
  }
  /// The integer format of integer elements.
  var integerFormat: IntegerBlockFormat? {
    guard case .integer(let bits) = elements else { return nil }
    return try! IntegerBlockFormat(elementBits: bits, like: configuration.format)
  }
  var book: Formatbook { format.formatbook }
  var n: Int { configuration.format.blockSize }
  var depth: Int { configuration.depth(of: kind) }
  var accumulatorWidth: Int { configuration.accumulatorWidth }
  /// Width of one signed lane product.
  var laneProductWidth: Int {
    if let integerFormat { return 2 * integerFormat.elementBits }
    return bitWidth(of: book.largestMagnitude * book.largestMagnitude) + 1
  }
  /// Width of the signed block product P, and its largest magnitude.
  var blockProductWidth: Int { integerFormat?.blockProductWidth ?? format.blockProductWidth }
  var largestBlockProduct: Int { integerFormat?.largestBlockProduct ?? format.largestBlockProduct }
  /// The weight of the accumulator's least significant bit, a power of two.
  var scaleExponent: Int { integerFormat?.scaleExponent ?? -2 * format.exponentBias - 2 }
  /// The weight of the accumulator's least significant bit, as a comment.
  var leastSignificantBit: String { "2^(-2b-\(2 * (integerFormat?.fractionBits ?? 1)))" }
  /// Bits of an element in the packed input.
  var elementBits: Int { integerFormat?.elementBits ?? 4 }
  /// The largest S.
  var largestExponentSum: Int { 2 * format.maximumExponentField }
  /// Width of `P << S`, exact for every P and S.
  var termWidth: Int { blockProductWidth + largestExponentSum }

  /// What travels with a block through every stage up to the accumulator.
  struct Control: SignalBundle {
    var first: Signal
    var last: Signal
    var exponentSum: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Control(
        first: transform("first", first), last: transform("last", last),
        exponentSum: transform("exponent_sum", exponentSum))
    }
  }

  /// One element of each side, decoded: sign and magnitude (or an integer element as it is,
  /// without a sign).
  struct DecodedLane: SignalBundle {
    var weightSign: Signal?
    var weightMagnitude: Signal
    var activationSign: Signal?
    var activationMagnitude: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      DecodedLane(
        weightSign: nested("w_sign", weightSign, transform),
        weightMagnitude: transform("w_magnitude", weightMagnitude),
        activationSign: nested("a_sign", activationSign, transform),
        activationMagnitude: transform("a_magnitude", activationMagnitude))
    }
  }

  /// What crosses `decode`.
  struct DecodeStage: SignalBundle {
    var control: Control
    var lanes: [DecodedLane]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      DecodeStage(control: control.mapSignals(transform), lanes: nested("lane", lanes, transform))
    }
  }

  /// What crosses `products` and `tree`: the control, the count of negative lanes (structured
  /// datapath), and the terms still to be added (lane products, then partial sums).
  struct TermStage: SignalBundle {
    var control: Control
    var negativeCount: Signal?
    var terms: [Signal]
    /// Names each term: `lane<i>_product` or `partial<i>`.
    var termName: (Int) -> String

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      TermStage(
        control: control.mapSignals(transform), negativeCount: nested("negative_count", negativeCount, transform),
        terms: terms.enumerated().map { transform(termName($0.offset), $0.element) }, termName: termName)
    }
  }

  /// What crosses `sum` and `shift`: the block's P and, after the shift, `P << S`.
  struct BlockStage: SignalBundle {
    var control: Control
    var blockProduct: Signal
    var term: Signal?

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      BlockStage(
        control: control.mapSignals(transform), blockProduct: transform("block_product", blockProduct),
        term: nested("term", term, transform))
    }
  }

  /// The results of a block: what crosses `accumulate` and, with the normalized readout,
  /// `normalize`.
  struct Results: SignalBundle {
    var last: Signal
    var exponentSum: Signal
    var blockProduct: Signal
    var sum: Signal
    var overflow: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Results(
        last: transform("last", last), exponentSum: transform("exponent_sum", exponentSum),
        blockProduct: transform("block_product", blockProduct), sum: transform("sum", sum),
        overflow: transform("overflow", overflow))
    }
  }

  /// What crosses `count`.
  struct CountStage: SignalBundle {
    var results: Results
    var readout: FP32Readout.Counted

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      CountStage(results: results.mapSignals(transform), readout: readout.mapSignals(transform))
    }
  }

  /// What crosses `normalize`.
  struct NormalizeStage: SignalBundle {
    var results: Results
    var readout: FP32Readout.Normalized

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      NormalizeStage(results: results.mapSignals(transform), readout: readout.mapSignals(transform))
    }
  }

  /// The outputs, before the output register slice.
  struct Outputs: SignalBundle {
    var results: Results
    var fp32: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Outputs(results: results.mapSignals(transform), fp32: transform("fp32", fp32))
    }
  }

  /// Builds the module.
  public func build() throws -> GeneratedModule {
    let table = MagnitudeTable(book: book, style: configuration.datapathStyle)
    let integer = integerFormat != nil
    let m = ModuleBuilder(configuration.moduleName(name))
    m.declareClockAndReset()
    let ports = StreamingPorts(m, slices: configuration.registerSlices, validMeans: "a block pair is present")
    let first = m.input("first_i", width: 1, comment: "start a new accumulation with this block")
    let last = m.input("last_i", width: 1, comment: "this block ends the accumulation (passed on to last_o)")
    var sides: [Operand] = []
    for (side, noun) in [("w", "weight"), ("a", "activation")] {
      let exponent = m.input("\(side)_exponent_i", width: format.exponentWidth, comment: "\(noun) exponent field E")
      let dialect =
        book.idWidth > 0 && !integer
        ? m.input("\(side)_dialect_i", width: book.idWidth, comment: "\(noun) dialect id") : nil
      let b = elementBits
      let codes = m.input(
        "\(side)_codes_i", width: b * n,
        comment: integer
          ? "\(noun) elements, two's complement, element i in bits \(b)i+\(b - 1)..\(b)i"
          : "\(noun) codes, element i in bits 4i+3..4i")
      sides.append(Operand(exponent: exponent, dialect: dialect, codes: codes))
    }
    let inputs = ports.input(Inputs(first: first, last: last, weight: sides[0], activation: sides[1]))
    let pipe = Pipeline(
      m, name: "dot", valid: ports.valid, ready: ports.pipelineReady, stages: Self.boundaries.stages,
      registered: Self.boundaries.registered(depth: depth))

    // Decode: each block's magnitudes looked up once, each lane picks one of eight.
    let exponentSum = m.wire(
      "exponent_sum", inputs.weight.exponent + inputs.activation.exponent, comment: "S = E_w + E_a")
    func decode(_ side: Operand, _ name: String) -> [(sign: Signal?, magnitude: Signal)] {
      if integer {
        return (0..<n).map { lane in
          (nil, side.codes[(elementBits * lane)...(elementBits * lane + elementBits - 1)].asSigned)
        }
      }
      let shared = table.shared(in: m, dialect: side.dialect, prefix: "\(name)_magnitude")
      return (0..<n).map { lane in
        let (sign, index) = MagnitudeTable.fields(of: side.codes[(4 * lane)...(4 * lane + 3)])
        let magnitude = table.magnitude(
          in: m, "lane\(lane)_\(name)_magnitude", dialect: side.dialect, index: index, shared: shared)
        return (sign, magnitude)
      }
    }
    let weights = decode(inputs.weight, "w")
    let activations = decode(inputs.activation, "a")
    let decoded = pipe.boundary(
      "decode",
      DecodeStage(
        control: Control(first: inputs.first, last: inputs.last, exponentSum: exponentSum),
        lanes: zip(weights, activations).map {
          DecodedLane(
            weightSign: $0.sign, weightMagnitude: $0.magnitude, activationSign: $1.sign,
            activationMagnitude: $1.magnitude)
        }))

    // Lane products: magnitudes multiplied, sign applied. Structured: a negative product
    // enters the tree as its ones' complement (~p = -p - 1), and the count of negative lanes is
    // added once to the total, instead of one negation per lane.
    let structured = configuration.datapathStyle == .structured
    var negatives: [Signal] = []
    let products = decoded.lanes.enumerated().map { lane, fields -> Signal in
      guard let weightSign = fields.weightSign, let activationSign = fields.activationSign else {
        return m.wire(
          "lane\(lane)_product", (fields.weightMagnitude * fields.activationMagnitude).extended(to: laneProductWidth))
      }
      let magnitude = m.wire("lane\(lane)_magnitude", fields.weightMagnitude * fields.activationMagnitude)
      let positive = magnitude.extended(to: laneProductWidth).asSigned
      let negative = m.wire("lane\(lane)_negative", weightSign ^ activationSign)
      negatives.append(negative)
      let term =
        structured
        ? positive ^ negative.replicated(laneProductWidth).asSigned : mux(negative, 0 &- positive, positive)
      return m.wire("lane\(lane)_product", term)
    }
    let negativeCount =
      structured && !negatives.isEmpty ? m.populationCount("negative_count", concatenate(negatives.reversed())) : nil
    var staged = pipe.boundary(
      "products",
      TermStage(
        control: decoded.control, negativeCount: negativeCount, terms: products, termName: { "lane\($0)_product" }))

    // The adder tree, with the "tree" boundary halfway down.
    let levels = bitWidth(of: n - 1)
    var total = m.adderTree("block_sum", staged.terms) { level, values in
      guard level == levels / 2 else { return values }
      staged = pipe.boundary(
        "tree",
        TermStage(
          control: staged.control, negativeCount: staged.negativeCount, terms: values, termName: { "partial\($0)" }))
      return staged.terms
    }
    if let count = staged.negativeCount {
      total = total + count.extended(to: count.width + 1).asSigned
    }
    let blockProduct = m.wire(
      "block_product", total.truncated(to: blockProductWidth), comment: "P: |P| <= \(largestBlockProduct)"
    )
    let summed = pipe.boundary("sum", BlockStage(control: staged.control, blockProduct: blockProduct, term: nil))

    // P << S, exact.
    let term = m.wire(
      "term",
      summed.blockProduct.extended(to: termWidth).shiftedLeft(by: summed.control.exponentSum, width: termWidth),
      comment: "P << S in accumulator units (\(leastSignificantBit))")
    let shifted = pipe.boundary(
      "shift", BlockStage(control: summed.control, blockProduct: summed.blockProduct, term: term))

    // The accumulator: exact sum, saturation and the sticky overflow flag.
    let sum = m.register("sum_q", width: accumulatorWidth, signed: true, reset: 0, comment: "the running sum")
    let overflow = m.register("overflow_q", width: 1, reset: 0, comment: "sticky: a sum did not fit")
    let startNew = shifted.control.first
    let previous = m.wire("previous_sum", mux(startNew, 0, sum))
    let previousOverflow = m.wire("previous_overflow", overflow && !startNew)
    let exact = m.wire("exact_sum", previous + shifted.term!, comment: "previous sum plus this block, exact")
    let headroom = exact[(accumulatorWidth - 1)...(exact.width - 1)]
    let fits = m.wire("sum_fits", !headroom.orReduced() || headroom.andReduced())
    let saturated = m.wire(
      "saturated_sum",
      concatenate(exact[exact.width - 1], (!exact[exact.width - 1]).replicated(accumulatorWidth - 1)).asSigned,
      comment: "the bound nearest the exact sum")
    let nextSum = m.wire(
      "next_sum",
      mux(previousOverflow, previous, mux(fits, exact.truncated(to: accumulatorWidth), saturated)),
      comment: "held after an overflow")
    let nextOverflow = m.wire("next_overflow", previousOverflow || !fits)
    let update = m.wire(
      "accumulate", pipe.advance.map { pipe.valid && $0 } ?? pipe.valid, comment: "a block is added this cycle")
    m.assignNext(sum, nextSum, enable: update)
    m.assignNext(overflow, nextOverflow, enable: update)
    let accumulated = pipe.boundary(
      "accumulate",
      Results(
        last: shifted.control.last, exponentSum: shifted.control.exponentSum, blockProduct: shifted.blockProduct,
        sum: nextSum, overflow: nextOverflow))

    // FP32 readout.
    let readout = FP32Readout(width: accumulatorWidth, scaleExponent: scaleExponent)
    let counted = pipe.boundary(
      "count", CountStage(results: accumulated, readout: readout.count(in: m, value: accumulated.sum)))
    let normalized = pipe.boundary(
      "normalize", NormalizeStage(results: counted.results, readout: readout.normalize(in: m, counted.readout)))
    let fp32 = readout.round(in: m, normalized.readout, overflow: normalized.results.overflow)

    let outputs = ports.output(from: pipe, Outputs(results: normalized.results, fp32: fp32))
    m.output("last_o", outputs.results.last, comment: "this block ended an accumulation")
    m.output("product_o", outputs.results.blockProduct, comment: "P of this block, signed")
    m.output("exponent_sum_o", outputs.results.exponentSum, comment: "S = E_w + E_a of this block")
    m.output(
      "sum_o", outputs.results.sum,
      comment: "the accumulated sum including this block, LSB = \(leastSignificantBit)")
    m.output("overflow_o", outputs.results.overflow, comment: "sticky: the sum saturated")
    m.output("fp32_o", outputs.fp32, comment: "the accumulated sum as FP32, nearest-even; infinity after an overflow")
    let elementsParameter: (key: String, value: JSONValue) =
      integer ? ("element_bits", .integer(elementBits)) : configuration.bookParameter(book)
    return try m.generated(
      kind, generator: "BlockDotGenerator",
      summary:
        "Block dot product\(integer ? " of INT\(elementBits) blocks" : book == configuration.format.formatbook ? "" : " of \(book.name) blocks"): \(n) lanes, P and S per block pair, exact accumulation in \(accumulatorWidth) bits, FP32 readout",
      latency: pipe.latency + ports.sliceLatency, handshake: .validReady, throughput: "1 block pair per cycle",
      parameters: [elementsParameter, configuration.blockSizeParameter] + configuration.exponentParameters
        + [("accumulator_width", .integer(accumulatorWidth))] + (integer ? [] : configuration.datapathParameters)
        + configuration.pipelineParameters(kind))
  }

  /// One side's block at the inputs.
  struct Operand: SignalBundle {
    var exponent: Signal
    var dialect: Signal?
    var codes: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Operand(
        exponent: transform("exponent", exponent), dialect: nested("dialect", dialect, transform),
        codes: transform("codes", codes))
    }
  }

  /// The input ports' values, as the input register slice passes them on.
  struct Inputs: SignalBundle {
    var first: Signal
    var last: Signal
    var weight: Operand
    var activation: Operand

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Inputs(
        first: transform("first", first), last: transform("last", last), weight: nested("w", weight, transform),
        activation: nested("a", activation, transform))
    }
  }
}
