/// A hardware value: a typed, fixed-width handle on a node of the circuit graph.
///
/// Signals are ordinary Swift values: operators and methods build new nodes, and Swift loops
/// and conditionals unroll into hardware. Every operation checks the width rules of
/// `docs/hdl.md` as it is built; a mistake produces a signal that carries the message, and
/// the module statement that uses it (``ModuleBuilder/wire(_:_:comment:file:line:)``,
/// ``ModuleBuilder/assign(_:_:file:line:)``, ...) reports it with its Swift file and line.
///
/// An integer literal is an *unsized* signal: it takes the width and signedness of the other
/// operand, or of the assignment's target (`count &+ 1`, `state == 3`).
public struct Signal: ExpressibleByIntegerLiteral, CustomStringConvertible, Sendable {
  let node: Node

  init(_ node: Node) { self.node = node }

  /// An unsized integer literal.
  public init(integerLiteral value: Int) {
    node = Node(.literal(value), width: 0, signed: value < 0)
  }

  /// The width in bits (0 for an unsized literal).
  public var width: Int { node.width }
  /// Whether the value is two's complement.
  public var isSigned: Bool { node.isSigned }
  /// The type, written as in the docs and messages: `UInt<8>`, `SInt<5>`.
  public var typeName: String { Self.typeName(width: width, signed: isSigned) }

  static func typeName(width: Int, signed: Bool) -> String { "\(signed ? "SInt" : "UInt")<\(width)>" }

  /// Whether this signal carries a mistake rather than a value.
  public var isInvalid: Bool { node.error != nil }

  /// A sized constant; a value that does not fit gives an invalid signal.
  public static func constant(_ value: Int, width: Int, signed: Bool = false) -> Signal {
    guard width >= 1 else { return invalid("a constant needs a width of at least 1, not \(width)") }
    guard BitVector.fits(value, width: width, signed: signed) else {
      return invalid("constant \(value) does not fit \(typeName(width: width, signed: signed))")
    }
    return Signal(Node(.constant(BitVector(signed: value, width: width)), width: width, signed: signed))
  }

  /// A sized constant from its bits.
  public static func constant(bits: BitVector, signed: Bool = false) -> Signal {
    Signal(Node(.constant(bits), width: bits.width, signed: signed))
  }

  /// A signal that carries an error message.
  static func invalid(_ message: String, at location: SourceLocation? = nil) -> Signal {
    Signal(Node(.invalid(ExpressionError(message: message, location: location)), width: 1, signed: false))
  }

  /// How messages name this signal: `'sum' (UInt<9>)`, `constant 3 (UInt<2>)`, or
  /// `an expression of type UInt<9>`.
  public var description: String { Self.describe(node) }

  static func describe(_ node: Node) -> String {
    switch node.operation {
    case .reference(let declaration):
      return "'\(declaration.name)' (\(typeName(width: node.width, signed: node.isSigned)))"
    case .constant(let value):
      let number = node.isSigned ? value.signedValue.map(String.init) : value.unsignedValue.map(String.init)
      return "constant \(number ?? value.description) (\(typeName(width: node.width, signed: node.isSigned)))"
    case .literal(let value):
      return "literal \(value)"
    default:
      return "an expression of type \(typeName(width: node.width, signed: node.isSigned))"
    }
  }
}

// MARK: - Literal sizing and error propagation

extension Signal {
  /// The signal with an unsized literal turned into a constant of the given type.
  func sized(width: Int, signed: Bool) -> Signal {
    guard case .literal(let value) = node.operation else { return self }
    guard BitVector.fits(value, width: width, signed: signed) else {
      return .invalid("literal \(value) does not fit \(Self.typeName(width: width, signed: signed))")
    }
    return .constant(value, width: width, signed: signed)
  }

  /// Resolves two operands: errors propagate, and a literal takes the other side's type.
  static func resolve(_ symbol: String, _ a: Signal, _ b: Signal) -> Result<(Signal, Signal), InvalidSignal> {
    if a.isInvalid { return .failure(InvalidSignal(signal: a)) }
    if b.isInvalid { return .failure(InvalidSignal(signal: b)) }
    switch (a.width == 0, b.width == 0) {
    case (true, true):
      return .failure(InvalidSignal(signal: .invalid("cannot infer a width for '\(symbol)' between two literals")))
    case (true, false):
      let sized = a.sized(width: b.width, signed: b.isSigned)
      return sized.isInvalid ? .failure(InvalidSignal(signal: sized)) : .success((sized, b))
    case (false, true):
      let sized = b.sized(width: a.width, signed: a.isSigned)
      return sized.isInvalid ? .failure(InvalidSignal(signal: sized)) : .success((a, sized))
    case (false, false):
      return .success((a, b))
    }
  }

  /// Applies `build` to two resolved operands, or passes the first error on.
  static func combine(_ symbol: String, _ a: Signal, _ b: Signal, _ build: (Signal, Signal) -> Signal) -> Signal {
    switch resolve(symbol, a, b) {
    case .success(let (x, y)): return build(x, y)
    case .failure(let error): return error.signal
    }
  }

  /// Checks a unary operand: errors propagate, and a literal has no width to work with.
  func checkedUnary(_ symbol: String) -> Signal? {
    if isInvalid { return self }
    if width == 0 { return .invalid("'\(symbol)' needs a sized operand, not \(self)") }
    return nil
  }

  static func mismatch(_ symbol: String, _ a: Signal, _ b: Signal, _ rule: String) -> Signal {
    .invalid("'\(symbol)' needs \(rule): \(a) and \(b)")
  }
}

/// An invalid signal, wrapped so it can be a `Result` failure.
struct InvalidSignal: Error {
  let signal: Signal
}
