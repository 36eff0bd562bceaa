import BlockDialect
import HDL

/// The block dot product: a packed weight block and a packed activation block per cycle, n
/// lanes, a balanced adder tree (NUMERICS.md, Block dot product and accumulation).
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
  /// Every boundary the datapath can be cut at, in datapath order.
  public static let stages = ["decode", "products", "tree", "sum", "shift", "accumulate", "normalize"]
  /// The boundaries registered for depth 1, 2, ...: depth d registers the first d.
  public static let stagePriority = ["sum", "accumulate", "products", "shift", "normalize", "tree", "decode"]

  public let configuration: HardwareConfiguration
  public let prefix: String

  public init(configuration: HardwareConfiguration, prefix: String = "bd") {
    self.configuration = configuration
    self.prefix = prefix
  }

  var format: BlockFormat { configuration.format }
  var book: Formatbook { format.formatbook }
  var n: Int { format.blockSize }
  var depth: Int { configuration.depth(of: .blockDot) }
  var accumulatorWidth: Int { configuration.accumulatorWidth }
  /// Width of one signed lane product.
  var laneProductWidth: Int { bitWidth(of: book.largestMagnitude * book.largestMagnitude) + 1 }
  /// The largest S.
  var largestExponentSum: Int { 2 * format.maximumExponentField }
  /// Width of `P << S`, exact for every P and S.
  var termWidth: Int { format.blockProductWidth + largestExponentSum }

  /// Builds `<prefix>_block_dot`.
  public func build() throws -> GeneratedModule {
    let table = MagnitudeTable(book: book, style: configuration.datapathStyle)
    let m = ModuleBuilder("\(prefix)_block_dot")
    m.headerLines = configuration.headerLines(
      generator: "BlockDotGenerator",
      summary: "Block dot product: \(n) lanes, exact multi-block accumulation in \(accumulatorWidth) bits, FP32 readout"
    )
    let registered = Set(Self.stagePriority.prefix(depth))
    let valid = m.input("valid_i", width: 1, comment: "a block pair is present")
    let ready = m.input("ready_i", width: 1, comment: "the consumer takes the outputs this cycle")
    let first = m.input("first_i", width: 1, comment: "start a new accumulation with this block")
    let last = m.input("last_i", width: 1, comment: "this block ends the accumulation (passed on to last_o)")
    var sides: [(exponent: Signal, dialect: Signal?, codes: Signal)] = []
    for (side, noun) in [("w", "weight"), ("a", "activation")] {
      let exponent = m.input("\(side)_exponent_i", width: format.exponentWidth, comment: "\(noun) exponent field E")
      let dialect =
        book.idWidth > 0 ? m.input("\(side)_dialect_i", width: book.idWidth, comment: "\(noun) dialect id") : nil
      let codes = m.input("\(side)_codes_i", width: 4 * n, comment: "\(noun) codes, element i in bits 4i+3..4i")
      sides.append((exponent, dialect, codes))
    }
    let pipe = Pipeline(m, name: "dot", valid: valid, ready: ready, stages: Self.stages, registered: registered)

    // Decode: each block's magnitudes looked up once, each lane picks one of eight.
    let exponentSum = m.wire("exponent_sum", sides[0].exponent + sides[1].exponent, comment: "S = E_w + E_a")
    var decoded: [(name: String, signal: Signal)] = [("first", first), ("last", last), ("exponent_sum", exponentSum)]
    for (sideIndex, side) in sides.enumerated() {
      let name = sideIndex == 0 ? "w" : "a"
      let shared = table.shared(in: m, dialect: side.dialect, prefix: "\(name)_magnitude")
      for lane in 0..<n {
        let (sign, index) = MagnitudeTable.fields(of: side.codes[(4 * lane)...(4 * lane + 3)])
        decoded.append(("lane\(lane)_\(name)_sign", sign))
        decoded.append(
          (
            "lane\(lane)_\(name)_magnitude",
            table.magnitude(
              in: m, "lane\(lane)_\(name)_magnitude", dialect: side.dialect, index: index, shared: shared)
          ))
      }
    }
    let decodeStage = pipe.boundary("decode", decoded)
    var carried = Array(decodeStage.prefix(3))
    func laneFields(_ lane: Int, _ side: Int) -> (sign: Signal, magnitude: Signal) {
      let base = 3 + side * 2 * n + 2 * lane
      return (decodeStage[base], decodeStage[base + 1])
    }

    // Lane products: magnitudes multiplied, sign applied. Structured: a negative product
    // enters the tree as its ones' complement (~p = -p - 1), and the count of negative lanes is
    // added once to the total, instead of one negation per lane.
    let structured = configuration.datapathStyle == .structured
    var products: [(name: String, signal: Signal)] = [
      ("first", carried[0]), ("last", carried[1]), ("exponent_sum", carried[2]),
    ]
    var negatives: [Signal] = []
    for lane in 0..<n {
      let w = laneFields(lane, 0)
      let a = laneFields(lane, 1)
      let magnitude = m.wire("lane\(lane)_magnitude", w.magnitude * a.magnitude)
      let positive = magnitude.extended(to: laneProductWidth).asSigned
      let negative = m.wire("lane\(lane)_negative", w.sign ^ a.sign)
      negatives.append(negative)
      let term =
        structured
        ? positive ^ negative.replicated(laneProductWidth).asSigned : mux(negative, 0 &- positive, positive)
      products.append(("lane\(lane)_product", m.wire("lane\(lane)_product", term)))
    }
    if structured {
      products.insert(("negative_count", m.populationCount("negative_count", concatenate(negatives.reversed()))), at: 3)
    }
    let carriedCount = structured ? 4 : 3
    let productStage = pipe.boundary("products", products)
    carried = Array(productStage.prefix(carriedCount))

    // The adder tree, with the "tree" boundary halfway down.
    let levels = bitWidth(of: n - 1)
    var total = m.adderTree("block_sum", Array(productStage.dropFirst(carriedCount))) { level, values in
      guard level == levels / 2 else { return values }
      let names = ["first", "last", "exponent_sum", "negative_count"].prefix(carriedCount)
      let out = pipe.boundary(
        "tree", zip(names, carried).map { ($0, $1) } + values.enumerated().map { ("partial\($0.offset)", $0.element) })
      carried = Array(out.prefix(carriedCount))
      return Array(out.dropFirst(carriedCount))
    }
    if structured {
      total = total + carried[3].extended(to: carried[3].width + 1).asSigned
    }
    let blockSum = m.wire(
      "block_product", total.truncated(to: format.blockProductWidth), comment: "P: |P| <= \(format.largestBlockProduct)"
    )
    let sumStage = pipe.boundary(
      "sum", [("first", carried[0]), ("last", carried[1]), ("exponent_sum", carried[2]), ("block_product", blockSum)])

    // P << S, exact.
    let term = m.wire(
      "term", sumStage[3].extended(to: termWidth).shiftedLeft(by: sumStage[2], width: termWidth),
      comment: "P << S in accumulator units (2^(-2b-2))")
    let shiftStage = pipe.boundary(
      "shift",
      [
        ("first", sumStage[0]), ("last", sumStage[1]), ("exponent_sum", sumStage[2]), ("block_product", sumStage[3]),
        ("term", term),
      ])

    // The accumulator: exact sum, saturation and the sticky overflow flag.
    let sum = m.register("sum_q", width: accumulatorWidth, signed: true, reset: 0, comment: "the running sum")
    let overflow = m.register("overflow_q", width: 1, reset: 0, comment: "sticky: a sum did not fit")
    let startNew = shiftStage[0]
    let previous = m.wire("previous_sum", mux(startNew, 0, sum))
    let previousOverflow = m.wire("previous_overflow", overflow && !startNew)
    let exact = m.wire("exact_sum", previous + shiftStage[4], comment: "previous sum plus this block, exact")
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
    let accumulateStage = pipe.boundary(
      "accumulate",
      [
        ("last", shiftStage[1]), ("exponent_sum", shiftStage[2]), ("block_product", shiftStage[3]), ("sum", nextSum),
        ("overflow", nextOverflow),
      ])

    // FP32 readout.
    let readout = FP32Readout(width: accumulatorWidth, scaleExponent: -2 * format.exponentBias - 2)
    let normalized = readout.normalize(in: m, value: accumulateStage[3])
    let normalizeStage = pipe.boundary(
      "normalize",
      [
        ("last", accumulateStage[0]), ("exponent_sum", accumulateStage[1]), ("block_product", accumulateStage[2]),
        ("sum", accumulateStage[3]), ("overflow", accumulateStage[4]), ("sign", normalized.sign),
        ("normalized", normalized.normalized), ("readout_exponent", normalized.exponent), ("zero", normalized.zero),
      ])
    let fp32 = readout.round(
      in: m, sign: normalizeStage[5], normalized: normalizeStage[6], exponent: normalizeStage[7],
      zero: normalizeStage[8],
      overflow: normalizeStage[4])

    let (validOut, readyOut) = pipe.finish()
    m.output("ready_o", readyOut, comment: "the inputs are taken this cycle")
    m.output("valid_o", validOut, comment: "the outputs hold a block's results")
    m.output("last_o", normalizeStage[0], comment: "this block ended an accumulation")
    m.output("product_o", normalizeStage[2], comment: "P of this block, signed")
    m.output("exponent_sum_o", normalizeStage[1], comment: "S = E_w + E_a of this block")
    m.output("sum_o", normalizeStage[3], comment: "the accumulated sum including this block, LSB = 2^(-2b-2)")
    m.output("overflow_o", normalizeStage[4], comment: "sticky: the sum saturated")
    m.output("fp32_o", fp32, comment: "the accumulated sum as FP32, nearest-even; infinity after an overflow")
    return GeneratedModule(
      kind: .blockDot, module: try m.build(),
      summary: "block dot product: P and S per block pair, exact accumulation, FP32 readout",
      latency: pipe.latency, handshake: .validReady, throughput: "1 block pair per cycle",
      parameters: [
        ("formatbook", .string(book.name)), ("block_size", .integer(n)),
        ("accumulator_width", .integer(accumulatorWidth)),
        ("pipeline_depth", .integer(depth)),
        ("registered_stages", .array(Self.stages.filter(registered.contains).map { .string($0) })),
      ])
  }
}
