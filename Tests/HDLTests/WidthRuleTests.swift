import Testing

@testable import HDL

/// A module with the usual operands: `a_i` UInt<8>, `b_i` UInt<7>, `s_i` SInt<8>, `t_i` SInt<5>,
/// `c_i` and `d_i` UInt<1>.
struct Operands {
  let m: ModuleBuilder
  let a: Signal
  let b: Signal
  let s: Signal
  let t: Signal
  let c: Signal
  let d: Signal

  init(_ name: String = "rules") {
    m = ModuleBuilder(name)
    a = m.input("a_i", width: 8)
    b = m.input("b_i", width: 7)
    s = m.input("s_i", width: 8, signed: true)
    t = m.input("t_i", width: 5, signed: true)
    c = m.input("c_i", width: 1)
    d = m.input("d_i", width: 1)
  }

  /// Drives output `y_o` with `value`, builds, and returns the output's type as written in
  /// messages (`UInt<9>`).
  func builtType(_ value: Signal, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
    #expect(!value.isInvalid, "\(value)", sourceLocation: sourceLocation)
    m.output("y_o", value)
    let module = try m.build()
    let port = try #require(module.port("y_o"), sourceLocation: sourceLocation)
    return Signal.typeName(width: port.width, signed: port.isSigned)
  }
}

/// One binary operator and its rule.
struct BinaryRule: Sendable, CustomTestStringConvertible {
  let symbol: String
  let apply: @Sendable (Signal, Signal) -> Signal
  /// The result type for operands of the given widths and signedness; nil when the rule
  /// rejects them.
  let result: @Sendable (_ a: (Int, Bool), _ b: (Int, Bool)) -> (Int, Bool)?
  /// What the error message says the rule needs.
  let requirement: String

  var testDescription: String { "'\(symbol)'" }

  static func sameType(_ symbol: String, _ apply: @escaping @Sendable (Signal, Signal) -> Signal) -> BinaryRule {
    BinaryRule(
      symbol: symbol, apply: apply, result: { a, b in a == b ? a : nil },
      requirement: "operands of equal width and signedness")
  }

  static func wrapping(_ symbol: String, _ apply: @escaping @Sendable (Signal, Signal) -> Signal) -> BinaryRule {
    BinaryRule(
      symbol: symbol, apply: apply, result: { a, b in a == b ? a : nil }, requirement: "operands of equal")
  }

  static func growing(_ symbol: String, _ apply: @escaping @Sendable (Signal, Signal) -> Signal) -> BinaryRule {
    BinaryRule(
      symbol: symbol, apply: apply, result: { a, b in a.1 == b.1 ? (max(a.0, b.0) + 1, a.1) : nil },
      requirement: "operands of equal signedness")
  }

  static func comparison(_ symbol: String, _ apply: @escaping @Sendable (Signal, Signal) -> Signal) -> BinaryRule {
    BinaryRule(
      symbol: symbol, apply: apply, result: { a, b in a.1 == b.1 ? (1, false) : nil },
      requirement: "operands of equal signedness")
  }

  static let all: [BinaryRule] = [
    .sameType("&") { $0 & $1 }, .sameType("|") { $0 | $1 }, .sameType("^") { $0 ^ $1 },
    BinaryRule(
      symbol: "&&", apply: { $0 && $1 }, result: { a, b in a == (1, false) && b == (1, false) ? (1, false) : nil },
      requirement: "two UInt<1> operands"),
    BinaryRule(
      symbol: "||", apply: { $0 || $1 }, result: { a, b in a == (1, false) && b == (1, false) ? (1, false) : nil },
      requirement: "two UInt<1> operands"),
    .growing("+") { $0 + $1 }, .growing("-") { $0 - $1 },
    .wrapping("&+") { $0 &+ $1 }, .wrapping("&-") { $0 &- $1 },
    BinaryRule(
      symbol: "*", apply: { $0 * $1 }, result: { a, b in a.1 == b.1 ? (a.0 + b.0, a.1) : nil },
      requirement: "operands of equal signedness"),
    .comparison("==") { $0 == $1 }, .comparison("!=") { $0 != $1 }, .comparison("<") { $0 < $1 },
    .comparison("<=") { $0 <= $1 }, .comparison(">") { $0 > $1 }, .comparison(">=") { $0 >= $1 },
  ]
}

@Suite("Width rules")
struct WidthRuleTests {
  /// Operand types to try every binary operator on.
  static let typePairs: [((Int, Bool), (Int, Bool))] = [
    ((8, false), (8, false)), ((8, false), (7, false)), ((3, false), (12, false)), ((8, true), (8, true)),
    ((5, true), (8, true)), ((1, false), (1, false)), ((1, true), (1, true)), ((8, false), (8, true)),
    ((7, true), (8, false)), ((1, false), (2, false)), ((70, false), (130, false)), ((1, true), (1, false)),
  ]

  @Test("binary operators: result types and rejected operands", arguments: BinaryRule.all)
  func binaryOperator(_ rule: BinaryRule) throws {
    for (x, y) in Self.typePairs {
      let m = ModuleBuilder("binary")
      let a = m.input("a_i", width: x.0, signed: x.1)
      let b = m.input("b_i", width: y.0, signed: y.1)
      let line = #line + 1
      m.output("y_o", rule.apply(a, b))
      if let (width, signed) = rule.result(x, y) {
        let module = try m.build()
        let port = try #require(module.port("y_o"))
        #expect(
          port.width == width && port.isSigned == signed,
          "\(rule.symbol) on \(a.typeName) and \(b.typeName): got \(Signal.typeName(width: port.width, signed: port.isSigned))"
        )
      } else {
        expectError(
          m, line: line,
          [
            "'\(rule.symbol)' needs \(rule.requirement)", "'a_i' (\(a.typeName))", "'b_i' (\(b.typeName))",
          ])
      }
    }
  }

  @Test func bitwiseNamesBothOperandsAndTheLine() {
    let o = Operands()
    let line = #line + 1
    o.m.output("y_o", o.a & o.b)
    let diagnostic = expectError(o.m, line: line, ["'a_i' (UInt<8>)", "'b_i' (UInt<7>)"])
    #expect(
      diagnostic?.description
        == "HDLTests/WidthRuleTests.swift:\(line): error: module rules: 'y_o': '&' needs operands of equal width and signedness: 'a_i' (UInt<8>) and 'b_i' (UInt<7>)"
    )
  }

  @Test func aMistakeDeepInAnExpressionIsReportedByTheStatementThatUsesIt() {
    let o = Operands()
    let inner = (o.a ^ o.s) &+ o.a  // the mistake is made here ...
    let line = #line + 1
    let w = o.m.wire("w", inner)  // ... and reported here
    o.m.output("y_o", w)
    expectError(o.m, line: line, ["'w'", "'^'", "'a_i' (UInt<8>)", "'s_i' (SInt<8>)"])
  }

  @Test func bitwiseNot() throws {
    let o = Operands()
    #expect((~o.s).typeName == "SInt<8>")
    #expect((~o.c).typeName == "UInt<1>")
    #expect(try o.builtType(~o.a) == "UInt<8>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", ~Signal(integerLiteral: 5))
    expectError(p.m, line: line, ["'~' needs a sized operand, not literal 5"])
  }

  @Test func logicalNot() throws {
    let o = Operands()
    #expect(try o.builtType(!o.c) == "UInt<1>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", !p.a)
    expectError(p.m, line: line, ["'!' needs a UInt<1>, not 'a_i' (UInt<8>)"])
    let q = Operands()
    let signedLine = #line + 1
    q.m.output("y_o", !q.s[0].asSigned)
    expectError(q.m, line: signedLine, ["'!' needs a UInt<1>", "SInt<1>"])
  }

  @Test func fullPrecisionAdditionAndSubtraction() throws {
    let o = Operands()
    #expect((o.a + o.b).typeName == "UInt<9>")
    #expect((o.b + o.a).typeName == "UInt<9>")
    #expect((o.s - o.t).typeName == "SInt<9>")
    #expect((o.t - o.t).typeName == "SInt<6>")
    #expect((o.c + o.d).typeName == "UInt<2>")
    #expect(try o.builtType(o.a - o.b) == "UInt<9>")
  }

  @Test func wrappingAdditionAndSubtraction() throws {
    let o = Operands()
    #expect((o.a &+ o.a).typeName == "UInt<8>")
    #expect((o.s &- o.s).typeName == "SInt<8>")
    #expect(try o.builtType(o.a &- o.a) == "UInt<8>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.s &+ p.t)
    expectError(p.m, line: line, ["'&+' needs operands of equal width", "'s_i' (SInt<8>)", "'t_i' (SInt<5>)"])
  }

  @Test func multiplication() throws {
    let o = Operands()
    #expect((o.a * o.b).typeName == "UInt<15>")
    #expect((o.s * o.t).typeName == "SInt<13>")
    #expect((o.c * o.c).typeName == "UInt<2>")
    #expect(try o.builtType(o.s * o.s) == "SInt<16>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.a * p.t)
    expectError(p.m, line: line, ["'*' needs operands of equal signedness", "'a_i' (UInt<8>)", "'t_i' (SInt<5>)"])
  }

  @Test func negation() throws {
    let o = Operands()
    #expect((-o.t).typeName == "SInt<6>")
    #expect(try o.builtType(-o.s) == "SInt<9>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", -p.a)
    expectError(p.m, line: line, ["'-' (negation) needs a signed operand, not 'a_i' (UInt<8>)", "asSigned"])
    let q = Operands()
    let literalLine = #line + 1
    q.m.output("y_o", -Signal(integerLiteral: 3))
    expectError(q.m, line: literalLine, ["'-' needs a sized operand, not literal 3"])
  }

  @Test func shiftLeftByAConstant() throws {
    let o = Operands()
    #expect((o.a << 3).typeName == "UInt<11>")
    #expect((o.t << 4).typeName == "SInt<9>")
    #expect((o.a << 0).typeName == "UInt<8>")
    #expect(try o.builtType(o.s << 1) == "SInt<9>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.a << -1)
    expectError(p.m, line: line, ["'<<' needs a non-negative amount, not -1"])
  }

  @Test func shiftRightByAConstant() throws {
    let o = Operands()
    #expect((o.a >> 3).typeName == "UInt<5>")
    #expect((o.s >> 7).typeName == "SInt<1>")
    #expect((o.t >> 0).typeName == "SInt<5>")
    #expect(try o.builtType(o.s >> 2) == "SInt<6>")
    for amount in [8, -1] {
      let p = Operands()
      let line = #line + 1
      p.m.output("y_o", p.a >> amount)
      expectError(p.m, line: line, ["'>>' by \(amount) needs 0 <= amount < the width of 'a_i' (UInt<8>)"])
    }
  }

  @Test func shiftLeftByASignal() throws {
    let o = Operands()
    #expect(o.a.shiftedLeft(by: o.b, width: 8).typeName == "UInt<8>")
    #expect(o.t.shiftedLeft(by: o.c, width: 20).typeName == "SInt<20>")
    #expect(try o.builtType(o.s.shiftedLeft(by: o.a, width: 12)) == "SInt<12>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.a.shiftedLeft(by: p.s, width: 8))
    expectError(p.m, line: line, ["a shift amount must be unsigned, not 's_i' (SInt<8>)"])
    let q = Operands()
    let narrowLine = #line + 1
    q.m.output("y_o", q.a.shiftedLeft(by: q.b, width: 7))
    expectError(
      q.m, line: narrowLine, ["shiftedLeft(by:width:) needs width >= 8 (the width of 'a_i' (UInt<8>)), not 7"])
  }

  @Test func shiftRightByASignal() throws {
    let o = Operands()
    #expect(o.a.shiftedRight(by: o.b).typeName == "UInt<8>")
    #expect(try o.builtType(o.t.shiftedRight(by: o.a)) == "SInt<5>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.s.shiftedRight(by: p.t))
    expectError(p.m, line: line, ["a shift amount must be unsigned, not 't_i' (SInt<5>)"])
  }

  @Test func comparisonsOfDifferentWidths() throws {
    let o = Operands()
    for compared in [o.a == o.b, o.a != o.b, o.a < o.b, o.a <= o.b, o.a > o.b, o.a >= o.b, o.s < o.t, o.t >= o.s] {
      #expect(compared.typeName == "UInt<1>")
      #expect(compared.node.constantValue == nil)
    }
  }

  /// A comparison decided by the operands' ranges is a constant, not a comparator.
  @Test func comparisonsTheRangeDecidesAreConstants() {
    let o = Operands()
    func folded(_ signal: Signal) -> Int? {
      #expect(signal.typeName == "UInt<1>")
      return signal.node.constantValue.flatMap(\.unsignedValue)
    }
    // Unsigned against the ends of 0...255.
    #expect(folded(o.a >= 0) == 1)
    #expect(folded(o.a < 0) == 0)
    #expect(folded(o.a <= 255) == 1)
    #expect(folded(o.a > 255) == 0)
    #expect(folded(0 <= o.a) == 1)
    #expect(folded(255 < o.a) == 0)
    // Beyond the range (a wider constant).
    let big = Signal.constant(300, width: 9)
    #expect(folded(o.a == big) == 0)
    #expect(folded(o.a != big) == 1)
    #expect(folded(o.a < big) == 1)
    #expect(folded(big <= o.a) == 0)
    // Signed against the ends of -128...127.
    #expect(folded(o.s >= -128) == 1)
    #expect(folded(o.s < -128) == 0)
    #expect(folded(o.s <= 127) == 1)
    #expect(folded(o.s > 127) == 0)
    // Two constants.
    #expect(folded(Signal.constant(3, width: 4) < Signal.constant(5, width: 4)) == 1)
    #expect(folded(Signal.constant(-3, width: 4, signed: true) > Signal.constant(2, width: 3, signed: true)) == 0)
    #expect(folded(Signal.constant(5, width: 4) == Signal.constant(5, width: 7)) == 1)
    // Not decided: a real comparator.
    for open in [o.a >= 1, o.a == 0, o.a < 255, o.s > -128, o.s == -1, o.c != 0] {
      #expect(folded(open) == nil)
      #expect(open.node.constantValue == nil)
    }
  }

  @Test func bitSubscript() throws {
    let o = Operands()
    #expect(o.s[7].typeName == "UInt<1>")
    #expect(o.c[0].typeName == "UInt<1>")
    #expect(try o.builtType(o.a[3]) == "UInt<1>")
    for index in [8, -1] {
      let p = Operands()
      let line = #line + 1
      p.m.output("y_o", p.a[index])
      expectError(p.m, line: line, ["bit \(index) is outside 'a_i' (UInt<8>)"])
    }
  }

  @Test func rangeSubscript() throws {
    let o = Operands()
    #expect(o.a[2...5].typeName == "UInt<4>")
    #expect(o.s[0...7].typeName == "UInt<8>")
    #expect(o.t[4...4].typeName == "UInt<1>")
    #expect(try o.builtType(o.s[1...6]) == "UInt<6>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.b[5...7])
    expectError(p.m, line: line, ["bits 5...7 are outside 'b_i' (UInt<7>)"])
  }

  @Test func replication() throws {
    let o = Operands()
    #expect(o.b.replicated(3).typeName == "UInt<21>")
    #expect(o.t.replicated(1).typeName == "UInt<5>")
    #expect(try o.builtType(o.c.replicated(8)) == "UInt<8>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.a.replicated(0))
    expectError(p.m, line: line, ["replicated(0) needs a count of at least 1"])
  }

  @Test func reductions() throws {
    let o = Operands()
    for reduced in [o.a.andReduced(), o.s.orReduced(), o.t.xorReduced(), o.c.andReduced(), o.s[0].asSigned.orReduced()]
    {
      #expect(reduced.typeName == "UInt<1>")
    }
    #expect(try o.builtType(o.s.xorReduced()) == "UInt<1>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", Signal(integerLiteral: 6).orReduced())
    expectError(p.m, line: line, ["'orReduced' needs a sized operand, not literal 6"])
  }

  @Test func concatenation() throws {
    let o = Operands()
    #expect(concatenate(o.a, o.s, o.c).typeName == "UInt<17>")
    #expect(concatenate([o.t]).typeName == "UInt<5>")
    #expect(try o.builtType(concatenate(o.t, o.t)) == "UInt<10>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", concatenate(p.a, 3))
    expectError(p.m, line: line, ["'concatenate' needs a sized operand, not literal 3"])
    let q = Operands()
    let emptyLine = #line + 1
    q.m.output("y_o", concatenate([]))
    expectError(q.m, line: emptyLine, ["concatenate needs at least one part"])
  }

  @Test func multiplexer() throws {
    let o = Operands()
    #expect(mux(o.c, o.s, o.s).typeName == "SInt<8>")
    #expect(mux(o.c, o.a, 3).typeName == "UInt<8>")
    #expect(mux(o.c, -1, o.t).typeName == "SInt<5>")
    #expect(try o.builtType(mux(o.d, o.b, o.b)) == "UInt<7>")
  }

  /// A mux mismatch carries the mux's own line, and is reported at the statement's.
  @Test func multiplexerMismatchCarriesItsOwnLocation() {
    let o = Operands()
    let muxLine = #line + 1
    let selected = mux(o.c, o.a, o.b)
    let line = #line + 1
    o.m.output("y_o", selected)
    expectError(
      o.m, line: line,
      [
        "mux needs two values of the same type: 'a_i' (UInt<8>) and 'b_i' (UInt<7>)",
        "(at HDLTests/WidthRuleTests.swift:\(muxLine))",
      ])
    let p = Operands()
    let conditionLine = #line + 1
    let badCondition = mux(p.a, p.b, p.b)
    let statementLine = #line + 1
    p.m.output("y_o", badCondition)
    expectError(
      p.m, line: statementLine,
      ["mux needs a UInt<1> condition, not 'a_i' (UInt<8>)", "(at HDLTests/WidthRuleTests.swift:\(conditionLine))"])
    let q = Operands()
    let literalsLine = #line + 1
    q.m.output("y_o", mux(q.c, 1, 2))
    expectError(q.m, line: literalsLine, ["cannot infer a width for 'mux' between two literals"])
  }

  @Test func extensionToAWiderWidth() throws {
    let o = Operands()
    #expect(o.a.extended(to: 12).typeName == "UInt<12>")
    #expect(o.t.extended(to: 9).typeName == "SInt<9>")
    #expect(o.t.extended(to: 5).typeName == "SInt<5>")
    #expect(try o.builtType(o.s.extended(to: 100)) == "SInt<100>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.a.extended(to: 7))
    expectError(p.m, line: line, ["extended(to: 7) cannot narrow 'a_i' (UInt<8>); use truncated(to:)"])
  }

  @Test func truncation() throws {
    let o = Operands()
    #expect(o.a.truncated(to: 3).typeName == "UInt<3>")
    #expect(o.s.truncated(to: 5).typeName == "SInt<5>")
    #expect(o.s.truncated(to: 8).typeName == "SInt<8>")
    #expect(try o.builtType(o.t.truncated(to: 1)) == "SInt<1>")
    for width in [0, 9] {
      let p = Operands()
      let line = #line + 1
      p.m.output("y_o", p.a.truncated(to: width))
      expectError(p.m, line: line, ["truncated(to: \(width)) needs 1 <= width <= the width of 'a_i' (UInt<8>)"])
    }
  }

  @Test func reinterpretation() throws {
    let o = Operands()
    #expect(o.a.asSigned.typeName == "SInt<8>")
    #expect(o.a.asUnsigned.typeName == "UInt<8>")
    #expect(o.t.asUnsigned.typeName == "UInt<5>")
    #expect(o.t.asSigned.typeName == "SInt<5>")
    #expect(try o.builtType(o.b.asSigned) == "SInt<7>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", Signal(integerLiteral: 2).asSigned)
    expectError(p.m, line: line, ["'asSigned' needs a sized operand, not literal 2"])
  }

  @Test func unsizedLiteralsTakeTheOtherOperandsType() throws {
    let o = Operands()
    #expect((o.a & 0x0F).typeName == "UInt<8>")
    #expect((0x0F | o.b).typeName == "UInt<7>")
    #expect((o.s + -1).typeName == "SInt<9>")
    #expect((o.t &- 15).typeName == "SInt<5>")
    #expect((o.a * 3).typeName == "UInt<16>")
    #expect((o.s == -128).typeName == "UInt<1>")
    #expect((o.c && 1).typeName == "UInt<1>")
    let literal: Signal = 42
    #expect(literal.width == 0)
    #expect(!literal.isSigned)
    #expect(Signal(integerLiteral: -1).isSigned)
    #expect(try o.builtType(o.a &+ 1) == "UInt<8>")
  }

  @Test(arguments: [
    ("a_i", 256, "literal 256 does not fit UInt<8>"), ("a_i", -1, "literal -1 does not fit UInt<8>"),
    ("t_i", 16, "literal 16 does not fit SInt<5>"), ("t_i", -17, "literal -17 does not fit SInt<5>"),
  ])
  func aLiteralThatDoesNotFit(_ operand: String, _ literal: Int, _ message: String) {
    let o = Operands()
    let value = operand == "a_i" ? o.a : o.t
    let line = #line + 1
    o.m.output("y_o", value &+ Signal(integerLiteral: literal))
    expectError(o.m, line: line, [message])
  }

  /// `Int` values computed by the generator act as literals: they take the signal's type.
  @Test func integersComputedAtElaborationTime() throws {
    let o = Operands()
    let k: Int = 3  // a value, not a literal
    #expect((o.a + k).typeName == "UInt<9>")
    #expect((o.a - k).typeName == "UInt<9>")
    #expect((o.a &+ k).typeName == "UInt<8>")
    #expect((o.a &- k).typeName == "UInt<8>")
    for compared in [o.a == k, o.a != k, o.a < k, o.a <= k, o.a > k, o.a >= k] {
      #expect(compared.typeName == "UInt<1>")
    }
    let minus: Int = -5
    #expect((o.t + minus).typeName == "SInt<6>")
    #expect((o.t &- minus).typeName == "SInt<5>")
    do {
      let p = Operands()
      let big: Int = 300
      let line = #line + 1
      p.m.output("y_o", p.a &+ big)
      expectError(p.m, line: line, ["literal \(big) does not fit UInt<8>"])
    }
    // And they mean what they say.
    let q = Operands()
    let seven: Int = 7
    q.m.output("sum_o", q.a + seven)
    q.m.output("wrapped_o", q.a &- seven)
    q.m.output("less_o", q.s < -seven)
    let simulator = Simulator(try q.m.build())
    simulator.set("a_i", 250)
    simulator.set("s_i", -8)
    simulator.evaluate()
    #expect(simulator.value("sum_o") == 257)
    #expect(simulator.value("wrapped_o") == 243)
    #expect(simulator.value("less_o") == 1)
  }

  @Test func twoLiteralsHaveNoWidth() {
    let o = Operands()
    let line = #line + 1
    o.m.output("y_o", o.a &+ (Signal(integerLiteral: 1) + 2))
    expectError(o.m, line: line, ["cannot infer a width for '+' between two literals"])
  }

  @Test func aLiteralTakesTheAssignmentTargetsType() throws {
    let o = Operands()
    let y = o.m.output("y_o", width: 6, signed: true)
    o.m.assign(y, -32)
    #expect(try o.m.build().port("y_o")?.width == 6)
    let p = Operands()
    let z = p.m.output("y_o", width: 6, signed: true)
    let line = #line + 1
    p.m.assign(z, 32)
    expectError(p.m, line: line, ["assign to 'y_o'", "literal 32 does not fit SInt<6>"])
    // A declaration driven by a bare literal has no type to take.
    let q = Operands()
    let bareLine = #line + 1
    q.m.output("y_o", 5)
    expectError(q.m, line: bareLine, ["'y_o' needs a sized operand, not literal 5"])
  }

  @Test func sizedConstants() throws {
    #expect(Signal.constant(5, width: 3).typeName == "UInt<3>")
    #expect(Signal.constant(-4, width: 3, signed: true).typeName == "SInt<3>")
    #expect(Signal.constant(-128, width: 8, signed: true).node.constantValue == BitVector(0x80, width: 8))
    #expect(Signal.constant(bits: BitVector(width: 100, words: [1, 2]), signed: true).typeName == "SInt<100>")
    #expect(Signal.constant(3, width: 2).description == "constant 3 (UInt<2>)")
    #expect(Signal.constant(-2, width: 2, signed: true).description == "constant -2 (SInt<2>)")
    let cases: [(Signal, String)] = [
      (.constant(8, width: 3), "constant 8 does not fit UInt<3>"),
      (.constant(-1, width: 3), "constant -1 does not fit UInt<3>"),
      (.constant(4, width: 3, signed: true), "constant 4 does not fit SInt<3>"),
      (.constant(-5, width: 3, signed: true), "constant -5 does not fit SInt<3>"),
      (.constant(0, width: 0), "a constant needs a width of at least 1, not 0"),
    ]
    for (constant, message) in cases {
      let m = ModuleBuilder("constants")
      let line = #line + 1
      m.output("y_o", constant)
      expectError(m, line: line, [message])
    }
  }

  @Test func lookupTables() throws {
    let o = Operands()
    let table = o.m.lookup("squares", index: o.b[0...1], values: [0, 1, 4, 9], width: 4)
    #expect(table.typeName == "UInt<4>")
    let signedTable = o.m.lookup("offsets", index: o.c, values: [-3], width: 3, signed: true, fallback: 3)
    #expect(signedTable.typeName == "SInt<3>")
    #expect(try o.builtType(table.extended(to: 5) &+ signedTable.asUnsigned.extended(to: 5)) == "UInt<5>")
  }

  @Test func lookupTableErrors() {
    // Each case makes a table on one line and gives that line.
    let cases: [(message: String, make: (Operands) -> (Signal, Int))] = [
      (
        "the index must be unsigned, not 's_i' (SInt<8>)",
        { o in (o.m.lookup("lut", index: o.s, values: [1, 2], width: 4), #line) }
      ),
      (
        "5 entries cannot be indexed by 'c_i' (UInt<1>)",
        { o in (o.m.lookup("lut", index: o.c, values: [1, 2, 3, 4, 5], width: 4), #line) }
      ),
      (
        "entry 1, 16, does not fit UInt<4>", { o in (o.m.lookup("lut", index: o.c, values: [1, 16], width: 4), #line) }
      ),
      (
        "the fallback, -1, does not fit UInt<4>",
        { o in (o.m.lookup("lut", index: o.c, values: [1, 2], width: 4, fallback: -1), #line) }
      ),
      (
        "entry 0, 8, does not fit SInt<4>",
        { o in (o.m.lookup("lut", index: o.c, values: [8], width: 4, signed: true), #line) }
      ),
      (
        "'lookup' needs a sized operand, not literal 3",
        { o in (o.m.lookup("lut", index: 3, values: [8], width: 4), #line) }
      ),
    ]
    for (message, make) in cases {
      let o = Operands()
      let (table, line) = make(o)
      o.m.output("y_o", table)
      expectError(o.m, line: line, ["table 'lut': ", message])
    }
  }

  @Test func selections() throws {
    let o = Operands()
    let selected = o.m.select("chosen", on: o.b[0...2], cases: [(0, o.a), (5, 7)], fallback: 255)
    #expect(selected.typeName == "UInt<8>")
    #expect(try o.builtType(selected) == "UInt<8>")
    let p = Operands()
    let signedSelector = p.m.select("chosen", on: p.t, cases: [(-16, p.s), (15, -1)], fallback: p.s)
    #expect(signedSelector.typeName == "SInt<8>")
  }

  @Test func selectionErrors() {
    let cases: [(message: String, make: (Operands) -> (Signal, Int))] = [
      (
        "label 8 does not fit an expression of type UInt<3>",
        { o in (o.m.select("chosen", on: o.b[0...2], cases: [(8, o.a)], fallback: o.a), #line) }
      ),
      (
        "label -1 does not fit 'c_i' (UInt<1>)",
        { o in (o.m.select("chosen", on: o.c, cases: [(-1, o.a)], fallback: o.a), #line) }
      ),
      (
        "label 3 appears twice",
        { o in (o.m.select("chosen", on: o.b, cases: [(3, o.a), (3, o.a)], fallback: o.a), #line) }
      ),
      (
        "every value must have one type: 'a_i' (UInt<8>) and 'b_i' (UInt<7>)",
        { o in (o.m.select("chosen", on: o.b, cases: [(1, o.a)], fallback: o.b), #line) }
      ),
      (
        "cannot infer a width from literals alone",
        { o in (o.m.select("chosen", on: o.b, cases: [(1, 1)], fallback: 2), #line) }
      ),
      (
        "literal 300 does not fit UInt<8>",
        { o in (o.m.select("chosen", on: o.b, cases: [(1, o.a)], fallback: 300), #line) }
      ),
    ]
    for (message, make) in cases {
      let o = Operands()
      let (selected, line) = make(o)
      o.m.output("y_o", selected)
      expectError(o.m, line: line, ["case 'chosen': ", message])
    }
  }

  @Test func prioritySelections() throws {
    let o = Operands()
    let chosen = o.m.priority("first", [(o.c, o.t), (o.d, -2)], fallback: 0)
    #expect(chosen.typeName == "SInt<5>")
    #expect(try o.builtType(chosen) == "SInt<5>")
    let p = Operands()
    let line = #line + 1
    p.m.output("y_o", p.m.priority("first", [(p.a, p.b)], fallback: p.b))
    expectError(p.m, line: line, ["priority 'first': conditions must be UInt<1>, not 'a_i' (UInt<8>)"])
    let q = Operands()
    let mismatchLine = #line + 1
    q.m.output("y_o", q.m.priority("first", [(q.c, q.s)], fallback: q.t))
    expectError(
      q.m, line: mismatchLine, ["priority 'first': every value must have one type: 's_i' (SInt<8>) and 't_i' (SInt<5>)"]
    )
  }

  @Test func assignmentsMustMatchTheTargetsType() {
    let o = Operands()
    let y = o.m.output("y_o", width: 8)
    let line = #line + 1
    o.m.assign(y, o.b)
    expectError(
      o.m, line: line, ["assign to 'y_o': 'y_o' is UInt<8> but the value is 'b_i' (UInt<7>)", "convert explicitly"])
    let p = Operands()
    let z = p.m.output("y_o", width: 8)
    let signLine = #line + 1
    p.m.assign(z, p.s)
    expectError(p.m, line: signLine, ["'y_o' is UInt<8> but the value is 's_i' (SInt<8>)"])
    let q = Operands()
    let r = q.m.register("r_q", width: 5, signed: true)
    q.m.output("y_o", r)
    let nextLine = #line + 1
    q.m.assignNext(r, q.s)
    expectError(q.m, line: nextLine, ["next value of 'r_q': 'r_q' is SInt<5> but the value is 's_i' (SInt<8>)"])
  }
}
