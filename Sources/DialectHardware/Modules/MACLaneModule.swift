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

/// A MAC lane: one weight times one activation per cycle into an accumulator. Four kinds share
/// this description: the configured book's lane, the E2M1 book's (FP4) and the INT4 and INT8
/// lanes, all with the same accumulator, so their areas compare like for like. Vectors: random
/// operands with clears and idle cycles, the sum wrapping at the accumulator's width.
struct MACLaneModule: ModuleDescription {
  /// What the lane multiplies: codes of a formatbook, or two's-complement integers.
  enum Operands: Sendable {
    /// Codes of the configured book (nil) or of a fixed book, and the name's format part.
    case formatbook(Formatbook?, format: String)
    case integer(bits: Int)
  }

  let kind: ModuleKind
  let operands: Operands

  static let blockDialect = MACLaneModule(kind: .macLane, operands: .formatbook(nil, format: "bd"))
  static let e2m1 = MACLaneModule(kind: .e2m1MACLane, operands: .formatbook(.e2m1, format: "e2m1"))
  static let int4 = MACLaneModule(kind: .int4MACLane, operands: .integer(bits: 4))
  static let int8 = MACLaneModule(kind: .int8MACLane, operands: .integer(bits: 8))

  var summary: String {
    switch operands {
    case .formatbook(let book, _): return "MAC lane of \(book?.name ?? "the configured") book"
    case .integer(let bits): return "INT\(bits) MAC lane"
    }
  }
  var testbench: String? { "tb_mac_lane" }
  var reportRole: ReportRole {
    kind == .macLane ? [.gateMapped, .datapathStyles, .lane] : [.gateMapped, .lane]
  }

  /// The lane's book, for a formatbook lane.
  func book(_ configuration: HardwareConfiguration) -> Formatbook? {
    guard case .formatbook(let book, _) = operands else { return nil }
    return book ?? configuration.format.formatbook
  }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    let lanes = MACLaneGenerator(configuration: design.configuration)
    switch operands {
    case .formatbook(_, let format):
      return try lanes.formatbookLane(book: book(design.configuration)!, format: format, kind: kind)
    case .integer(let bits):
      return try lanes.integerLane(bits: bits, kind: kind)
    }
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let laneBook = book(request.configuration)
    let names =
      laneBook == nil
      ? ["valid_i", "clear_i", "w_i", "a_i"]
      : ["valid_i", "clear_i", "w_dialect_i", "w_code_i", "a_dialect_i", "a_code_i"]
    var vectors = ModuleVectors(
      module: module, mode: .cycle, inputs: request.fields(module, names), outputs: request.fields(module, ["sum_o"]))
    let width = request.configuration.laneAccumulatorWidth
    var random = SeededGenerator(seed: request.seed &+ 4)
    var sum = 0
    vectors.section("random operands, clears and idle cycles")
    for step in 0..<request.count {
      let valid = random.next() % 5 != 0
      let clear = step == 0 || random.next() % 40 == 0
      var inputs = [valid ? 1 : 0, clear ? 1 : 0]
      let product: Int
      switch operands {
      case .integer(let bits):
        let range = 1 << bits
        let (w, a) = (Int(random.next() % UInt64(range)) - range / 2, Int(random.next() % UInt64(range)) - range / 2)
        inputs += [w, a]
        product = w * a
      case .formatbook:
        let book = laneBook!
        let count = UInt64(book.dialects.count)
        let w = (dialect: Int(random.next() % count), code: UInt8(random.next() % 16))
        let a = (dialect: Int(random.next() % count), code: UInt8(random.next() % 16))
        inputs += book.idWidth > 0 ? [w.dialect, Int(w.code), a.dialect, Int(a.code)] : [Int(w.code), Int(a.code)]
        product = book.halfUnits(dialect: w.dialect, code: w.code) * book.halfUnits(dialect: a.dialect, code: a.code)
      }
      if valid { sum = clear ? product : sum + product }
      // The lane accumulator wraps at its width.
      let modulus = 1 << width
      sum = ((sum % modulus) + modulus) % modulus
      if sum >= modulus / 2 { sum -= modulus }
      vectors.add(inputs, [sum])
    }
    return vectors
  }
}
