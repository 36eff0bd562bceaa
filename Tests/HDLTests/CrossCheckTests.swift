import Foundation
import TestSupport
import Testing

@testable import HDL

/// One random circuit to cross-check.
struct RandomCase: Sendable, CustomTestStringConvertible {
  let seed: UInt64
  let operations: Int
  let sequential: Bool
  let vectors: Int
  var testDescription: String {
    "seed \(seed)\(sequential ? ", sequential" : ""), \(operations) operations, \(vectors) vectors"
  }

  func circuit() throws -> Module {
    try RandomCircuit(seed: seed, operations: operations, sequential: sequential).module
  }
}

/// The emitted Verilog, replayed in Icarus Verilog with golden vectors from the Swift simulator,
/// must agree bit for bit; and Verilator must have nothing to say about it.
@Suite("Cross-check against Verilog simulators")
struct CrossCheckTests {
  static let cases: [RandomCase] =
    (1...10).map { RandomCase(seed: $0, operations: 120, sequential: false, vectors: 1000) }
    + (1...6).map { RandomCase(seed: 100 + $0, operations: 120, sequential: true, vectors: 1000) }
    + [
      RandomCase(seed: 1000, operations: 400, sequential: false, vectors: 2000),
      RandomCase(seed: 1001, operations: 400, sequential: true, vectors: 2000),
    ]

  @Test func atLeastTenThousandVectors() {
    #expect(Self.cases.map(\.vectors).reduce(0, +) >= 10_000)
    #expect(Self.cases.contains { $0.sequential } && Self.cases.contains { !$0.sequential })
  }

  @Test(.enabled(if: Tools.icarus, Tools.icarusMissing), arguments: cases)
  func randomCircuitInIcarus(_ random: RandomCase) throws {
    let module = try random.circuit()
    let vectors = VectorTestbench(module: module, count: random.vectors, seed: random.seed &* 31 &+ 7)
    let compared = random.sequential ? random.vectors - 1 : random.vectors  // vector 0 resets
    let (summary, output) = try replayInIcarus(module, vectors: vectors)
    #expect(summary == "\(compared) passed, 0 failed", "\(output)")
  }

  @Test(.enabled(if: Tools.verilator, Tools.verilatorMissing), arguments: cases)
  func randomCircuitIsLintClean(_ random: RandomCase) throws {
    let module = try random.circuit()
    let directory = try TemporaryDirectory()
    let file = try directory.write(VerilogEmitter.fileName(of: module), text: VerilogEmitter().emit(module))
    // UNSIGNED and CMPCONST fire only where Verilator proves a random comparison constant
    // (`x >= x - x`); every other warning counts.
    let lint = try runTool("verilator", ["--lint-only", "-Wall", "-Wno-UNSIGNED", "-Wno-CMPCONST", file])
    #expect(lint.status == 0)
    #expect(lint.output.isEmpty, "\(lint.output)")
  }

  /// Yosys synthesizes the emitted Verilog without a warning and without latches (as
  /// scripts/lint.sh checks), for a few random circuits and the hand-made ones.
  @Test(
    .enabled(if: Tools.yosys, Tools.yosysMissing),
    arguments: [cases[0], cases[10]].map { "random \($0.seed)" } + ["corners", "async", "mixed"])
  func synthesizesCleanlyInYosys(_ name: String) throws {
    let module: Module
    if name.hasPrefix("random ") {
      let seed = UInt64(name.dropFirst("random ".count))!
      module = try Self.cases.first { $0.seed == seed }!.circuit()
    } else {
      module = try Self.handMade(name)
    }
    let directory = try TemporaryDirectory()
    var files: [String] = []
    for (file, text) in VerilogEmitter().emitHierarchy(module) { files.append(try directory.write(file, text: text)) }
    let script = [
      "read_verilog \(files.joined(separator: " "))", "hierarchy -check -top \(module.name)",
      "synth -top \(module.name)", "check -assert",
      "select -assert-none t:$_DLATCH_* t:$_DLATCHSR_* t:$dlatch t:$adlatch",
    ].joined(separator: "; ")
    let log = directory.file("yosys.log")
    let result = try runTool("yosys", ["-q", "-l", log, "-p", script])
    #expect(result.status == 0, "\(result.output)")
    let text = try String(contentsOfFile: log, encoding: .utf8)
    #expect(!text.lowercased().contains("warning"), "\(text)")
  }

  @Test func randomCircuitsAreReproducible() throws {
    let first = try RandomCircuit(seed: 42, sequential: true).module
    let second = try RandomCircuit(seed: 42, sequential: true).module
    #expect(VerilogEmitter().emit(first) == VerilogEmitter().emit(second))
    let other = try RandomCircuit(seed: 43, sequential: true).module
    #expect(VerilogEmitter().emit(first) != VerilogEmitter().emit(other))
    let a = VectorTestbench(module: first, count: 50, seed: 1)
    let b = VectorTestbench(module: second, count: 50, seed: 1)
    #expect(a.stimulus == b.stimulus && a.expected == b.expected)
  }

  /// The vector files' layout: inputs (rst_ni included, clk_i not) in port order, most
  /// significant first; expected lines lead with the compare bit.
  @Test func vectorLayout() throws {
    let m = ModuleBuilder("layout")
    let a = m.input("a_i", width: 4)
    let b = m.input("b_i", width: 9, signed: true)
    m.output("y_o", m.register("r_q", next: a, reset: 0))
    m.output("z_o", b)
    let module = try m.build()
    let vectors = VectorTestbench(module: module, count: 200, seed: 9)
    #expect(vectors.drivenInputs.map(\.name) == ["rst_ni", "a_i", "b_i"])
    #expect(vectors.stimulus.allSatisfy { $0.count == 4 })  // 1 + 4 + 9 = 14 bits
    #expect(vectors.expected.allSatisfy { $0.count == 4 })  // 1 + 4 + 9 = 14 bits
    #expect(vectors.expected[0].hasPrefix("0") || vectors.expected[0].hasPrefix("1"))
    let compareBits = vectors.expected.map { BitVector(hex: $0, width: 14)![bit: 13] }
    #expect(compareBits[0] == false)  // the reset vector is not compared
    #expect(compareBits.dropFirst().allSatisfy { $0 })
    let resets = vectors.stimulus.map { BitVector(hex: $0, width: 14)![bit: 13] }
    #expect(resets[0] == false)
    #expect(resets.filter { !$0 }.count < 20)
    // z_o follows b_i combinationally.
    for (stimulus, expected) in zip(vectors.stimulus, vectors.expected) {
      let input = BitVector(hex: stimulus, width: 14)!
      let output = BitVector(hex: expected, width: 14)!
      #expect(input.bits(from: 0, count: 9) == output.bits(from: 0, count: 9))
    }
  }

  // MARK: Hand-made circuits for what random ones rarely hit

  /// Signedness corner cases of the emitter: comparisons of reinterpreted signed values,
  /// arithmetic shifts inside larger expressions, 1-bit signed values, negative constants.
  static func signednessCorners() throws -> Module {
    let m = ModuleBuilder("corners")
    let s = m.input("s_i", width: 8, signed: true)
    let t = m.input("t_i", width: 8, signed: true)
    let bit = m.input("bit_i", width: 1, signed: true)
    let n = m.input("n_i", width: 4)
    let u = m.input("u_i", width: 8)
    // Unsigned comparisons of values whose Verilog text is signed.
    m.output("lt_o", s.asUnsigned < t.asUnsigned)
    m.output("ge_o", (s.asUnsigned & t.asUnsigned) >= u)
    m.output("gt_o", (~s).asUnsigned > (s &+ t).asUnsigned)
    m.output("le_o", s.asUnsigned.shiftedLeft(by: n, width: 8) <= t.asUnsigned)
    // Signed comparisons of values whose Verilog text is unsigned.
    m.output("slt_o", u.asSigned < (s & t))
    m.output("sgt_o", u[0...3].asSigned > t.truncated(to: 4))
    // Arithmetic right shifts inside larger expressions.
    m.output("shift_eq_o", s.shiftedRight(by: n).asUnsigned == u)
    m.output("shift_sum_o", s.shiftedRight(by: n) + t)
    m.output("shift_concat_o", concatenate(s.shiftedRight(by: n), u))
    m.output("shift_not_o", ~s.shiftedRight(by: n))
    m.output("shift_mux_o", mux(bit.asUnsigned, s.shiftedRight(by: n), t).asUnsigned ^ u)
    m.output("shift_root_o", s.shiftedRight(by: n))
    m.output("logical_o", s.asUnsigned.shiftedRight(by: n))
    // A 1-bit signed value: -1 or 0.
    m.output("bit_extended_o", bit.extended(to: 8))
    m.output("bit_sum_o", bit + bit)
    m.output("bit_product_o", bit * s)
    m.output("bit_less_o", bit < 0)
    m.output("bit_negated_o", -bit)
    // Negative and extreme constants.
    m.output("min_o", s == Signal.constant(-128, width: 8, signed: true))
    m.output("minus_one_o", s &+ -1)
    m.output("wide_negative_o", s.extended(to: 100) &+ Signal.constant(-5, width: 100, signed: true))
    m.output(
      "wide_min_o", s.extended(to: 70) < Signal.constant(bits: BitVector(width: 70, words: [0, 0x20]), signed: true))
    m.output("min32_o", s.extended(to: 32) &+ Signal.constant(Int(Int32.min), width: 32, signed: true))
    m.output("neg_extend_o", (s * t).extended(to: 40))
    // Cases on a signed selector, and a priority with no cases.
    m.output("case_o", m.select("picked", on: s[0...2].asSigned, cases: [(-4, t), (-1, s), (3, -128)], fallback: 127))
    m.output("none_o", m.priority("none", [], fallback: t.shiftedRight(by: n)))
    m.output("first_o", m.priority("first", [(bit.asUnsigned, s.shiftedRight(by: n)), (n[0], t)], fallback: -1))
    return try m.build()
  }

  /// Registers with an asynchronous reset, enables, and a hierarchy with a module used twice.
  static func asynchronousHierarchy() throws -> Module {
    let child = ModuleBuilder("async_child", reset: .asynchronous)
    let x = child.input("x_i", width: 6, signed: true)
    let e = child.input("e_i", width: 1)
    let acc = child.register("acc_q", width: 10, signed: true, reset: -7)
    child.assignNext(acc, acc &+ x.extended(to: 10), enable: e)
    let free = child.register("free_q", next: x >> 1)
    child.output("acc_o", acc)
    child.output("free_o", free)
    child.output("sum_o", acc.truncated(to: 6) &+ x)
    let leaf = try child.build()
    let top = ModuleBuilder("async_top", reset: .asynchronous)
    let a = top.input("a_i", width: 6, signed: true)
    let enable = top.input("enable_i", width: 2)
    let first = top.instance("first", of: leaf, ["x_i": a, "e_i": enable[0]])
    let second = top.instance("second", of: leaf, ["x_i": first["sum_o"], "e_i": enable[1]])
    let count = top.register("count_q", width: 5, reset: 3)
    top.assignNext(count, count &+ 1)
    top.output("first_o", first["acc_o"])
    top.output("second_o", second["acc_o"] ^ first["free_o"].extended(to: 10))
    top.output("count_o", count)
    top.output(
      "lookup_o", top.lookup("squares", index: count[0...2], values: [0, 1, 4, 9, 16], width: 5, fallback: 31))
    return try top.build()
  }

  /// A synchronously reset module around an asynchronously reset one.
  static func mixedResets() throws -> Module {
    let top = ModuleBuilder("mixed_top")
    let a = top.input("a_i", width: 6, signed: true)
    let u = top.instance("inner", of: try asynchronousHierarchy(), ["a_i": a, "enable_i": a[0...1]])
    let held = top.register("held_q", next: u["first_o"], reset: 100)
    top.output("held_o", held)
    top.output("inner_o", u["second_o"] ^ held)
    top.output("count_o", u["count_o"])
    return try top.build()
  }

  static func handMade(_ name: String) throws -> Module {
    switch name {
    case "corners": return try signednessCorners()
    case "async": return try asynchronousHierarchy()
    default: return try mixedResets()
    }
  }

  @Test(.enabled(if: Tools.icarus, Tools.icarusMissing), arguments: ["corners", "async", "mixed"])
  func handMadeCircuitInIcarus(_ name: String) throws {
    let module = try Self.handMade(name)
    let vectors = VectorTestbench(module: module, count: 3000, seed: 77)
    let (summary, output) = try replayInIcarus(module, vectors: vectors)
    let compared = module.hasClock ? 2999 : 3000
    #expect(summary == "\(compared) passed, 0 failed", "\(output)")
  }

  /// ("mixed" is left out: Verilator rightly warns SYNCASYNCNET when one reset net is used
  /// both ways.)
  @Test(.enabled(if: Tools.verilator, Tools.verilatorMissing), arguments: ["corners", "async"])
  func handMadeCircuitIsLintClean(_ name: String) throws {
    let module = try Self.handMade(name)
    let directory = try TemporaryDirectory()
    for (file, text) in VerilogEmitter().emitHierarchy(module) { try directory.write(file, text: text) }
    let lint = try runTool(
      "verilator", ["--lint-only", "-Wall", "-y", directory.path, directory.file(VerilogEmitter.fileName(of: module))])
    #expect(lint.status == 0)
    #expect(lint.output.isEmpty, "\(lint.output)")
  }
}
