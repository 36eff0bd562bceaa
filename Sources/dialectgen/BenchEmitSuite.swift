import BlockDialect
import DialectHardware
import Foundation
import HDL

/// `dialectgen bench --suite emit`: how fast the HDL emits Verilog: a random circuit of 10,000
/// operations (every operator of the DSL), and the whole default design.
enum BenchEmitSuite {
  /// Checks the options and returns the run.
  static func prepare(_ arguments: ParsedArguments) throws -> () throws -> Void {
    let operations = try arguments.integer("--elements", default: 10_000, in: 100...1_000_000)
    let repeats = try arguments.integer("--repeat", default: 5, in: 1...100)
    return { try run(operations: operations, repeats: repeats, json: arguments.flag("--json")) }
  }

  /// The best of `repeats` timings of `work`.
  static func best(_ repeats: Int, _ work: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
      let start = Date()
      try work()
      times.append(Date().timeIntervalSince(start))
    }
    return times.min()!
  }

  static func run(operations: Int, repeats: Int, json: Bool) throws {
    let circuit = try RandomCircuit(seed: 1, operations: operations, sequential: true).module
    let emitter = VerilogEmitter()
    var bytes = 0
    let emitSeconds = best(repeats) { bytes = emitter.emit(circuit).utf8.count }
    let buildSeconds = try best(repeats) { _ = try RandomCircuit(seed: 1, operations: operations, sequential: true) }
    var fileCount = 0
    let designSeconds = try best(repeats) { fileCount = try Design(HardwareConfiguration()).files().count }
    if json {
      let value = JSONValue.object([
        ("operations", .integer(circuit.operationCount)),
        ("emit_seconds", .double(emitSeconds)),
        ("build_seconds", .double(buildSeconds)),
        ("verilog_bytes", .integer(bytes)),
        ("default_design_seconds", .double(designSeconds)),
      ])
      print(value.formatted())
      return
    }
    print(
      "emit: a random circuit of \(circuit.operationCount) operations (\(operations) requested), best of \(repeats)")
    print(
      renderTable(
        ["step", "seconds"],
        [
          ["build and check the circuit", String(format: "%.3f", buildSeconds)],
          ["emit Verilog (\(humanCount(Double(bytes)))B)", String(format: "%.3f", emitSeconds)],
          ["build and emit the default design (\(fileCount) files)", String(format: "%.3f", designSeconds)],
        ]))
  }
}
