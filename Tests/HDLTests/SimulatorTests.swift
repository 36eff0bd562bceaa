import Testing

@testable import HDL

/// The low `width` bits of `value`'s two's complement, as the simulator stores them.
func pattern(_ value: Int, width: Int) -> UInt64 {
  UInt64(bitPattern: Int64(value)) & (width >= 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1)
}

/// The integer a `width`-bit pattern means, signed or not.
func meaning(_ bits: UInt64, width: Int, signed: Bool) -> Int {
  let shift = UInt64(64 - width)
  return signed ? Int(Int64(bitPattern: bits << shift) >> Int64(shift)) : Int(bits)
}

/// Operand types for the arithmetic check: (width of a and c, width of b, signed).
struct OperandShape: Sendable, CustomTestStringConvertible {
  let wa: Int
  let wb: Int
  let signed: Bool
  var testDescription: String { "\(signed ? "SInt" : "UInt")<\(wa)> and <\(wb)>" }
}

@Suite("Simulator semantics")
struct SimulatorTests {
  static let shapes: [OperandShape] = [
    .init(wa: 4, wb: 4, signed: false), .init(wa: 4, wb: 4, signed: true), .init(wa: 5, wb: 3, signed: true),
    .init(wa: 3, wb: 9, signed: false), .init(wa: 1, wb: 1, signed: true), .init(wa: 1, wb: 2, signed: false),
    .init(wa: 8, wb: 8, signed: true), .init(wa: 13, wb: 7, signed: false), .init(wa: 24, wb: 30, signed: true),
  ]

  /// Every operator on random values, against plain Swift integer arithmetic.
  @Test(arguments: shapes)
  func everyOperatorAgainstSwiftIntegers(_ shape: OperandShape) throws {
    let (wa, wb, signed) = (shape.wa, shape.wb, shape.signed)
    let m = ModuleBuilder("ops")
    let a = m.input("a_i", width: wa, signed: signed)
    let b = m.input("b_i", width: wb, signed: signed)
    let c = m.input("c_i", width: wa, signed: signed)
    let n = m.input("n_i", width: 4)
    let k = m.input("k_i", width: 1)
    let truncatedWidth = max(1, wa - 1)
    // (name, signal, expected from A, B, C, N, K)
    var checks: [(String, Signal, (Int, Int, Int, Int, Int) -> Int)] = [
      ("and", a & c, { x, _, z, _, _ in x & z }),
      ("or", a | c, { x, _, z, _, _ in x | z }),
      ("xor", a ^ c, { x, _, z, _, _ in x ^ z }),
      ("not", ~a, { x, _, _, _, _ in ~x }),
      ("add", a + b, { x, y, _, _, _ in x + y }),
      ("subtract", a - b, { x, y, _, _, _ in x - y }),
      ("wrapping_add", a &+ c, { x, _, z, _, _ in x + z }),
      ("wrapping_subtract", a &- c, { x, _, z, _, _ in x - z }),
      ("multiply", a * b, { x, y, _, _, _ in x * y }),
      ("shift_left", a << 3, { x, _, _, _, _ in x * 8 }),
      ("shift_left_by", a.shiftedLeft(by: n, width: wa + 5), { x, _, _, s, _ in x << s }),
      ("shift_right_by", a.shiftedRight(by: n), { x, _, _, s, _ in x >> s }),
      ("equal", a == b, { x, y, _, _, _ in x == y ? 1 : 0 }),
      ("not_equal", a != b, { x, y, _, _, _ in x != y ? 1 : 0 }),
      ("less", a < b, { x, y, _, _, _ in x < y ? 1 : 0 }),
      ("less_or_equal", a <= b, { x, y, _, _, _ in x <= y ? 1 : 0 }),
      ("greater", a > b, { x, y, _, _, _ in x > y ? 1 : 0 }),
      ("greater_or_equal", a >= b, { x, y, _, _, _ in x >= y ? 1 : 0 }),
      ("top_bit", a[wa - 1], { x, _, _, _, _ in (x >> (wa - 1)) & 1 }),
      ("low_bits", a[0...(truncatedWidth - 1)], { x, _, _, _, _ in x }),
      ("replicated", a.replicated(2), { x, _, _, _, _ in Int(pattern(x, width: wa)) * ((1 << wa) + 1) }),
      ("and_reduced", a.andReduced(), { x, _, _, _, _ in pattern(x, width: wa) == pattern(-1, width: wa) ? 1 : 0 }),
      ("or_reduced", a.orReduced(), { x, _, _, _, _ in x != 0 ? 1 : 0 }),
      ("xor_reduced", a.xorReduced(), { x, _, _, _, _ in pattern(x, width: wa).nonzeroBitCount % 2 }),
      (
        "concatenated", concatenate(a, b),
        { x, y, _, _, _ in Int(pattern(x, width: wa)) << wb | Int(pattern(y, width: wb)) }
      ),
      ("selected", mux(k, a, c), { x, _, z, _, q in q == 1 ? x : z }),
      ("extended", a.extended(to: wa + 6), { x, _, _, _, _ in x }),
      ("truncated", a.truncated(to: truncatedWidth), { x, _, _, _, _ in x }),
      ("reinterpreted", signed ? a.asUnsigned : a.asSigned, { x, _, _, _, _ in x }),
    ]
    if signed {
      checks.append(("negated", -a, { x, _, _, _, _ in -x }))
    }
    if wa > 2 {
      checks.append(("shift_right", a >> 2, { x, _, _, _, _ in x >> 2 }))
    }
    for (name, signal, _) in checks { m.output("\(name)_o", signal) }
    let module = try m.build()
    let simulator = Simulator(module)
    var random = SplitMix(seed: UInt64(wa * 1000 + wb * 10 + (signed ? 1 : 0)))
    for _ in 0..<300 {
      let inputs = [wa, wb, wa, 4, 1].map { random.bits($0).low64 }
      for (port, bits) in zip(["a_i", "b_i", "c_i", "n_i", "k_i"], inputs) {
        simulator.set(port, BitVector(bits, width: 64))
      }
      simulator.evaluate()
      let x = meaning(inputs[0], width: wa, signed: signed)
      let y = meaning(inputs[1], width: wb, signed: signed)
      let z = meaning(inputs[2], width: wa, signed: signed)
      for (name, signal, expected) in checks {
        let value = expected(x, y, z, Int(inputs[3]), Int(inputs[4]))
        let actual = simulator.value("\(name)_o")
        #expect(
          actual == pattern(value, width: signal.width),
          "\(name) of a=\(x) b=\(y) c=\(z) n=\(inputs[3]) k=\(inputs[4]): \(actual), expected \(value)")
      }
    }
  }

  @Test func shiftAmountsAtAndBeyondTheWidth() throws {
    let m = ModuleBuilder("shifts")
    let u = m.input("u_i", width: 8)
    let s = m.input("s_i", width: 8, signed: true)
    let n = m.input("n_i", width: 64)
    m.output("ul_o", u.shiftedLeft(by: n, width: 8))
    m.output("ur_o", u.shiftedRight(by: n))
    m.output("sl_o", s.shiftedLeft(by: n, width: 12))
    m.output("sr_o", s.shiftedRight(by: n))
    let simulator = Simulator(try m.build())
    simulator.set("u_i", 0xB5)
    simulator.set("s_i", -75)  // 0xB5
    for (amount, ul, ur, sl, sr) in [
      (UInt64(0), 0xB5, 0xB5, 0xFB5, 0xB5), (1, 0x6A, 0x5A, 0xF6A, 0xDA), (7, 0x80, 0x01, 0xA80, 0xFF),
      (8, 0x00, 0x00, 0x500, 0xFF), (11, 0, 0, 0x800, 0xFF), (12, 0, 0, 0, 0xFF), (63, 0, 0, 0, 0xFF),
      (64, 0, 0, 0, 0xFF), (1 << 63, 0, 0, 0, 0xFF), (~0, 0, 0, 0, 0xFF),
    ] as [(UInt64, UInt64, UInt64, UInt64, UInt64)] {
      simulator.set("n_i", BitVector(amount, width: 64))
      simulator.evaluate()
      #expect(simulator.value("ul_o") == ul, "u << \(amount)")
      #expect(simulator.value("ur_o") == ur, "u >> \(amount)")
      #expect(simulator.value("sl_o") == sl, "s << \(amount)")
      #expect(simulator.value("sr_o") == sr, "s >>> \(amount)")
    }
    // A positive signed value shifts in zeros.
    simulator.set("s_i", 0x35)
    simulator.set("n_i", 9)
    simulator.evaluate()
    #expect(simulator.value("sr_o") == 0)
  }

  @Test func aConstantShiftRightIsArithmeticForSignedValues() throws {
    let m = ModuleBuilder("shifts")
    let s = m.input("s_i", width: 8, signed: true)
    m.output("y_o", s >> 3)
    let simulator = Simulator(try m.build())
    for value in -128...127 {
      simulator.set("s_i", value)
      simulator.evaluate()
      #expect(simulator.signedValue("y_o") == Int((Double(value) / 8).rounded(.down)))
    }
  }

  @Test func foldedComparisonsKeepTheirMeaning() throws {
    let m = ModuleBuilder("folded")
    let a = m.input("a_i", width: 4)
    let s = m.input("s_i", width: 4, signed: true)
    m.output("a_ge_zero_o", a >= 0)
    m.output("a_gt_max_o", a > 15)
    m.output("s_ge_min_o", s >= -8)
    m.output("s_lt_min_o", s < -8)
    let simulator = Simulator(try m.build())
    for value in 0..<16 {
      simulator.set("a_i", value)
      simulator.set("s_i", value)
      simulator.evaluate()
      #expect(simulator.value("a_ge_zero_o") == 1)
      #expect(simulator.value("a_gt_max_o") == 0)
      #expect(simulator.value("s_ge_min_o") == 1)
      #expect(simulator.value("s_lt_min_o") == 0)
    }
  }

  // MARK: Registers

  @Test func aRegisterWithAnEnableHoldsWhileDisabled() throws {
    let m = ModuleBuilder("counter")
    let enable = m.input("enable_i", width: 1)
    let count = m.register("count_q", width: 3, reset: 0)
    m.assignNext(count, count &+ 1, enable: enable)
    m.output("count_o", count)
    let simulator = Simulator(try m.build())
    simulator.reset()
    var expected = 0
    var random = SplitMix(seed: 7)
    for _ in 0..<100 {
      #expect(simulator.value("count_o") == UInt64(expected))
      let on = random.below(2)
      simulator.set("enable_i", on)
      simulator.tick()
      if on == 1 { expected = (expected + 1) % 8 }
    }
  }

  @Test(arguments: [ResetStyle.synchronous, .asynchronous])
  func resets(_ style: ResetStyle) throws {
    let m = ModuleBuilder("resets", reset: style)
    let d = m.input("d_i", width: 4, signed: true)
    let withReset = m.register("with_reset_q", next: d, reset: -3)
    let without = m.register("without_reset_q", next: d)
    m.output("with_reset_o", withReset)
    m.output("without_reset_o", without)
    let module = try m.build()
    #expect(module.resetStyle == style)
    let simulator = Simulator(module)
    // Before any edge, registers hold zero.
    #expect(simulator.value("with_reset_o") == 0)
    simulator.set("d_i", 5)
    simulator.tick()
    #expect(simulator.signedValue("with_reset_o") == 5)
    #expect(simulator.signedValue("without_reset_o") == 5)
    // Reset falls: an asynchronous reset acts at once, a synchronous one on the next edge.
    simulator.set("d_i", 6)
    simulator.set("rst_ni", 0)
    simulator.evaluate()
    #expect(simulator.signedValue("with_reset_o") == (style == .asynchronous ? -3 : 5))
    #expect(simulator.signedValue("without_reset_o") == 5)
    simulator.tick()
    #expect(simulator.signedValue("with_reset_o") == -3)
    #expect(simulator.signedValue("without_reset_o") == 6)  // registers without a reset keep loading
    simulator.set("d_i", 7)
    simulator.tick()
    #expect(simulator.signedValue("with_reset_o") == -3)
    #expect(simulator.signedValue("without_reset_o") == 7)
    // Released: loads again on the next edge.
    simulator.set("rst_ni", 1)
    simulator.evaluate()
    #expect(simulator.signedValue("with_reset_o") == -3)
    simulator.tick()
    #expect(simulator.signedValue("with_reset_o") == 7)
    // reset() holds rst_ni low for one edge.
    simulator.reset()
    #expect(simulator.signedValue("with_reset_o") == -3)
    #expect(simulator.value("rst_ni") == 1)
  }

  /// Each module keeps its own reset style inside a hierarchy.
  @Test(arguments: [ResetStyle.synchronous, .asynchronous])
  func resetStylesMixInAHierarchy(_ topStyle: ResetStyle) throws {
    let childStyle: ResetStyle = topStyle == .synchronous ? .asynchronous : .synchronous
    let child = ModuleBuilder("child", reset: childStyle)
    child.output("y_o", child.register("r_q", next: child.input("d_i", width: 4), reset: 9))
    let leaf = try child.build()
    let top = ModuleBuilder("top", reset: topStyle)
    let d = top.input("d_i", width: 4)
    let u = top.instance("u0", of: leaf, ["d_i": d])
    top.output("child_o", u["y_o"])
    top.output("top_o", top.register("r_q", next: d, reset: 5))
    let simulator = Simulator(try top.build())
    simulator.set("d_i", 1)
    simulator.tick()
    #expect(simulator.value("child_o") == 1 && simulator.value("top_o") == 1)
    simulator.set("rst_ni", 0)
    simulator.evaluate()
    #expect(simulator.value("child_o") == (childStyle == .asynchronous ? 9 : 1))
    #expect(simulator.value("top_o") == (topStyle == .asynchronous ? 5 : 1))
    simulator.tick()
    #expect(simulator.value("child_o") == 9 && simulator.value("top_o") == 5)
  }

  @Test func aResetWinsOverADisabledEnable() throws {
    let m = ModuleBuilder("resets")
    let r = m.register("r_q", width: 4, reset: 9)
    m.assignNext(r, m.input("d_i", width: 4), enable: m.input("e_i", width: 1))
    m.output("r_o", r)
    let simulator = Simulator(try m.build())
    simulator.set("e_i", 0)
    simulator.reset()
    #expect(simulator.value("r_o") == 9)
  }

  // MARK: Hierarchy

  /// An accumulator: `sum_o` adds `x_i` on every edge.
  static func accumulator() throws -> Module {
    let m = ModuleBuilder("accumulator")
    let x = m.input("x_i", width: 8)
    let sum = m.register("sum_q", width: 8, reset: 0)
    m.assignNext(sum, sum &+ x)
    m.output("sum_o", sum)
    m.output("next_o", sum &+ x)
    return try m.build()
  }

  @Test func theSameModuleTwiceKeepsSeparateState() throws {
    let child = try Self.accumulator()
    let m = ModuleBuilder("pair")
    let x = m.input("x_i", width: 8)
    let left = m.instance("left", of: child, ["x_i": x])
    let right = m.instance("right", of: child, ["x_i": ~x])
    m.output("left_o", left["sum_o"])
    m.output("right_o", right["sum_o"])
    m.output("both_o", left["next_o"] ^ right["next_o"])
    let simulator = Simulator(try m.build())
    simulator.reset()
    var (l, r) = (0, 0)
    var random = SplitMix(seed: 3)
    for _ in 0..<50 {
      let value = random.below(256)
      simulator.set("x_i", value)
      simulator.evaluate()
      #expect(simulator.value("both_o") == UInt64(((l + value) & 255) ^ ((r + (255 - value)) & 255)))
      simulator.tick()
      l = (l + value) & 255
      r = (r + 255 - value) & 255
      #expect(simulator.value("left_o") == UInt64(l))
      #expect(simulator.value("right_o") == UInt64(r))
      #expect(simulator.value("left_sum") == UInt64(l))  // the instance output's wire in the parent
    }
  }

  @Test func instancesOfInstances() throws {
    let child = try Self.accumulator()
    let middle = ModuleBuilder("middle")
    let x = middle.input("x_i", width: 8)
    let first = middle.instance("first", of: child, ["x_i": x])
    let second = middle.instance("second", of: child, ["x_i": first["sum_o"]])
    middle.output("y_o", second["sum_o"])
    middle.output("passthrough_o", x)
    let mid = try middle.build()
    let top = ModuleBuilder("top")
    let a = top.input("a_i", width: 8)
    let u0 = top.instance("u0", of: mid, ["x_i": a])
    let u1 = top.instance("u1", of: mid, ["x_i": u0["y_o"] &+ 1])
    top.output("y_o", u1["y_o"])
    top.output("direct_o", u0["passthrough_o"])
    top.output("late_o", top.register("late_q", next: u1["y_o"]))  // an instance output as a next value
    let simulator = Simulator(try top.build())
    simulator.reset()
    // Four accumulators in a chain, each adding its input every edge.
    var sums = [0, 0, 0, 0]
    var late = 0
    var random = SplitMix(seed: 11)
    for _ in 0..<40 {
      let value = random.below(256)
      simulator.set("a_i", value)
      simulator.evaluate()
      #expect(simulator.value("direct_o") == UInt64(value))
      #expect(simulator.value("y_o") == UInt64(sums[3]))
      #expect(simulator.value("late_o") == UInt64(late))
      late = sums[3]
      let inputs = [value, sums[0], (sums[1] + 1) & 255, sums[2]]
      sums = zip(sums, inputs).map { ($0 + $1) & 255 }
      simulator.tick()
    }
  }

  @Test func anInstanceOutputNobodyReads() throws {
    let child = try Self.accumulator()
    let m = ModuleBuilder("partial")
    let u = m.instance("u0", of: child, ["x_i": m.input("x_i", width: 8)])
    m.output("sum_o", u["sum_o"])
    let simulator = Simulator(try m.build())
    simulator.reset()
    simulator.set("x_i", 5)
    simulator.tick()
    #expect(simulator.value("sum_o") == 5)
    #expect(simulator.value("u0_next") == 10)
  }

  // MARK: Tables, cases, priority

  @Test func tablesFallBackPastTheEnd() throws {
    let m = ModuleBuilder("tables")
    let index = m.input("index_i", width: 3)
    m.output("u_o", m.lookup("squares", index: index, values: [0, 1, 4, 9, 16], width: 5, fallback: 31))
    m.output("s_o", m.lookup("signs", index: index[0...1], values: [-2, 1, 0], width: 2, signed: true, fallback: -1))
    let simulator = Simulator(try m.build())
    for i in 0..<8 {
      simulator.set("index_i", i)
      simulator.evaluate()
      #expect(simulator.value("u_o") == UInt64(i < 5 ? i * i : 31))
      #expect(simulator.signedValue("s_o") == [-2, 1, 0, -1][i % 4])
    }
  }

  @Test func selectAndPriority() throws {
    let m = ModuleBuilder("cases")
    let s = m.input("s_i", width: 3, signed: true)
    let a = m.input("a_i", width: 6)
    let b = m.input("b_i", width: 6)
    let flags = m.input("flags_i", width: 3)
    m.output("case_o", m.select("picked", on: s, cases: [(-4, a), (0, b), (3, 63)], fallback: a ^ b))
    m.output(
      "first_o", m.priority("first", [(flags[2], 1), (flags[1], a), (flags[0], b)], fallback: 0))
    m.output("none_o", m.priority("none", [], fallback: a))
    let simulator = Simulator(try m.build())
    var random = SplitMix(seed: 5)
    for _ in 0..<200 {
      let (sv, av, bv, fv) = (random.below(8), random.below(64), random.below(64), random.below(8))
      for (port, value) in [("s_i", sv), ("a_i", av), ("b_i", bv), ("flags_i", fv)] { simulator.set(port, value) }
      simulator.evaluate()
      let selector = meaning(UInt64(sv), width: 3, signed: true)
      let picked = [-4: av, 0: bv, 3: 63][selector] ?? (av ^ bv)
      #expect(simulator.value("case_o") == UInt64(picked))
      let first = fv & 4 != 0 ? 1 : (fv & 2 != 0 ? av : (fv & 1 != 0 ? bv : 0))
      #expect(simulator.value("first_o") == UInt64(first))
      #expect(simulator.value("none_o") == UInt64(av))
    }
  }

  // MARK: The API

  @Test func namedSignalsCanBeRead() throws {
    let m = ModuleBuilder("named")
    let a = m.input("a_i", width: 4)
    let doubled = m.wire("doubled", a << 1)
    let r = m.register("held_q", next: doubled)
    m.output("y_o", r)
    let simulator = Simulator(try m.build())
    #expect(simulator.signalNames == ["a_i", "clk_i", "doubled", "held_q", "y_o"])
    simulator.set("a_i", 6)
    simulator.evaluate()
    #expect(simulator.get("doubled") == BitVector(12, width: 5))
    #expect(simulator.value("held_q") == 0)
    simulator.tick()
    #expect(simulator.get("y_o") == BitVector(12, width: 5))
    // Inputs are truncated to the port's width; negative integers are two's complement.
    simulator.set("a_i", -1)
    simulator.evaluate()
    #expect(simulator.value("a_i") == 15)
    simulator.set("a_i", BitVector(0x1F3, width: 9))
    simulator.evaluate()
    #expect(simulator.value("doubled") == 6)
  }
}
