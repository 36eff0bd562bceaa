import BlockDialect
import HDL

/// The online block quantizer (the activation path of docs/numerics.md): n FP16 or BF16
/// elements in, one packed block out (exponent field, dialect id, n codes, `nonfinite` flag).
///
/// Datapath, per block:
/// 1. every element's fields, with the non-finite rule (an infinity becomes the largest
///    finite value of its sign, a NaN becomes 0);
/// 2. the largest magnitude (a maximum tree over exponent-and-fraction keys) and the shared
///    exponent `E = clamp(floor(log2 amax) - 2 + b, 0, 2^w - 1)`;
/// 3. per element, the significand shifted by `E`'s offset into the truncated view t, the
///    rounded view q and the sticky bit;
/// 4. the configured online selector (two-stage or neighbour-group) on the q views;
/// 5. per element, the code: seven threshold comparisons of t against the chosen dialect's
///    midpoints (the book's tie rule, using the sticky bit for ties to even), and the sign.
///
/// Streaming with valid/ready; the pipeline depth (0 to 5) places registers at the stage
/// boundaries in ``boundaries(for:)`` priority order; throughput is one block per cycle at every
/// depth. The ports are the same at every depth (`clk_i` and `rst_ni` are there even when
/// nothing is registered).
public struct BlockQuantizerGenerator: Sendable {
  /// Every boundary the datapath can be cut at, in datapath order, and the order in which
  /// depth 1, 2, ... registers them: "tree" halfway down the maximum tree, "exponent" between
  /// the shared exponent and the alignment, then the selector's two boundaries (after its
  /// per-element stage, after its block sums) between `align` and `select`.
  public static func boundaries(for selector: OnlineSelector) -> PipelineBoundaries {
    let (perElement, sums) =
      selector == .twoStage ? ("membership", "count") : ("errors", "sums")
    return PipelineBoundaries(
      stages: ["tree", "maximum", "exponent", "align", perElement, sums, "select"],
      priority: ["align", sums, "maximum", perElement, "select", "tree", "exponent"])
  }

  public let configuration: HardwareConfiguration

  /// The activation-path quantizer of the numerics library, with the configured selector: the
  /// golden model.
  let goldenModel: BlockQuantizer

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
    goldenModel = BlockQuantizer(
      format: configuration.format, selector: configuration.selector.dialectSelector, input: configuration.input,
      neighborCost: configuration.neighborCost)
  }

  var boundaries: PipelineBoundaries { Self.boundaries(for: configuration.selector) }

  var format: BlockFormat { configuration.format }
  var input: ElementFormat { configuration.input }
  var book: Formatbook { format.formatbook }
  var n: Int { format.blockSize }
  var depth: Int { configuration.depth(of: .blockQuantizer) }
  /// Fraction bits of the input format.
  var fractionWidth: Int { input.fractionWidth }
  /// Exponent bits of the input format.
  var inputExponentWidth: Int { input.exponentWidth }
  /// Significand width (hidden bit included).
  var significandWidth: Int { fractionWidth + 1 }
  /// Fraction bits kept below the binary point of 4a: enough that nothing lost matters.
  var keptFractionBits: Int { significandWidth }
  /// Left shifts up to this many places are done by the same right shifter.
  static let leftShiftRoom = 5
  /// Width of the aligned value: significand, left-shift room, kept fraction.
  var alignedWidth: Int { significandWidth + Self.leftShiftRoom + keptFractionBits }

  /// One element's fields after the non-finite rule (crosses `maximum`).
  struct ElementFields: SignalBundle {
    var sign: Signal
    var exponent: Signal
    var significand: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      ElementFields(
        sign: transform("sign", sign), exponent: transform("exponent", exponent),
        significand: transform("significand", significand))
    }
  }

  /// What crosses `maximum`: the largest magnitude's key, the non-finite flag and every
  /// element's fields.
  struct MaximumStage: SignalBundle {
    var largest: Signal
    var nonfinite: Signal
    var lanes: [ElementFields]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      MaximumStage(
        largest: transform("largest", largest), nonfinite: transform("nonfinite", nonfinite),
        lanes: nested("lane", lanes, transform))
    }
  }

  /// What crosses `tree`, halfway down the maximum tree: the partial maxima, the non-finite
  /// flag and every element's fields.
  struct TreeStage: SignalBundle {
    var partials: [Signal]
    var nonfinite: Signal
    var lanes: [ElementFields]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      TreeStage(
        partials: partials.enumerated().map { transform("partial\($0.offset)", $0.element) },
        nonfinite: transform("nonfinite", nonfinite), lanes: nested("lane", lanes, transform))
    }
  }

  /// What encoding needs of one element: its sign, truncated view and sticky bit.
  struct EncodingLane: SignalBundle {
    var sign: Signal
    var truncated: Signal
    var whole: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      EncodingLane(
        sign: transform("sign", sign), truncated: transform("truncated", truncated), whole: transform("whole", whole))
    }
  }

  /// What the selector's stages carry to encoding: the block's exponent and non-finite flag,
  /// and every element's encoding fields.
  struct Encoding: SignalBundle {
    var exponent: Signal
    var nonfinite: Signal
    var lanes: [EncodingLane]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Encoding(
        exponent: transform("exponent", exponent), nonfinite: transform("nonfinite", nonfinite),
        lanes: nested("lane", lanes, transform))
    }
  }

  /// What crosses `exponent`: the shared exponent E, the alignment's shift base, the non-finite
  /// flag and every element's fields.
  struct ExponentStage: SignalBundle {
    var exponent: Signal
    var shiftBase: Signal
    var nonfinite: Signal
    var lanes: [ElementFields]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      ExponentStage(
        exponent: transform("exponent", exponent), shiftBase: transform("shift_base", shiftBase),
        nonfinite: transform("nonfinite", nonfinite), lanes: nested("lane", lanes, transform))
    }
  }

  /// What crosses `align`: the encoding fields and the rounded views the selector reads.
  struct AlignStage: SignalBundle {
    var encoding: Encoding
    var rounded: [Signal]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      // Each lane's rounded view is named next to its other fields: lane<i>_rounded.
      AlignStage(
        encoding: encoding.mapSignals(transform),
        rounded: rounded.enumerated().map { transform("lane\($0.offset)_rounded", $0.element) })
    }
  }

  /// What crosses `select`: the encoding fields and the chosen dialect (none for a book of one).
  struct SelectStage: SignalBundle {
    var encoding: Encoding
    var dialect: Signal?

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      SelectStage(encoding: encoding.mapSignals(transform), dialect: nested("dialect", dialect, transform))
    }
  }

  /// The quantizer's outputs, before the output register slice.
  struct Outputs: SignalBundle {
    var exponent: Signal
    var dialect: Signal?
    var codes: Signal
    var nonfinite: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Outputs(
        exponent: transform("exponent", exponent), dialect: nested("dialect", dialect, transform),
        codes: transform("codes", codes), nonfinite: transform("nonfinite", nonfinite))
    }
  }

  /// Builds `bd_block_quantizer` with the logic of its online selector (nil for a book of one
  /// dialect: nothing to select).
  func build(selector: (any OnlineSelectorLogic)?) throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("bd_block_quantizer"))
    m.declareClockAndReset()
    let ports = StreamingPorts(m, slices: configuration.registerSlices, validMeans: "elements_i holds a block")
    let elements = m.input(
      "elements_i", width: input.bitWidth * n,
      comment:
        "n \(input.rawValue) elements, element i in bits \(input.bitWidth)i+\(input.bitWidth - 1)..\(input.bitWidth)i"
    )
    let packed = ports.input(NamedSignal(name: "elements", signal: elements)).signal
    let pipe = Pipeline(
      m, name: "quantizer", valid: ports.valid, ready: ports.pipelineReady, stages: boundaries.stages,
      registered: boundaries.registered(depth: depth))

    // 1. Fields, with infinities and NaNs replaced.
    var keys: [Signal] = []
    var lanes: [ElementFields] = []
    var nonfiniteBits: [Signal] = []
    let allOnes = (1 << inputExponentWidth) - 1
    for lane in 0..<n {
      let x = packed[(input.bitWidth * lane)...(input.bitWidth * lane + input.bitWidth - 1)]
      let rawExponent = x[fractionWidth...(fractionWidth + inputExponentWidth - 1)]
      let rawFraction = x[0...(fractionWidth - 1)]
      let special = m.wire("lane\(lane)_nonfinite", rawExponent == allOnes)
      let nan = m.wire("lane\(lane)_nan", special && rawFraction.orReduced())
      let exponent = m.wire(
        "lane\(lane)_exponent",
        mux(special, mux(nan, 0, .constant(allOnes - 1, width: inputExponentWidth)), rawExponent))
      let fraction = m.wire(
        "lane\(lane)_fraction",
        mux(special, mux(nan, 0, .constant((1 << fractionWidth) - 1, width: fractionWidth)), rawFraction))
      let sign = m.wire("lane\(lane)_sign", x[input.bitWidth - 1] && !nan)
      keys.append(concatenate(exponent, fraction))
      lanes.append(
        ElementFields(sign: sign, exponent: exponent, significand: concatenate(exponent.orReduced(), fraction)))
      nonfiniteBits.append(special)
    }
    let nonfinite = m.wire(
      "nonfinite", concatenate(nonfiniteBits).orReduced(), comment: "an element was an infinity or NaN")

    // 2. The largest magnitude and the shared exponent.
    // The "tree" boundary halfway down the maximum tree.
    var carried = TreeStage(partials: [], nonfinite: nonfinite, lanes: lanes)
    let levels = bitWidth(of: keys.count - 1)
    let largest = m.maximumTree("magnitude_maximum", keys) { level, values in
      guard level == levels / 2 else { return values }
      carried = pipe.boundary("tree", TreeStage(partials: values, nonfinite: carried.nonfinite, lanes: carried.lanes))
      return carried.partials
    }
    let maximum = pipe.boundary(
      "maximum", MaximumStage(largest: largest, nonfinite: carried.nonfinite, lanes: carried.lanes))
    let sharedField = sharedExponent(in: m, largest: maximum.largest)
    let shared = pipe.boundary(
      "exponent",
      ExponentStage(
        exponent: sharedField,
        shiftBase: m.wire(
          "shift_base",
          sharedField.extended(to: sharedField.width + 1).asSigned
            + .constant(alignmentOffset, width: 10, signed: true),
          comment:
            "E + \(alignmentOffset): the right shift of an element with exponent field 1, plus \(Self.leftShiftRoom)"),
        nonfinite: maximum.nonfinite, lanes: maximum.lanes))

    // 3. Alignment: t, q and the sticky bit per element.
    var encodingLanes: [EncodingLane] = []
    var rounded: [Signal] = []
    for (lane, fields) in shared.lanes.enumerated() {
      let views = align(
        in: m, lane: lane, base: shared.shiftBase, exponent: fields.exponent, significand: fields.significand)
      encodingLanes.append(EncodingLane(sign: fields.sign, truncated: views.truncated, whole: views.whole))
      rounded.append(views.rounded)
    }
    let aligned = pipe.boundary(
      "align",
      AlignStage(
        encoding: Encoding(exponent: shared.exponent, nonfinite: shared.nonfinite, lanes: encodingLanes),
        rounded: rounded))

    // 4. The selector, carrying what encoding needs through its stages.
    let selected: SelectStage
    if let selector {
      let choice = selector.choose(in: m, views: aligned.rounded, pipeline: pipe, carrying: aligned.encoding)
      selected = pipe.boundary("select", SelectStage(encoding: choice.carried, dialect: choice.dialect))
    } else {
      // No selector: the encoding fields still cross the selector's boundaries.
      var carried = aligned.encoding
      let selectorStages = boundaries.stages.drop { $0 != "align" }.dropFirst().prefix { $0 != "select" }
      for stage in selectorStages { carried = pipe.boundary(stage, carried) }
      selected = pipe.boundary("select", SelectStage(encoding: carried, dialect: nil))
    }

    // 5. Encoding.
    let thresholds = midpoints(in: m, dialect: selected.dialect)
    let codes = selected.encoding.lanes.enumerated().map { lane, fields in
      encode(
        in: m, lane: lane, thresholds: thresholds, sign: fields.sign, truncated: fields.truncated, whole: fields.whole)
    }
    let outputs = ports.output(
      from: pipe,
      Outputs(
        exponent: selected.encoding.exponent, dialect: selected.dialect, codes: concatenate(codes.reversed()),
        nonfinite: selected.encoding.nonfinite))
    m.output("exponent_o", outputs.exponent, comment: "shared exponent field E")
    if let dialect = outputs.dialect { m.output("dialect_o", dialect, comment: "dialect id") }
    m.output("codes_o", outputs.codes, comment: "n codes, element i in bits 4i+3..4i")
    m.output("nonfinite_o", outputs.nonfinite, comment: "the block held an infinity or NaN")
    return try m.generated(
      .blockQuantizer, generator: "BlockQuantizerGenerator",
      summary:
        "Block quantizer: \(n) \(input.rawValue) elements to one BlockDialect block (activation path, two-stage selector)",
      latency: pipe.latency + ports.sliceLatency, handshake: .validReady, throughput: "1 block per cycle",
      parameters: [
        configuration.bookParameter(), configuration.blockSizeParameter,
      ] + configuration.exponentParameters + [
        ("input", .string(input.rawValue)), ("selector", .string(configuration.selector.rawValue)),
      ] + configuration.pipelineParameters(.blockQuantizer))
  }

  /// `bias_in + fraction bits - b - 2 + leftShiftRoom`: added to E minus an element's exponent
  /// field (at least 1) gives its right shift into the aligned value.
  var alignmentOffset: Int {
    input.exponentBias + fractionWidth - format.exponentBias - 2 + Self.leftShiftRoom
  }

  /// The shared exponent field from the largest magnitude's exponent and fraction.
  func sharedExponent(in m: ModuleBuilder, largest: Signal) -> Signal {
    let maximumExponent = m.wire("maximum_exponent", largest[fractionWidth...(fractionWidth + inputExponentWidth - 1)])
    let maximumFraction = m.wire("maximum_fraction", largest[0...(fractionWidth - 1)])
    // floor(log2 amax) - 2 + b: for a normal amax, its exponent field plus a constant; for a
    // subnormal one, the position of its leading fraction bit plus another.
    let leading = m.priority(
      "subnormal_leading_bit",
      (0..<fractionWidth).reversed().map { (maximumFraction[$0], Signal.constant($0, width: 5)) },
      fallback: .constant(0, width: 5), comment: "position of the leading one of a subnormal maximum")
    let width = 12
    let normalOffset = format.exponentBias - input.exponentBias - 2
    let subnormalOffset = format.exponentBias - input.exponentBias - fractionWidth - 1
    let normal = maximumExponent.extended(to: width).asSigned + .constant(normalOffset, width: width, signed: true)
    let subnormal = leading.extended(to: width).asSigned + .constant(subnormalOffset, width: width, signed: true)
    let unclamped = m.wire(
      "exponent_unclamped", mux(maximumExponent.orReduced(), normal, subnormal), comment: "floor(log2 amax) - 2 + b")
    let zero = m.wire("block_is_zero", !largest.orReduced())
    let limit = format.maximumExponentField
    let clamped = m.priority(
      "exponent",
      [
        (zero || unclamped < 0, Signal.constant(0, width: format.exponentWidth)),
        (
          unclamped > Signal.constant(limit, width: unclamped.width, signed: true),
          Signal.constant(limit, width: format.exponentWidth)
        ),
      ], fallback: unclamped[0...(format.exponentWidth - 1)],
      comment: "E, clamped to 0...\(limit); 0 for an all-zero block")
    return clamped
  }

  /// The views of one element: shift its significand right by `base - max(exponent, 1)` into
  /// `alignedWidth` bits (the room of `leftShiftRoom` places lets small left shifts through).
  func align(in m: ModuleBuilder, lane: Int, base: Signal, exponent: Signal, significand: Signal)
    -> (truncated: Signal, rounded: Signal, whole: Signal)
  {
    let name = "lane\(lane)"
    let effective = mux(exponent.orReduced(), exponent, .constant(1, width: inputExponentWidth))
    let shift = m.wire("\(name)_shift", base - effective.extended(to: effective.width + 1).asSigned)
    let limit = alignedWidth
    let amountWidth = bitWidth(of: limit)
    let amount = m.wire(
      "\(name)_shift_amount",
      mux(
        shift > Signal.constant(limit, width: shift.width, signed: true), .constant(limit, width: amountWidth),
        shift[0...(amountWidth - 1)]))
    let placed = concatenate(significand, .constant(0, width: Self.leftShiftRoom + keptFractionBits))
    let value = m.wire(
      "\(name)_aligned", placed.shiftedRight(by: amount), comment: "4a with \(keptFractionBits) fraction bits")
    let integer = value[keptFractionBits...(alignedWidth - 1)]
    let saturate = m.wire(
      "\(name)_saturate",
      (integer >= 32) || ((shift < 0) && significand.orReduced()), comment: "4a >= 32: both views saturate at 31")
    let low = integer[0...4]
    let roundBit = value[keptFractionBits - 1]
    let truncated = m.wire("\(name)_truncated", mux(saturate, 31, low), comment: "t = min(floor(4a), 31)")
    let rounded = m.wire(
      "\(name)_rounded", mux(saturate || (low == 31), 31, low &+ concatenate(.constant(0, width: 4), roundBit)),
      comment: "q = min(floor(4a + 1/2), 31)")
    let whole = m.wire("\(name)_whole", !value[0...(keptFractionBits - 1)].orReduced(), comment: "4a is a whole number")
    return (truncated, rounded, whole)
  }

  /// The seven encoding thresholds of the chosen dialect (constants where the book agrees).
  func midpoints(in m: ModuleBuilder, dialect: Signal?) -> [Signal] {
    (1..<Dialect.magnitudeCount).map { k in
      let values = book.midpoints.map { $0[k - 1] }
      if Set(values).count == 1 || dialect == nil { return Signal.constant(values[0], width: 5) }
      return m.lookup(
        "midpoint\(k)", index: dialect!, values: values, width: 5,
        comment: "m_\(k - 1) + m_\(k) of each dialect, quarter-units")
    }
  }

  /// One element's code: the count of thresholds t passes (a thermometer, since the midpoints
  /// increase), and the sign unless the index is 0.
  func encode(in m: ModuleBuilder, lane: Int, thresholds: [Signal], sign: Signal, truncated: Signal, whole: Signal)
    -> Signal
  {
    let up = thresholds.enumerated().map { offset, midpoint -> Signal in
      let k = offset + 1
      if book.ties == .up || k % 2 == 0 { return truncated >= midpoint }
      return (truncated > midpoint) || ((truncated == midpoint) && !whole)
    }
    let passed = m.wire(
      "lane\(lane)_passed", concatenate(up.reversed()), comment: "thermometer: bit k-1 set when index >= k")
    // Thermometer to binary.
    let u = (0..<7).map { passed[$0] }
    let index = concatenate(
      u[3], (u[1] && !u[3]) || u[5], (u[0] && !u[1]) || (u[2] && !u[3]) || (u[4] && !u[5]) || u[6])
    return m.wire("lane\(lane)_code", concatenate(sign && passed[0], index))
  }

  /// The golden model: the block the activation path gives for `elements` (raw bits of the
  /// configured input format).
  public func expected(elements: [UInt16]) -> (block: PackedBlock, outcome: BlockOutcome) {
    goldenModel.quantize(elements.map { input.decode(UInt32($0)) })
  }
}
