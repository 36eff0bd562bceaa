// The operators of the DSL and their width rules (docs/hdl.md has the table).

extension Signal {
  // MARK: Bitwise

  /// Bitwise AND: equal widths and signedness; the result has the same type.
  public static func & (a: Signal, b: Signal) -> Signal { bitwise("&", .and, a, b) }
  /// Bitwise OR: equal widths and signedness; the result has the same type.
  public static func | (a: Signal, b: Signal) -> Signal { bitwise("|", .or, a, b) }
  /// Bitwise XOR: equal widths and signedness; the result has the same type.
  public static func ^ (a: Signal, b: Signal) -> Signal { bitwise("^", .xor, a, b) }

  static func bitwise(_ symbol: String, _ operation: Operation, _ a: Signal, _ b: Signal) -> Signal {
    combine(symbol, a, b) { x, y in
      guard x.width == y.width, x.isSigned == y.isSigned else {
        return mismatch(symbol, x, y, "operands of equal width and signedness")
      }
      return Signal(Node(operation, [x.node, y.node], width: x.width, signed: x.isSigned))
    }
  }

  /// Bitwise NOT; the result has the operand's type.
  public static prefix func ~ (a: Signal) -> Signal {
    if let problem = a.checkedUnary("~") { return problem }
    return Signal(Node(.not, [a.node], width: a.width, signed: a.isSigned))
  }

  // MARK: Logic on single bits

  /// Logical NOT of a `UInt<1>`.
  public static prefix func ! (a: Signal) -> Signal {
    if let problem = a.checkedUnary("!") { return problem }
    guard a.width == 1, !a.isSigned else { return .invalid("'!' needs a UInt<1>, not \(a)") }
    return ~a
  }

  /// Logical AND of two `UInt<1>`.
  public static func && (a: Signal, b: Signal) -> Signal { logical("&&", .and, a, b) }
  /// Logical OR of two `UInt<1>`.
  public static func || (a: Signal, b: Signal) -> Signal { logical("||", .or, a, b) }

  static func logical(_ symbol: String, _ operation: Operation, _ a: Signal, _ b: Signal) -> Signal {
    combine(symbol, a, b) { x, y in
      guard x.width == 1, y.width == 1, !x.isSigned, !y.isSigned else {
        return mismatch(symbol, x, y, "two UInt<1> operands")
      }
      return Signal(Node(operation, [x.node, y.node], width: 1, signed: false))
    }
  }

  // MARK: Arithmetic

  /// Full-precision addition: equal signedness; the result is one bit wider than the wider
  /// operand, so it never overflows.
  public static func + (a: Signal, b: Signal) -> Signal { arithmetic("+", .add, a, b, grow: true) }
  /// Full-precision subtraction: equal signedness; the result is one bit wider than the wider
  /// operand (for unsigned operands, a negative difference wraps in that width).
  public static func - (a: Signal, b: Signal) -> Signal { arithmetic("-", .subtract, a, b, grow: true) }
  /// Wrapping addition: equal widths and signedness; the result has the same type.
  public static func &+ (a: Signal, b: Signal) -> Signal { arithmetic("&+", .add, a, b, grow: false) }
  /// Wrapping subtraction: equal widths and signedness; the result has the same type.
  public static func &- (a: Signal, b: Signal) -> Signal { arithmetic("&-", .subtract, a, b, grow: false) }

  /// Arithmetic with an integer computed at elaboration time; it takes the signal's type, like
  /// a literal.
  public static func + (a: Signal, b: Int) -> Signal { a + Signal(integerLiteral: b) }
  public static func - (a: Signal, b: Int) -> Signal { a - Signal(integerLiteral: b) }
  public static func &+ (a: Signal, b: Int) -> Signal { a &+ Signal(integerLiteral: b) }
  public static func &- (a: Signal, b: Int) -> Signal { a &- Signal(integerLiteral: b) }

  static func arithmetic(_ symbol: String, _ operation: Operation, _ a: Signal, _ b: Signal, grow: Bool) -> Signal {
    combine(symbol, a, b) { x, y in
      guard x.isSigned == y.isSigned else { return mismatch(symbol, x, y, "operands of equal signedness") }
      if !grow, x.width != y.width { return mismatch(symbol, x, y, "operands of equal width") }
      let width = grow ? max(x.width, y.width) + 1 : x.width
      return Signal(Node(operation, [x.node, y.node], width: width, signed: x.isSigned))
    }
  }

  /// Full-precision multiplication: equal signedness; the result width is the sum of the
  /// operand widths.
  public static func * (a: Signal, b: Signal) -> Signal {
    combine("*", a, b) { x, y in
      guard x.isSigned == y.isSigned else { return mismatch("*", x, y, "operands of equal signedness") }
      return Signal(Node(.multiply, [x.node, y.node], width: x.width + y.width, signed: x.isSigned))
    }
  }

  /// Negation of a signed value; the result is one bit wider, so -min fits.
  public static prefix func - (a: Signal) -> Signal {
    if let problem = a.checkedUnary("-") { return problem }
    guard a.isSigned else { return .invalid("'-' (negation) needs a signed operand, not \(a); use asSigned") }
    return Signal.constant(0, width: a.width, signed: true) - a
  }

  // MARK: Shifts

  /// Shift left by a constant: `amount` zero bits appended; the result is `amount` bits wider.
  public static func << (a: Signal, amount: Int) -> Signal {
    if let problem = a.checkedUnary("<<") { return problem }
    guard amount >= 0 else { return .invalid("'<<' needs a non-negative amount, not \(amount)") }
    guard amount > 0 else { return a }
    let shifted = concatenate(a, .constant(0, width: amount))
    return a.isSigned ? shifted.asSigned : shifted
  }

  /// Shift right by a constant: the low `amount` bits are dropped; the result is `amount` bits
  /// narrower (for a signed value this is the arithmetic shift, floor(a / 2^amount)).
  public static func >> (a: Signal, amount: Int) -> Signal {
    if let problem = a.checkedUnary(">>") { return problem }
    guard amount >= 0, amount < a.width else {
      return .invalid("'>>' by \(amount) needs 0 <= amount < the width of \(a)")
    }
    guard amount > 0 else { return a }
    let kept = a[amount...(a.width - 1)]
    return a.isSigned ? kept.asSigned : kept
  }

  /// Shift left by a signal: the value is extended to `width` bits, then shifted; bits
  /// shifted past `width` are lost.
  public func shiftedLeft(by amount: Signal, width: Int) -> Signal {
    if let problem = checkedUnary("shiftedLeft") { return problem }
    if let problem = amount.checkedUnary("shiftedLeft") { return problem }
    guard !amount.isSigned else { return .invalid("a shift amount must be unsigned, not \(amount)") }
    guard width >= self.width else {
      return .invalid("shiftedLeft(by:width:) needs width >= \(self.width) (the width of \(self)), not \(width)")
    }
    return Signal(Node(.shiftLeftBy, [node, amount.node], width: width, signed: isSigned))
  }

  /// Shift right by a signal, keeping the width: logical for unsigned values, arithmetic for
  /// signed ones.
  public func shiftedRight(by amount: Signal) -> Signal {
    if let problem = checkedUnary("shiftedRight") { return problem }
    if let problem = amount.checkedUnary("shiftedRight") { return problem }
    guard !amount.isSigned else { return .invalid("a shift amount must be unsigned, not \(amount)") }
    return Signal(Node(.shiftRightBy, [node, amount.node], width: width, signed: isSigned))
  }

  // MARK: Comparison

  /// Equality: equal signedness (widths may differ; the narrower is extended); a `UInt<1>`.
  public static func == (a: Signal, b: Signal) -> Signal { compare("==", .equal, a, b) }
  public static func != (a: Signal, b: Signal) -> Signal { compare("!=", .notEqual, a, b) }
  public static func < (a: Signal, b: Signal) -> Signal { compare("<", .less, a, b) }
  public static func <= (a: Signal, b: Signal) -> Signal { compare("<=", .lessOrEqual, a, b) }
  public static func > (a: Signal, b: Signal) -> Signal { compare(">", .greater, a, b) }
  public static func >= (a: Signal, b: Signal) -> Signal { compare(">=", .greaterOrEqual, a, b) }

  /// Comparisons with an integer computed at elaboration time; it takes the signal's type,
  /// like a literal.
  public static func == (a: Signal, b: Int) -> Signal { a == Signal(integerLiteral: b) }
  public static func != (a: Signal, b: Int) -> Signal { a != Signal(integerLiteral: b) }
  public static func < (a: Signal, b: Int) -> Signal { a < Signal(integerLiteral: b) }
  public static func <= (a: Signal, b: Int) -> Signal { a <= Signal(integerLiteral: b) }
  public static func > (a: Signal, b: Int) -> Signal { a > Signal(integerLiteral: b) }
  public static func >= (a: Signal, b: Int) -> Signal { a >= Signal(integerLiteral: b) }

  static func compare(_ symbol: String, _ operation: Operation, _ a: Signal, _ b: Signal) -> Signal {
    combine(symbol, a, b) { x, y in
      guard x.isSigned == y.isSigned else { return mismatch(symbol, x, y, "operands of equal signedness") }
      if let decided = decidedComparison(operation, x, y) { return .constant(decided ? 1 : 0, width: 1) }
      return Signal(Node(operation, [x.node, y.node], width: 1, signed: false))
    }
  }

  /// The outcome of a comparison that the operands' types already decide (both constant, or
  /// a constant at or beyond the end of the other operand's range, like `x >= 0` for an
  /// unsigned x): folded, so the emitted Verilog never holds a comparison a linter can prove
  /// constant.
  static func decidedComparison(_ operation: Operation, _ a: Signal, _ b: Signal) -> Bool? {
    func range(_ s: Signal) -> ClosedRange<Int>? {
      if let value = s.node.constantValue {
        guard let number = s.isSigned ? value.signedValue : value.unsignedValue else { return nil }
        return number...number
      }
      guard s.width <= 62 else { return nil }
      return s.isSigned ? -(1 << (s.width - 1))...((1 << (s.width - 1)) - 1) : 0...((1 << s.width) - 1)
    }
    guard a.node.constantValue != nil || b.node.constantValue != nil, let x = range(a), let y = range(b) else {
      return nil
    }
    let less = x.upperBound < y.lowerBound
    let greater = x.lowerBound > y.upperBound
    let lessOrEqual = x.upperBound <= y.lowerBound
    let greaterOrEqual = x.lowerBound >= y.upperBound
    let equal = x.count == 1 && y.count == 1 && x == y
    switch operation {
    case .equal: return equal ? true : ((less || greater) ? false : nil)
    case .notEqual: return equal ? false : ((less || greater) ? true : nil)
    case .less: return less ? true : (greaterOrEqual ? false : nil)
    case .lessOrEqual: return lessOrEqual ? true : (greater ? false : nil)
    case .greater: return greater ? true : (lessOrEqual ? false : nil)
    case .greaterOrEqual: return greaterOrEqual ? true : (less ? false : nil)
    default: return nil
    }
  }

  // MARK: Bits

  /// Bit `index` as a `UInt<1>`.
  public subscript(index: Int) -> Signal {
    if let problem = checkedUnary("[\(index)]") { return problem }
    guard index >= 0, index < width else { return .invalid("bit \(index) is outside \(self)") }
    return Signal(Node(.slice(low: index), [node], width: 1, signed: false))
  }

  /// Bits `range.lowerBound` through `range.upperBound` (Verilog `[upper:lower]`) as an
  /// unsigned value.
  public subscript(range: ClosedRange<Int>) -> Signal {
    if let problem = checkedUnary("[\(range)]") { return problem }
    guard range.lowerBound >= 0, range.upperBound < width else {
      return .invalid("bits \(range.lowerBound)...\(range.upperBound) are outside \(self)")
    }
    if range.count == width, !isSigned { return self }
    return Signal(Node(.slice(low: range.lowerBound), [node], width: range.count, signed: false))
  }

  /// The value repeated `count` times, as an unsigned value.
  public func replicated(_ count: Int) -> Signal {
    if let problem = checkedUnary("replicated") { return problem }
    guard count >= 1 else { return .invalid("replicated(\(count)) needs a count of at least 1") }
    return Signal(Node(.replicate(count: count), [node], width: width * count, signed: false))
  }

  /// AND of all bits, a `UInt<1>`.
  public func andReduced() -> Signal { reduced(.reduceAnd, "andReduced") }
  /// OR of all bits (whether any bit is set), a `UInt<1>`.
  public func orReduced() -> Signal { reduced(.reduceOr, "orReduced") }
  /// XOR of all bits (parity), a `UInt<1>`.
  public func xorReduced() -> Signal { reduced(.reduceXor, "xorReduced") }

  func reduced(_ operation: Operation, _ name: String) -> Signal {
    if let problem = checkedUnary(name) { return problem }
    if width == 1 { return isSigned ? asUnsigned : self }
    return Signal(Node(operation, [node], width: 1, signed: false))
  }

  // MARK: Width and signedness

  /// The value extended to `width` bits: sign-extended if signed, zero-extended otherwise.
  public func extended(to width: Int) -> Signal {
    if let problem = checkedUnary("extended") { return problem }
    guard width >= self.width else {
      return .invalid("extended(to: \(width)) cannot narrow \(self); use truncated(to:)")
    }
    guard width > self.width else { return self }
    return Signal(Node(.extend, [node], width: width, signed: isSigned))
  }

  /// The low `width` bits, with the same signedness.
  public func truncated(to width: Int) -> Signal {
    if let problem = checkedUnary("truncated") { return problem }
    guard width >= 1, width <= self.width else {
      return .invalid("truncated(to: \(width)) needs 1 <= width <= the width of \(self)")
    }
    guard width < self.width else { return self }
    let low = self[0...(width - 1)]
    return isSigned ? low.asSigned : low
  }

  /// The same bits read as two's complement.
  public var asSigned: Signal { reinterpreted(signed: true) }
  /// The same bits read as unsigned.
  public var asUnsigned: Signal { reinterpreted(signed: false) }

  func reinterpreted(signed: Bool) -> Signal {
    if let problem = checkedUnary(signed ? "asSigned" : "asUnsigned") { return problem }
    guard signed != isSigned else { return self }
    return Signal(Node(.reinterpret, [node], width: width, signed: signed))
  }
}

/// The parts side by side, the first one in the most significant bits; unsigned.
public func concatenate(_ parts: [Signal]) -> Signal {
  guard !parts.isEmpty else { return .invalid("concatenate needs at least one part") }
  for part in parts {
    if let problem = part.checkedUnary("concatenate") { return problem }
  }
  if parts.count == 1 { return parts[0].asUnsigned }
  return Signal(Node(.concatenate, parts.map(\.node), width: parts.map(\.width).reduce(0, +), signed: false))
}

/// The parts side by side, the first one in the most significant bits; unsigned.
public func concatenate(_ parts: Signal...) -> Signal { concatenate(parts) }

/// A two-way multiplexer: `whenTrue` if `condition` (a `UInt<1>`) is 1, else `whenFalse`; the
/// two must have the same type (a literal takes the other's).
public func mux(
  _ condition: Signal, _ whenTrue: Signal, _ whenFalse: Signal, file: StaticString = #fileID, line: UInt = #line
) -> Signal {
  let location = SourceLocation(file, line)
  if condition.isInvalid { return condition }
  guard condition.width == 1, !condition.isSigned else {
    return .invalid("mux needs a UInt<1> condition, not \(condition)", at: location)
  }
  return Signal.combine("mux", whenTrue, whenFalse) { a, b in
    guard a.width == b.width, a.isSigned == b.isSigned else {
      return .invalid("mux needs two values of the same type: \(a) and \(b)", at: location)
    }
    return Signal(Node(.mux, [condition.node, a.node, b.node], width: a.width, signed: a.isSigned))
  }
}
