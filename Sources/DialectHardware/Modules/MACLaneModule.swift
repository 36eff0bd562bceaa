import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_mac_lane`: a MAC lane of the configured book.
  public static let macLane = ModuleKind("mac_lane")
  /// `e2m1_mac_lane`: a MAC lane of the one-dialect E2M1 book (the FP4 baseline).
  public static let e2m1MACLane = ModuleKind("e2m1_mac_lane")
  /// `int4_mac_lane`: a two's-complement INT4 MAC lane.
  public static let int4MACLane = ModuleKind("int4_mac_lane")
  /// `int8_mac_lane`: a two's-complement INT8 MAC lane.
  public static let int8MACLane = ModuleKind("int8_mac_lane")
}

/// A MAC lane: one weight times one activation per cycle into an accumulator, or (without the
/// accumulator) the signed product alone. Several kinds share this description: the configured
/// book's lane, the E2M1 book's (FP4) and the INT4 and INT8 lanes, all with the same
/// accumulator and accumulate form, so their areas compare like for like; their variants with
/// operands already decoded, and without the accumulator (``LaneVariantModules``).
///
/// Vectors: random operands with clears and idle cycles (every code, or for a product every
/// operand pair), then real-looking operands: blocks of LLM-like data (normal, Laplace and
/// Student-t values at varied scales) quantized by the numerics library in the lane's format
/// (the weight path for weights, the activation path for activations; MXINT-like rounding for
/// the integer lanes), fed element by element, a new sum every four blocks.
struct MACLaneModule: ModuleDescription {
  /// What the lane multiplies: codes or decoded operands of a formatbook (nil: the configured
  /// book), or two's-complement integers.
  enum Operands: Sendable {
    case codes(Formatbook?, format: String)
    case decoded(Formatbook?, format: String)
    case integer(bits: Int)
  }

  let kind: ModuleKind
  let operands: Operands
  /// Whether the lane has its accumulator (false: the product alone, combinational).
  var accumulates = true

  static let blockDialect = MACLaneModule(kind: .macLane, operands: .codes(nil, format: "bd"))
  static let e2m1 = MACLaneModule(kind: .e2m1MACLane, operands: .codes(.e2m1, format: "e2m1"))
  static let int4 = MACLaneModule(kind: .int4MACLane, operands: .integer(bits: 4))
  static let int8 = MACLaneModule(kind: .int8MACLane, operands: .integer(bits: 8))

  var summary: String {
    let what: String
    switch operands {
    case .codes(let book, _): what = "MAC lane of \(book?.name ?? "the configured") book"
    case .decoded(let book, _): what = "MAC lane of \(book?.name ?? "the configured") book, operands decoded"
    case .integer(let bits): what = "INT\(bits) MAC lane"
    }
    return accumulates ? what : what + ", without its accumulator"
  }
  var testbench: String? { accumulates ? "tb_mac_lane" : "tb_mac_product" }
  var reportRole: ReportRole {
    let base: ReportRole = accumulates ? [.gateMapped, .lane] : [.gateMapped, .product]
    return kind == .macLane ? base.union(.datapathStyles) : base
  }

  /// The name: `<format>_mac_lane`, `<format>_decoded_mac_lane`, `int<bits>_mac_lane`, with
  /// `_product` for `_lane` without the accumulator.
  var name: String {
    let stem: String
    switch operands {
    case .codes(_, let format): stem = "\(format)_mac"
    case .decoded(_, let format): stem = "\(format)_decoded_mac"
    case .integer(let bits): stem = "int\(bits)_mac"
    }
    return stem + (accumulates ? "_lane" : "_product")
  }

  /// The lane's book, for a formatbook lane.
  func book(_ configuration: HardwareConfiguration) -> Formatbook? {
    switch operands {
    case .codes(let book, _), .decoded(let book, _): return book ?? configuration.format.formatbook
    case .integer: return nil
    }
  }

  func generatorOperands(_ configuration: HardwareConfiguration) -> MACLaneGenerator.Operands {
    switch operands {
    case .codes: return .codes(book(configuration)!)
    case .decoded: return .decoded(book(configuration)!)
    case .integer(let bits): return .integer(bits: bits)
    }
  }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    let lanes = MACLaneGenerator(configuration: design.configuration)
    let operands = generatorOperands(design.configuration)
    return accumulates
      ? try lanes.lane(operands, name: name, kind: kind) : try lanes.product(operands, name: name, kind: kind)
  }

  /// The reference of an accumulating lane: the operands' signed values from the book's decode
  /// table (or the integers), their product, and the accumulate form the integer lanes had
  /// before the lanes were put on equal terms, `sum <= clear ? product : sum + product`, with
  /// the same register `sum_q`; `make formal` proves the emitted lane equivalent to it.
  func formalReference(
    for module: GeneratedModule, named name: String, configuration: HardwareConfiguration
  ) -> String? {
    guard accumulates else { return nil }
    let width = configuration.laneAccumulatorWidth
    var lines = [
      FormalReferences.header("\(summary), accumulated as clear ? product : sum + product"),
      "module \(name) (", "  input  wire clk_i,", "  input  wire rst_ni,", "  input  wire valid_i,",
      "  input  wire clear_i,",
    ]
    var body: [String] = []
    switch operands {
    case .integer(let bits):
      lines += ["  input  wire signed [\(bits - 1):0] w_i,", "  input  wire signed [\(bits - 1):0] a_i,"]
      body.append("  wire signed [\(width - 1):0] product = w_i * a_i;")
    case .codes, .decoded:
      let book = book(configuration)!
      let magnitudeWidth = MagnitudeTable(book: book).magnitudeWidth
      for side in ["w", "a"] {
        if case .decoded = operands {
          lines += [
            "  input  wire \(side)_sign_i,", "  input  wire [\(magnitudeWidth - 1):0] \(side)_magnitude_i,",
          ]
          body.append(
            "  wire signed [\(width - 1):0] \(side)_value = \(side)_sign_i ? -$signed({1'b0, \(side)_magnitude_i}) : $signed({1'b0, \(side)_magnitude_i});"
          )
          continue
        }
        if book.idWidth > 0 { lines.append("  input  wire [\(book.idWidth - 1):0] \(side)_dialect_i,") }
        lines.append("  input  wire [3:0] \(side)_code_i,")
        body += [
          "  reg signed [\(width - 1):0] \(side)_value;", "  always @(*) begin",
          book.idWidth > 0 ? "    case ({\(side)_dialect_i, \(side)_code_i})" : "    case (\(side)_code_i)",
        ]
        for dialect in book.dialects.indices {
          for code in 0..<16 {
            let value = book.halfUnits(dialect: dialect, code: UInt8(code))
            let label = book.idWidth > 0 ? "\(book.idWidth + 4)'d\(dialect << 4 | code)" : "4'd\(code)"
            body.append("      \(label): \(side)_value = \(value < 0 ? "-" : "")\(width)'sd\(abs(value));")
          }
        }
        body += ["      default: \(side)_value = \(width)'sd0;", "    endcase", "  end"]
      }
      body.append("  wire signed [\(width - 1):0] product = w_value * a_value;")
    }
    lines.append("  output wire signed [\(width - 1):0] sum_o")
    lines.append(");")
    lines += body
    lines += [
      "  reg signed [\(width - 1):0] sum_q;", "  assign sum_o = sum_q;", "  always @(posedge clk_i) begin",
      "    if (!rst_ni) sum_q <= \(width)'sd0;", "    else if (valid_i) sum_q <= clear_i ? product : sum_q + product;",
      "  end", "endmodule", "",
    ]
    return lines.joined(separator: "\n")
  }

  /// One pair of operands: the vector fields and the product in the lane's units.
  struct Pair {
    var fields: [Int]
    var product: Int
  }

  /// The vector fields of an operand: (dialect,) code; sign, magnitude; or the integer.
  func fields(_ book: Formatbook?, dialect: Int, code: UInt8) -> [Int] {
    guard let book else { return [] }
    switch operands {
    case .codes: return book.idWidth > 0 ? [dialect, Int(code)] : [Int(code)]
    case .decoded: return [Int(code >> 3), book.dialects[dialect].magnitudes[Int(code & 7)]]
    case .integer: return []
    }
  }

  func pair(_ book: Formatbook?, w: (Int, UInt8), a: (Int, UInt8)) -> Pair {
    let book = book!
    return Pair(
      fields: fields(book, dialect: w.0, code: w.1) + fields(book, dialect: a.0, code: a.1),
      product: book.halfUnits(dialect: w.0, code: w.1) * book.halfUnits(dialect: a.0, code: a.1))
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let laneBook = book(request.configuration)
    let operandNames: [String]
    switch operands {
    case .codes: operandNames = ["w_dialect_i", "w_code_i", "a_dialect_i", "a_code_i"]
    case .decoded: operandNames = ["w_sign_i", "w_magnitude_i", "a_sign_i", "a_magnitude_i"]
    case .integer: operandNames = ["w_i", "a_i"]
    }
    var vectors = ModuleVectors(
      module: module, mode: accumulates ? .cycle : .combinational,
      inputs: request.fields(module, (accumulates ? ["valid_i", "clear_i"] : []) + operandNames),
      outputs: request.fields(module, [accumulates ? "sum_o" : "product_o"]))
    var random = SeededGenerator(seed: request.seed &+ 4)
    let width = request.configuration.laneAccumulatorWidth
    var sum = 0
    func add(_ pair: Pair, valid: Bool = true, clear: Bool = false) {
      guard accumulates else {
        vectors.add(pair.fields, [pair.product])
        return
      }
      if valid { sum = clear ? pair.product : sum + pair.product }
      // The lane accumulator wraps at its width.
      let modulus = 1 << width
      sum = ((sum % modulus) + modulus) % modulus
      if sum >= modulus / 2 { sum -= modulus }
      vectors.add([valid ? 1 : 0, clear ? 1 : 0] + pair.fields, [sum])
    }
    func randomPair() -> Pair {
      switch operands {
      case .integer(let bits):
        let range = 1 << bits
        let (w, a) = (Int(random.next() % UInt64(range)) - range / 2, Int(random.next() % UInt64(range)) - range / 2)
        return Pair(fields: [w, a], product: w * a)
      case .codes, .decoded:
        let count = UInt64(laneBook!.dialects.count)
        func operand() -> (Int, UInt8) {
          let dialect = Int(random.next() % count)
          let code = UInt8(random.next() % 16)
          // A decoded operand has one zero: code 1000 (minus zero) never occurs.
          if case .decoded = operands, code == 8 { return (dialect, 0) }
          return (dialect, code)
        }
        return pair(laneBook, w: operand(), a: operand())
      }
    }
    if accumulates {
      vectors.section("random operands, clears and idle cycles")
      for step in 0..<request.count {
        add(randomPair(), valid: random.next() % 5 != 0, clear: step == 0 || random.next() % 40 == 0)
      }
    } else {
      vectors.section("every operand pair")
      for pair in exhaustivePairs(laneBook) { add(pair) }
    }
    vectors.section("real-looking operands: LLM-like blocks quantized in the lane's format, a new sum every 4 blocks")
    let blocks = max(4, request.count / (4 * request.format.blockSize))
    for (index, pair) in realLookingPairs(request, blocks: blocks).enumerated() {
      add(pair, clear: index % (4 * request.format.blockSize) == 0)
    }
    return vectors
  }

  /// Every operand pair of a product unit: all (dialect, code) or integer pairs.
  func exhaustivePairs(_ book: Formatbook?) -> [Pair] {
    switch operands {
    case .integer(let bits):
      let range = -(1 << (bits - 1))..<(1 << (bits - 1))
      return range.flatMap { w in range.map { a in Pair(fields: [w, a], product: w * a) } }
    case .codes, .decoded:
      let codes: [UInt8] = {
        if case .decoded = operands { return (0..<16).filter { $0 != 8 } }
        return Array(0..<16)
      }()
      let all = book!.dialects.indices.flatMap { dialect in codes.map { (dialect, $0) } }
      return all.flatMap { w in all.map { a in pair(book, w: w, a: a) } }
    }
  }

  /// Operand pairs from real-looking blocks, element by element.
  func realLookingPairs(_ request: VectorRequest, blocks: Int) -> [Pair] {
    let n = request.format.blockSize
    let data = Stimuli.realLookingBlocks(2 * blocks, size: n, seed: request.seed &+ 40)
    var pairs: [Pair] = []
    switch operands {
    case .integer(let bits):
      let format = try! IntegerBlockFormat(elementBits: bits, like: request.format)
      for block in 0..<blocks {
        let (w, a) = (format.quantize(data[2 * block]), format.quantize(data[2 * block + 1]))
        for i in 0..<n {
          pairs.append(Pair(fields: [w.elements[i], a.elements[i]], product: w.elements[i] * a.elements[i]))
        }
      }
    case .codes, .decoded:
      let book = book(request.configuration)!
      let format = try! BlockFormat(
        blockSize: n, exponentWidth: request.format.exponentWidth, exponentBias: request.format.exponentBias,
        formatbook: book)
      let weights = BlockQuantizer(format: format, selector: .leastSquares)
      let activations = BlockQuantizer(format: format, selector: .twoStage)
      for block in 0..<blocks {
        let w = weights.quantize(data[2 * block]).block
        let a = activations.quantize(data[2 * block + 1]).block
        for i in 0..<n {
          pairs.append(pair(book, w: (w.dialect, w.codes[i].rawValue), a: (a.dialect, a.codes[i].rawValue)))
        }
      }
    }
    return pairs
  }
}
