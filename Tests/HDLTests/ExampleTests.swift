import Foundation
import TestSupport
import Testing

@testable import HDL

/// The text of a fenced block that follows `marker` in `document`: the lines after the opening
/// fence ```` ```language ```` up to the closing fence, each ending in a newline.
func fencedBlock(after marker: String, language: String, in document: String) throws -> String {
  let lines = document.components(separatedBy: "\n")
  let start = try #require(lines.firstIndex(of: marker), "docs/hdl.md has no line '\(marker)'")
  try #require(
    start + 1 < lines.count && lines[start + 1] == "```\(language)", "'\(marker)' must be followed by ```\(language)")
  let body = lines[(start + 2)...]
  let end = try #require(body.firstIndex(of: "```"), "the block after '\(marker)' is not closed")
  return body[..<end].map { $0 + "\n" }.joined()
}

@Suite("The multiply-accumulate example")
struct ExampleTests {
  /// The example against a plain Swift model: item k (a_i * b_i, clear_i, valid_i at cycle k)
  /// reaches the sum on the edge ending cycle k + 2, so sum_o and valid_o show it from cycle k + 3.
  @Test(arguments: [(8, 24), (8, 16), (5, 10), (12, 70)])
  func againstASwiftModel(_ width: Int, _ accumulatorWidth: Int) throws {
    let module = try Examples.multiplyAccumulate(width: width, accumulatorWidth: accumulatorWidth)
    #expect(module.port("sum_o")?.width == accumulatorWidth)
    #expect(module.port("sum_o")?.isSigned == true)
    #expect(module.warnings.isEmpty)
    let simulator = Simulator(module)
    simulator.reset()
    var random = SplitMix(seed: UInt64(width * 100 + accumulatorWidth))
    var items: [(product: Int, clear: Bool, valid: Bool)] = []
    var sum = 0  // the model's accumulator, kept in range by `wrap` (or exact for 70 bits)
    func wrapped(_ value: Int) -> Int {
      accumulatorWidth >= 63 ? value : wrap(value, width: accumulatorWidth, signed: true)
    }
    let half = 1 << (width - 1)
    for cycle in 0..<1500 {
      // The item that reaches the outputs this cycle.
      if cycle >= 3, items[cycle - 3].valid {
        let item = items[cycle - 3]
        sum = wrapped(item.clear ? item.product : sum + item.product)
      }
      let a = random.below(2 * half) - half
      let b = random.below(2 * half) - half
      let clear = random.below(8) == 0
      let valid = random.below(4) != 0
      items.append((a * b, clear, valid))
      simulator.set("a_i", a)
      simulator.set("b_i", b)
      simulator.set("clear_i", clear ? 1 : 0)
      simulator.set("valid_i", valid ? 1 : 0)
      simulator.evaluate()
      let expectedValid = cycle >= 3 && items[cycle - 3].valid
      #expect(simulator.value("valid_o") == (expectedValid ? 1 : 0), "valid_o at cycle \(cycle)")
      let actual = Bits(simulator.get("sum_o"))
      #expect(actual == Bits(sum, width: accumulatorWidth), "sum_o at cycle \(cycle)")
      simulator.tick()
    }
  }

  @Test(.enabled(if: Tools.lintScript, Tools.lintMissing))
  func lintScriptFindsItClean() throws {
    let directory = try TemporaryDirectory()
    let module = try Examples.multiplyAccumulate()
    try directory.write(VerilogEmitter.fileName(of: module), text: VerilogEmitter().emit(module))
    let script = repositoryRoot.appendingPathComponent("scripts/lint.sh").path
    let result = try run("/bin/bash", [script, directory.path])
    #expect(result.status == 0, "\(result.output)")
    #expect(result.output == "lint: mac: clean\n")
  }

  @Test(.enabled(if: Tools.lintScript, Tools.lintMissing))
  func lintScriptReportsAProblem() throws {
    // A hand-written module that truncates silently: the script must fail and say so.
    let directory = try TemporaryDirectory()
    try directory.write(
      "sloppy.v",
      text:
        """
        `default_nettype none
        module sloppy (
          input  wire [3:0] a_i,
          output wire [3:0] y_o
        );
          assign y_o = {a_i, 1'b0};
        endmodule
        `default_nettype wire

        """)
    let script = repositoryRoot.appendingPathComponent("scripts/lint.sh").path
    let result = try run("/bin/bash", [script, directory.path])
    #expect(result.status != 0)
    #expect(result.output.contains("lint: sloppy: verilator:"))
    #expect(result.output.contains("%Warning-WIDTH"))
    #expect(!result.output.contains("lint: sloppy: clean"))
  }

  @Test(.enabled(if: Tools.icarus, Tools.icarusMissing))
  func inIcarus() throws {
    let module = try Examples.multiplyAccumulate()
    let (summary, output) = try replayInIcarus(module, vectors: VectorTestbench(module: module, count: 2000, seed: 5))
    #expect(summary == "1999 passed, 0 failed", "\(output)")
  }
}

/// docs/hdl.md shows real code and real output: these tests keep it so.
@Suite("docs/hdl.md stays true")
struct DocumentationTests {
  static func document() throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("docs/hdl.md"), encoding: .utf8)
  }

  @Test func theVerilogListingIsTheEmittersOutput() throws {
    let listing = try fencedBlock(after: "<!-- emitted: mac.v -->", language: "verilog", in: try Self.document())
    let emitted = VerilogEmitter(banner: "Generated by dialectgen 0.1.0").emit(try Examples.multiplyAccumulate())
    #expect(listing == emitted)
  }

  @Test func theSwiftListingIsTheExamplesSource() throws {
    let listing = try fencedBlock(
      after: "<!-- source: Sources/HDL/Examples/MultiplyAccumulate.swift -->", language: "swift",
      in: try Self.document())
    let source = try String(
      contentsOf: repositoryRoot.appendingPathComponent("Sources/HDL/Examples/MultiplyAccumulate.swift"),
      encoding: .utf8)
    #expect(listing == source)
  }

  /// The error shown in the guide is the one the builder gives (only the file differs).
  @Test func theErrorShownIsReal() throws {
    let m = ModuleBuilder("adder")
    let a = m.input("a_i", width: 8)
    let b = m.input("b_i", width: 7)
    let line = #line + 1
    m.output("sum_o", a &+ b)
    let diagnostic = try #require(expectError(m, line: line, []))
    let shown = diagnostic.description.replacingOccurrences(
      of: "\(#fileID):\(line)", with: "Sources/Demo/Adder.swift:4")
    let example = try fencedBlock(after: "<!-- diagnostic: adder -->", language: "text", in: try Self.document())
    #expect(example == shown + "\n")
  }

  /// Every operator and method the width table promises is a real one (the table's rows
  /// themselves are checked by WidthRuleTests).
  @Test func theWidthTableCoversEveryOperator() throws {
    let document = try Self.document()
    for entry in [
      "`a & b`", "`~a`", "`!a`", "`a && b`", "`a + b`", "`a &+ b`", "`a * b`", "`-a`", "`a << k`", "`a >> k`",
      "`a.shiftedLeft(by: n, width: w)`", "`a.shiftedRight(by: n)`", "`a == b`", "`a[i]`", "`a[lo...hi]`",
      "`a + k`", "`a.replicated(n)`", "`a.andReduced()`", "`concatenate(a, b, ...)`", "`mux(c, x, y)`",
      "`a.extended(to: w)`",
      "`a.truncated(to: w)`", "`a.asSigned`", "`Signal.constant(v, width: w, signed: s)`", "`m.lookup(...)`",
      "`m.select(...)`", "`m.priority(...)`",
    ] {
      #expect(document.contains("| " + entry), "the width table has no row for \(entry)")
    }
  }
}
