/// One node of a circuit's expression graph. Nodes are immutable once made; a ``Signal`` is a
/// typed handle on one.
final class Node: @unchecked Sendable {
  let operation: Operation
  /// Set once; emptied only by `deinit`.
  private(set) var operands: [Node]
  /// The result width in bits (0 only for an unsized literal).
  let width: Int
  let isSigned: Bool

  init(_ operation: Operation, _ operands: [Node] = [], width: Int, signed: Bool) {
    self.operation = operation
    self.operands = operands
    self.width = width
    self.isSigned = signed
  }

  /// Releases the operands iteratively: releasing a chain of tens of thousands of nodes one
  /// `deinit` inside the next would overflow the stack.
  deinit {
    guard !operands.isEmpty else { return }
    var pending = operands
    operands = []
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node) {
        pending += node.operands
        node.operands = []
      }
    }
  }

  /// The error this node carries, if it is the result of a mistake.
  var error: ExpressionError? {
    if case .invalid(let error) = operation { return error }
    return nil
  }

  /// The declaration this node reads, if it is a plain reference.
  var declaration: Declaration? {
    if case .reference(let declaration) = operation { return declaration }
    return nil
  }

  /// The value of a sized constant.
  var constantValue: BitVector? {
    if case .constant(let value) = operation { return value }
    return nil
  }
}

/// What a node computes. Arithmetic extends each operand (by its own signedness) to the
/// node's width and keeps the result modulo 2^width, so one rule covers full-precision and
/// wrapping forms.
enum Operation {
  /// A sized constant.
  case constant(BitVector)
  /// An integer literal whose width comes from the other operand or the assignment target.
  case literal(Int)
  /// The value of a port, wire, register or instance output.
  case reference(Declaration)
  /// The result of a mistake; carries the message.
  case invalid(ExpressionError)

  case not, and, or, xor
  case add, subtract, multiply
  /// Operands: value, amount. Left: zeros shift in; right: logical for unsigned, arithmetic
  /// for signed. The value is first extended to the node's width.
  case shiftLeftBy, shiftRightBy
  case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
  /// Operands most significant first.
  case concatenate
  /// Bits [low, low + width) of the operand.
  case slice(low: Int)
  case replicate(count: Int)
  case reduceAnd, reduceOr, reduceXor
  /// Operands: condition (1 bit), when true, when false.
  case mux
  /// The operand extended to the node's width by its own signedness.
  case extend
  /// The operand's bits with the node's signedness.
  case reinterpret
  /// A constant table indexed by the operand; indices past the table give `fallback`.
  case lookup(table: [BitVector], fallback: BitVector)
  /// Operands: selector, one result per label, then the default result. A parallel case.
  case select(labels: [BitVector])
  /// Operands: condition 0, result 0, condition 1, result 1, ..., default. The first true
  /// condition wins.
  case priority
  /// The word of a memory at the operand (the address); only ever the next value of a
  /// register, so the read is synchronous.
  case memoryRead(Declaration)

  /// A short word for the operation, used to name helper wires the emitter creates.
  var word: String {
    switch self {
    case .constant, .literal: return "constant"
    case .reference: return "value"
    case .invalid: return "invalid"
    case .not: return "inverted"
    case .and: return "and"
    case .or: return "or"
    case .xor: return "xor"
    case .add: return "sum"
    case .subtract: return "difference"
    case .multiply: return "product"
    case .shiftLeftBy, .shiftRightBy: return "shifted"
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return "compare"
    case .concatenate: return "concat"
    case .slice: return "bits"
    case .replicate: return "replicated"
    case .reduceAnd, .reduceOr, .reduceXor: return "reduced"
    case .mux: return "selected"
    case .extend: return "extended"
    case .reinterpret: return "cast"
    case .lookup: return "table"
    case .select: return "case"
    case .priority: return "priority"
    case .memoryRead: return "word"
    }
  }
}

/// A named signal of a module: a port, a wire, a register, or an output of an instance.
final class Declaration: @unchecked Sendable {
  enum Kind {
    case input, output, wire, register
    /// The implicit clock `clk_i` and active-low reset `rst_ni`.
    case clock, reset
    case instanceOutput(Instance, port: String)
    /// A memory of `depth` words (its width is the declaration's): written through `driver`
    /// (data), `address` and `enable` on the rising clock edge; read by registers.
    case memory(depth: Int)
  }

  let name: String
  let kind: Kind
  let width: Int
  let isSigned: Bool
  let location: SourceLocation
  /// The builder that owns it: a reference from another module is an error.
  let owner: ObjectIdentifier
  /// A comment for the emitted Verilog.
  let comment: String?

  /// The combinational driver (wires, outputs) or next value (registers).
  var driver: Node?
  var driverLocation: SourceLocation?
  /// Registers: load only when this is 1.
  var enable: Node?
  /// Registers: the value on reset (nil: no reset).
  var resetValue: BitVector?
  /// Memories: the write address.
  var address: Node?

  /// The expressions of the statement that drives it: its driver, enable and (memories)
  /// write address.
  var roots: [Node] { [driver, enable, address].compactMap { $0 } }

  var isMemory: Bool {
    if case .memory = kind { return true }
    return false
  }

  init(
    name: String, kind: Kind, width: Int, signed: Bool, location: SourceLocation, owner: ObjectIdentifier,
    comment: String?
  ) {
    self.name = name
    self.kind = kind
    self.width = width
    self.isSigned = signed
    self.location = location
    self.owner = owner
    self.comment = comment
  }

  var isRegister: Bool {
    if case .register = kind { return true }
    return false
  }

  var isInput: Bool {
    switch kind {
    case .input, .clock, .reset: return true
    default: return false
    }
  }

  /// Whether an assignment may drive it (wires and outputs).
  var isAssignable: Bool {
    switch kind {
    case .output, .wire: return true
    default: return false
    }
  }
}
