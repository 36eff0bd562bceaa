import BlockDialect
import HDL

/// Multiply-accumulate lanes: one weight element times one activation element per cycle,
/// added to an accumulator (or starting a new sum when `clear_i` is set). All lanes share one
/// structure and one accumulator width, so their areas compare like for like:
///
/// - a formatbook lane (BlockDialect, or E2M1 through the one-dialect book): decode each code
///   to sign and magnitude, multiply the magnitudes (small unsigned integers), apply the sign;
/// - an integer lane (INT4, INT8): multiply two's-complement operands.
///
/// The accumulator is `laneAccumulatorWidth` bits and wraps; within a block the sum of n
/// products fits (e.g. 32 x 225 for DialectFP4 needs 14 bits). Exponents are handled per
/// block by the block dot product, not per lane.
public struct MACLaneGenerator: Sendable {
  public let configuration: HardwareConfiguration

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
  }

  var width: Int { configuration.laneAccumulatorWidth }

  /// A lane for `book`, named `<format>_mac_lane` (`bd` for the configured book).
  public func formatbookLane(book: Formatbook, format: String, kind: ModuleKind) throws -> GeneratedModule {
    let table = MagnitudeTable(book: book, style: configuration.datapathStyle)
    let m = ModuleBuilder(configuration.moduleName("\(format)_mac_lane"))
    let (valid, clear) = controls(m)
    var operands: [(sign: Signal, magnitude: Signal)] = []
    for side in ["w", "a"] {
      let dialect =
        book.idWidth > 0
        ? m.input(
          "\(side)_dialect_i", width: book.idWidth, comment: "\(side == "w" ? "weight" : "activation") dialect id")
        : nil
      let code = m.input("\(side)_code_i", width: 4, comment: "\(side == "w" ? "weight" : "activation") code")
      let (sign, index) = MagnitudeTable.fields(of: code)
      let shared = table.shared(in: m, dialect: dialect, prefix: "\(side)_magnitude")
      operands.append(
        (sign, table.magnitude(in: m, "\(side)_magnitude", dialect: dialect, index: index, shared: shared)))
    }
    let magnitude = m.wire("product_magnitude", operands[0].magnitude * operands[1].magnitude)
    let negative = m.wire("product_negative", operands[0].sign ^ operands[1].sign)
    let positive = magnitude.extended(to: width).asSigned
    if configuration.datapathStyle == .naive {
      let product = m.wire(
        "product", mux(negative, 0 &- positive, positive), comment: "signed product, half-units squared")
      accumulate(m, product, valid: valid, clear: clear)
    } else {
      // sum - p = sum + ~p + 1: the product's ones' complement, and the 1 as the adder's carry.
      let complement = m.wire(
        "product_complement", positive ^ negative.replicated(width).asSigned,
        comment: "the product, or its ones' complement when negative")
      accumulate(m, complement, carry: negative, valid: valid, clear: clear)
    }
    return try m.generated(
      kind, generator: "MACLaneGenerator.formatbookLane",
      summary: "MAC lane, formatbook \(book.name): one weight code times one activation code per cycle, accumulated",
      latency: 1, handshake: .validOnly, throughput: "1 product per cycle",
      parameters: [configuration.bookParameter(book), ("accumulator_width", .integer(width))]
        + configuration.datapathParameters)
  }

  /// A two's-complement lane of `bits`-bit operands, named `int<bits>_mac_lane`.
  public func integerLane(bits: Int, kind: ModuleKind) throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("int\(bits)_mac_lane"))
    let (valid, clear) = controls(m)
    let weight = m.input("w_i", width: bits, signed: true, comment: "weight, two's complement")
    let activation = m.input("a_i", width: bits, signed: true, comment: "activation, two's complement")
    let product = m.wire("product", (weight * activation).extended(to: width), comment: "signed product")
    accumulate(m, product, valid: valid, clear: clear)
    return try m.generated(
      kind, generator: "MACLaneGenerator.integerLane",
      summary: "MAC lane, INT\(bits): one weight times one activation per cycle, accumulated",
      latency: 1, handshake: .validOnly, throughput: "1 product per cycle",
      parameters: [("operand_bits", .integer(bits)), ("accumulator_width", .integer(width))])
  }

  func controls(_ m: ModuleBuilder) -> (valid: Signal, clear: Signal) {
    (
      m.input("valid_i", width: 1, comment: "the operands are valid: accumulate them"),
      m.input("clear_i", width: 1, comment: "start a new sum with this product")
    )
  }

  func accumulate(_ m: ModuleBuilder, _ product: Signal, carry: Signal? = nil, valid: Signal, clear: Signal) {
    let sum = m.register("sum_q", width: width, signed: true, reset: 0)
    if let carry {
      // One adder: (clear ? 0 : sum) + product + carry.
      let carryIn = concatenate(.constant(0, width: width - 1), carry).asSigned
      m.assignNext(sum, mux(clear, 0, sum) &+ product &+ carryIn, enable: valid)
    } else {
      m.assignNext(sum, mux(clear, product, sum &+ product), enable: valid)
    }
    m.output("sum_o", sum, comment: "the accumulated sum")
  }
}
