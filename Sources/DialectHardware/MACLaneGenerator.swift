import BlockDialect
import HDL

/// Multiply-accumulate lanes: one weight element times one activation element per cycle,
/// added to an accumulator (or starting a new sum when `clear_i` is set). All lanes share one
/// structure, one accumulate form and one accumulator width, so their areas compare like for
/// like:
///
/// - a formatbook lane (BlockDialect, or E2M1 through the one-dialect book) takes codes and
///   dialect ids: decode each code to sign and magnitude, multiply the magnitudes (small
///   unsigned integers), apply the sign;
/// - a decoded lane takes each operand already decoded to sign and magnitude (as inside a block
///   dot product, where decoding is shared per block, or in an array that decodes at load);
/// - an integer lane (INT4, INT8) multiplies two's-complement operands.
///
/// Every lane accumulates as `sum <= (clear ? 0 : sum) + product`: one adder whose other input
/// is the sum or 0. The accumulator is `laneAccumulatorWidth` bits and wraps; within a block the
/// sum of n products fits (e.g. 32 x 225 for DialectFP4 needs 14 bits). Exponents are handled
/// per block by the block dot product, not per lane.
///
/// Without the accumulator (``product(_:name:kind:)``), the same datapath gives the signed
/// product in two's complement, combinationally.
public struct MACLaneGenerator: Sendable {
  public let configuration: HardwareConfiguration

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
  }

  /// What a lane multiplies.
  public enum Operands: Sendable {
    /// 4-bit codes (with dialect ids when the book has more than one dialect).
    case codes(Formatbook)
    /// Sign and magnitude (half-units), already decoded from a book's codes.
    case decoded(Formatbook)
    /// Two's-complement integers of `bits` bits.
    case integer(bits: Int)
  }

  var width: Int { configuration.laneAccumulatorWidth }

  /// A lane for `book`, named `<format>_mac_lane` (`bd` for the configured book).
  public func formatbookLane(book: Formatbook, format: String, kind: ModuleKind) throws -> GeneratedModule {
    try lane(.codes(book), name: "\(format)_mac_lane", kind: kind)
  }

  /// A two's-complement lane of `bits`-bit operands, named `int<bits>_mac_lane`.
  public func integerLane(bits: Int, kind: ModuleKind) throws -> GeneratedModule {
    try lane(.integer(bits: bits), name: "int\(bits)_mac_lane", kind: kind)
  }

  /// A lane named `name` (before the configuration's prefix) multiplying `operands`.
  public func lane(_ operands: Operands, name: String, kind: ModuleKind) throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName(name))
    let (valid, clear) = controls(m)
    let product = self.product(in: m, operands)
    let sum = m.register("sum_q", width: width, signed: true, reset: 0)
    // One adder: (clear ? 0 : sum) + product (+ the carry of a negative ones' complement).
    var next = mux(clear, 0, sum) &+ product.addend.extended(to: width)
    if let carry = product.carry {
      next = next &+ concatenate(.constant(0, width: width - 1), carry).asSigned
    }
    m.assignNext(sum, next, enable: valid)
    m.output("sum_o", sum, comment: "the accumulated sum")
    return try m.generated(
      kind, generator: "MACLaneGenerator.lane",
      summary: "MAC lane, \(describe(operands)): one weight times one activation per cycle, accumulated",
      latency: 1, handshake: .validOnly, throughput: "1 product per cycle",
      parameters: parameters(operands) + [("accumulator_width", .integer(width))])
  }

  /// The lane's datapath without the accumulator: the signed product of `operands` in two's
  /// complement, combinational, named `name`.
  public func product(_ operands: Operands, name: String, kind: ModuleKind) throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName(name))
    let product = self.product(in: m, operands)
    let value: Signal
    if let carry = product.carry {
      // The ones' complement and its carry back to two's complement.
      value = product.addend &+ concatenate(.constant(0, width: product.addend.width - 1), carry).asSigned
    } else {
      value = product.addend
    }
    m.output("product_o", value, comment: "the signed product")
    return try m.generated(
      kind, generator: "MACLaneGenerator.product",
      summary:
        "MAC lane without its accumulator, \(describe(operands)): the signed product of one weight and one activation",
      throughput: "1 product per evaluation", parameters: parameters(operands))
  }

  func describe(_ operands: Operands) -> String {
    switch operands {
    case .codes(let book): return "formatbook \(book.name)"
    case .decoded(let book): return "formatbook \(book.name), operands decoded"
    case .integer(let bits): return "INT\(bits)"
    }
  }

  func parameters(_ operands: Operands) -> [(key: String, value: JSONValue)] {
    switch operands {
    case .codes(let book), .decoded(let book):
      return [configuration.bookParameter(book)] + configuration.datapathParameters
    case .integer(let bits): return [("operand_bits", .integer(bits))]
    }
  }

  /// Width of the signed product of `operands`.
  func productWidth(_ operands: Operands) -> Int {
    switch operands {
    case .codes(let book), .decoded(let book):
      return bitWidth(of: book.largestMagnitude * book.largestMagnitude) + 1
    case .integer(let bits): return 2 * bits
    }
  }

  /// The product as the accumulator adds it: a signed addend, and for the structured
  /// formatbook datapath a carry (a negative product enters as its ones' complement plus 1).
  func product(in m: ModuleBuilder, _ operands: Operands) -> (addend: Signal, carry: Signal?) {
    let productWidth = productWidth(operands)
    let signs: [Signal]
    let magnitudes: [Signal]
    switch operands {
    case .integer(let bits):
      let weight = m.input("w_i", width: bits, signed: true, comment: "weight, two's complement")
      let activation = m.input("a_i", width: bits, signed: true, comment: "activation, two's complement")
      return (m.wire("product", (weight * activation).extended(to: productWidth), comment: "signed product"), nil)
    case .codes(let book):
      let table = MagnitudeTable(book: book, style: configuration.datapathStyle)
      var decoded: [(Signal, Signal)] = []
      for side in ["w", "a"] {
        let noun = side == "w" ? "weight" : "activation"
        let dialect =
          book.idWidth > 0 ? m.input("\(side)_dialect_i", width: book.idWidth, comment: "\(noun) dialect id") : nil
        let code = m.input("\(side)_code_i", width: 4, comment: "\(noun) code")
        let (sign, index) = MagnitudeTable.fields(of: code)
        let shared = table.shared(in: m, dialect: dialect, prefix: "\(side)_magnitude")
        decoded.append(
          (sign, table.magnitude(in: m, "\(side)_magnitude", dialect: dialect, index: index, shared: shared)))
      }
      signs = decoded.map(\.0)
      magnitudes = decoded.map(\.1)
    case .decoded(let book):
      let table = MagnitudeTable(book: book, style: configuration.datapathStyle)
      signs = ["w", "a"].map {
        m.input("\($0)_sign_i", width: 1, comment: "\($0 == "w" ? "weight" : "activation") sign")
      }
      magnitudes = ["w", "a"].map {
        m.input(
          "\($0)_magnitude_i", width: table.magnitudeWidth,
          comment: "\($0 == "w" ? "weight" : "activation") magnitude, half-units")
      }
    }
    let magnitude = m.wire("product_magnitude", magnitudes[0] * magnitudes[1])
    let negative = m.wire("product_negative", signs[0] ^ signs[1])
    let positive = magnitude.extended(to: productWidth).asSigned
    if configuration.datapathStyle == .naive {
      return (
        m.wire("product", mux(negative, 0 &- positive, positive), comment: "signed product, half-units squared"), nil
      )
    }
    // sum - p = sum + ~p + 1: the product's ones' complement, and the 1 as the adder's carry.
    let complement = m.wire(
      "product_complement", positive ^ negative.replicated(productWidth).asSigned,
      comment: "the product, or its ones' complement when negative")
    return (complement, negative)
  }

  func controls(_ m: ModuleBuilder) -> (valid: Signal, clear: Signal) {
    (
      m.input("valid_i", width: 1, comment: "the operands are valid: accumulate them"),
      m.input("clear_i", width: 1, comment: "start a new sum with this product")
    )
  }
}
