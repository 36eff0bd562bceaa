import BlockDialect
import Foundation
import HDL
import TestSupport
import Testing

@testable import DialectHardware
@testable import DialectReports

/// The standard-cell flow: the parsing of liberty files, Yosys and OpenSTA output and the
/// activity extraction need no tools; a smoke test runs the flow on one lane when Yosys,
/// OpenSTA and the library in ../shared/asic/ are there.
@Suite struct StandardCellTests {
  /// A small liberty file: an inverter, a flip-flop and two tie cells.
  static let liberty = """
    /* a comment naming a library and a cell */
    library (tiny) {
      nom_process : 1.0;
      nom_voltage : 1.10;
      nom_temperature : 25.0;
      cell (INV_X1) {
        area : 0.532;
        pin (A) { direction : input; }
        pin (ZN) { direction : output; function : "!A"; }
      }
      cell (DFF_X1) {
        area : 4.522;
        ff (IQ, IQN) { next_state : "D"; clocked_on : "CK"; }
        pin (D) { direction : input; }
        pin (Q) { direction : output; function : "IQ"; }
      }
      cell (LOGIC0_X1) { area : 0.532; pin (Z) { direction : output; function : "0"; } }
      cell (LOGIC1_X1) { area : 0.532; pin (Z) { direction : output; function : "1"; } }
    }
    """

  @Test func readsTheLibertyCellsTheFlowNeeds() throws {
    let library = try LibertyLibrary(text: Self.liberty, path: "tiny.lib")
    #expect(library.name == "tiny")
    #expect(library.cells == ["INV_X1", "DFF_X1", "LOGIC0_X1", "LOGIC1_X1"])
    #expect(library.sequentialCellAreas == ["DFF_X1": 4.522])
    #expect(library.tieLow?.cell == "LOGIC0_X1" && library.tieLow?.pin == "Z")
    #expect(library.tieHigh?.cell == "LOGIC1_X1" && library.tieHigh?.pin == "Z")
    #expect(library.corner == "process 1.0, 1.10 V, 25.0 °C")
  }

  @Test(arguments: [
    ("", "not a liberty library"), ("library (empty) { }", "has no cells with an area"),
    ("cell (X) { area : 1; }", "not a liberty library"),
  ])
  func refusesWhatIsNotALibrary(text: String, message: String) {
    #expect {
      _ = try LibertyLibrary(text: text, path: "bad.lib")
    } throws: { error in
      let description = "\(error)"
      return description.hasPrefix("--liberty bad.lib: ") && description.contains(message)
        && !description.contains("\n")
    }
  }

  @Test func refusesAMissingLibraryFile() throws {
    let directory = try TemporaryDirectory()
    #expect {
      _ = try LibertyLibrary(path: directory.file("none.lib"))
    } throws: { "\($0)".contains("none.lib: no such file") }
  }

  @Test func readsTheAreaAndCellsOfStat() throws {
    let stat = """
      === lane ===

         Number of wires:                 10
         Number of cells:                  5
           DFF_X1                          2
           INV_X1                          3

         Chip area for module '\\lane': 10.640000

      """
    let area = try StandardCellFlows.cellArea(stat: stat, module: "lane", sequential: ["DFF_X1": 4.522])
    #expect(area.area == 10.64)
    #expect(area.cells == 5)
    #expect(area.flipFlops == 2)
    #expect(abs(area.flipFlopArea - 9.044) < 1e-9)
    #expect(area.cellCounts == ["DFF_X1": 2, "INV_X1": 3])
    #expect(throws: FlowError.self) {
      _ = try StandardCellFlows.cellArea(stat: "nothing", module: "lane", sequential: [:])
    }
  }

  @Test func readsTheWorstSlackAndThePower() throws {
    #expect(try StandardCellFlows.worstSlack(log: "x\ndialectgen worst_slack -0.25\n", module: "m") == -0.25)
    #expect(throws: FlowError.self) { _ = try StandardCellFlows.worstSlack(log: "no slack", module: "m") }
    // A module without a timing path has an infinite slack: an error, not a figure.
    #expect(throws: FlowError.self) {
      _ = try StandardCellFlows.worstSlack(log: "dialectgen worst_slack 1e+30", module: "m")
    }
    // Two per-instance reports: at activity 0 and at activity 1 on every non-clock pin.
    let log = """
      dialectgen activity 0
      Group                  Internal  Switching    Leakage      Total
       1.0e-05 0.0e+00 1.0e-06 1.1e-05 g1
       0.0e+00 0.0e+00 2.0e-06 2.0e-06 g2
      dialectgen activity 1
       3.0e-05 2.0e-05 1.0e-06 5.1e-05 g1
       4.0e-05 4.0e-05 2.0e-06 8.2e-05 g2
      """
    // g1 (a flip-flop with clock power) toggles half the time, g2 a quarter.
    let power = try StandardCellFlows.power(log: log, period: 2.0, module: "m", rates: ["g1": 0.5, "g2": 0.25])
    #expect(abs(power.internalPower - (1e-5 + 2e-5 * 0.5 + 4e-5 * 0.25)) < 1e-15)
    #expect(abs(power.switching - (2e-5 * 0.5 + 4e-5 * 0.25)) < 1e-15)
    #expect(abs(power.leakage - 3e-6) < 1e-15)
    #expect(abs(power.energyPerCycle - power.total * 2000) < 1e-12)
    #expect(throws: FlowError.self) {
      _ = try StandardCellFlows.power(log: "", period: 2, module: "m", rates: [:])
    }
    let timing = CellTiming(target: 2.0, worstSlack: -0.5, area: 100)
    #expect(timing.minimumPeriod == 2.5)
  }

  @Test func readsLibertyFunctions() throws {
    let nand = try CellFunction(parsing: "!(A1 & A2)")
    #expect(nand == .not(.and(.pin("A1"), .pin("A2"))))
    let mux = try CellFunction(parsing: "((S & B) | (A & !S))")
    let slots = ["A": 0, "B": 1, "S": 2]
    let compiled = mux.compiled { slots[$0] }
    // 64 simulations at once: where S (0b0011) is 1, B (0b1100); elsewhere A (0b1010).
    #expect(compiled.evaluate([0b1010, 0b1100, 0b0011]) & 0xF == 0b1000)
    #expect(try CellFunction(parsing: "(CI ^ (A ^ B))") == .xor(.pin("CI"), .xor(.pin("A"), .pin("B"))))
    #expect(try CellFunction(parsing: "A' B + 1") == .or(.and(.not(.pin("A")), .pin("B")), .constant(true)))
    #expect(throws: FlowError.self) { _ = try CellFunction(parsing: "(A & B") }
    let library = try LibertyLibrary(text: Self.liberty, path: "tiny.lib")
    #expect(library.logic["DFF_X1"]?.state?.name == "IQ")
    #expect(library.logic["INV_X1"]?.outputs.first?.pin == "ZN")
  }

  /// A flip-flop fed by its own output through an inverter toggles every cycle; the inverter's
  /// output is the flip-flop's input.
  @Test func simulatesAMappedNetlist() throws {
    let json = """
      {"modules": {"t": {
        "ports": {"clk_i": {"direction": "input", "bits": [2]}, "a_i": {"direction": "input", "bits": [3]},
                  "q_o": {"direction": "output", "bits": [4]}},
        "cells": {
          "g1": {"type": "DFF_X1", "connections": {"CK": [2], "D": [5], "Q": [4]}},
          "g2": {"type": "INV_X1", "connections": {"A": [4], "ZN": [5]}},
          "g3": {"type": "INV_X1", "connections": {"A": [3], "ZN": [6]}}
        }}}}
      """
    let library = try LibertyLibrary(text: Self.liberty, path: "tiny.lib")
    let simulation = try GateSimulation(json: Data(json.utf8), top: "t", logic: library.logic)
    #expect(simulation.cells.map(\.name).first == "g1")  // the flip-flop first
    // a_i is 1 on every third cycle.
    let activity = simulation.activity(cycles: 4096) { port, _, cycle in port == "a_i" && cycle % 3 == 0 }
    let rates = Dictionary(uniqueKeysWithValues: activity.map { ($0.name, $0) })
    #expect(rates["g1/Q"]?.toggleRate == 1)
    #expect(rates["g2/ZN"]?.toggleRate == 1)
    #expect(abs((rates["g1/Q"]?.duty ?? 0) - 0.5) < 0.01)
    #expect(abs((rates["g3/ZN"]?.toggleRate ?? 0) - 2.0 / 3) < 0.02)
    #expect(abs((rates["g3/ZN"]?.duty ?? 0) - 2.0 / 3) < 0.02)
  }

  @Test func writesTheNetlistAsStructuralVerilog() throws {
    let json = """
      {"modules": {"t": {
        "ports": {"clk_i": {"direction": "input", "bits": [2]}, "a_i": {"direction": "input", "bits": [3, 7]},
                  "q_o": {"direction": "output", "bits": [4, 3, "0"]}},
        "cells": {
          "g1": {"type": "DFF_X1", "connections": {"CK": [2], "D": [5], "Q": [4]}},
          "g2": {"type": "INV_X1", "connections": {"A": [7], "ZN": [5]}},
          "odd.name": {"type": "INV_X1", "connections": {"A": ["1"], "ZN": [6]}}
        }}}}
      """
    let verilog = try StructuralVerilog.verilog(json: Data(json.utf8), top: "t")
    #expect(
      verilog == """
        module t (a_i, clk_i, q_o);
          input [1:0] a_i;
          input clk_i;
          output [2:0] q_o;
          wire n4;
          wire n5;
          wire n6;
          DFF_X1 g1 (.CK(clk_i), .D(n5), .Q(n4));
          INV_X1 g2 (.A(a_i[1]), .ZN(n5));
          INV_X1 \\odd.name  (.A(1'b1), .ZN(n6));
          assign q_o[0] = n4;
          assign q_o[1] = a_i[0];
          assign q_o[2] = 1'b0;
        endmodule

        """)
    #expect(throws: FlowError.self) { try StructuralVerilog.verilog(json: Data("{}".utf8), top: "t") }
  }

  @Test func mediansAndSpreads() {
    #expect(StandardCellFlows.median([3, 1, 2]) == 2)
    #expect(StandardCellFlows.median([4, 1, 3, 2]) == 2.5)
    var entry = StandardCellReport.Entry(
      variant: "design", kind: .macLane, module: "bd_mac_lane", depth: 0, latency: 1, macsPerCycle: 1)
    entry.runs = [100, 90, 110, 104, 98].map {
      CellArea(area: $0, cells: 1, flipFlops: 0, flipFlopArea: 0, cellCounts: [:])
    }
    #expect(entry.area?.area == 100)
    #expect(entry.spread.map { abs($0.low + 0.1) < 1e-9 && abs($0.high - 0.1) < 1e-9 } == true)
    entry.power = CellPower(period: 2, internalPower: 1e-4, switching: 1e-4, leakage: 0)
    #expect(abs((entry.energyPerMAC ?? 0) - 0.4) < 1e-9)
  }

  @Test func measuresToggleRatesAndDutiesPerBit() {
    // Bit 0 toggles every cycle, bit 1 is always 1, bit 2 changes once.
    let values = [0b010, 0b111, 0b010, 0b111].map { BitVector(UInt64($0), width: 3) }
    let activity = SwitchingActivity.measure(port: "x_i", width: 3, values: values)
    #expect(activity.map(\.name) == ["x_i[0]", "x_i[1]", "x_i[2]"])
    #expect(activity.map(\.toggleRate) == [1, 0, 1])
    #expect(activity.map(\.duty) == [0.5, 1, 0.5])
    let single = SwitchingActivity.measure(port: "v_i", width: 1, values: [BitVector(1, width: 1)])
    #expect(single == [BitActivity(port: "v_i", bit: nil, toggleRate: 0, duty: 1)])
  }

  /// The activity comes from the vectors' real-looking sections when they have them.
  @Test func measuresTheRealLookingSectionsOfTheVectors() throws {
    let configuration = HardwareConfiguration()
    let lane = try DesignBuilder(configuration).module(.int4MACLane)
    let vectors = try #require(
      MACLaneModule.int4.vectors(for: lane, in: VectorRequest(configuration: configuration, count: 500, seed: 1))
        as? ModuleVectors)
    let range = SwitchingActivity.measuredRange(of: vectors)
    let start = try #require(vectors.sections.first { $0.name.hasPrefix("real-looking") }?.start)
    #expect(range == start..<vectors.count)
    let activity = SwitchingActivity.measure(vectors)
    #expect(activity.count == 2 + 4 + 4)  // valid, clear, w_i, a_i
    // Every real-looking operand is valid: the lane works every cycle.
    #expect(activity.first { $0.port == "valid_i" }?.duty == 1)
    // Real data has small magnitudes more often: the sign bit is 1 about half the time, the
    // bits below it toggle less than uniform random data would (0.5).
    let w = activity.filter { $0.port == "w_i" }
    #expect(w.allSatisfy { $0.toggleRate > 0.05 && $0.toggleRate < 0.6 })
  }

  /// The whole flow on one small lane, when the tools and the library are there.
  @Test func mapsTimesAndPowersALane() throws {
    let library = repositoryRoot.appendingPathComponent("../shared/asic/NangateOpenCellLibrary_typical.lib")
      .standardizedFileURL.path
    guard FileManager.default.fileExists(atPath: library), ToolRunner.available("yosys"), ToolRunner.available("sta")
    else {
      print("standard-cell smoke test skipped: needs yosys, sta and \(library)")
      return
    }
    let directory = try TemporaryDirectory()
    var configuration = HardwareConfiguration()
    configuration.modules = [.int4MACLane, .e2m1MACProduct]
    let runner = StandardCellReportRunner(
      configuration: configuration, liberty: try LibertyLibrary(path: library), work: directory.path, jobs: 2, runs: 2,
      activityCount: 400)
    let report = try runner.run()
    #expect(report.entries.count == 2)
    for entry in report.entries {
      #expect(entry.problems.isEmpty, "\(entry.module): \(entry.problems)")
      let area = try #require(entry.area)
      #expect(entry.runs.count == 2)
      #expect(area.area > 50 && area.area < 2000, "\(entry.module): \(area.area) µm²")
      let period = try #require(entry.timing?.minimumPeriod)
      #expect(period > 0.1 && period < 5, "\(entry.module): \(period) ns")
      let energy = try #require(entry.energyPerMAC)
      #expect(energy > 0.01 && energy < 20, "\(entry.module): \(energy) pJ")
      #expect(entry.activityBits > 0)
    }
    let lane = try #require(report.design(.int4MACLane))
    #expect(lane.area?.flipFlops == 24)  // the 24-bit accumulator
    let markdown = StandardCellDocument(report: report).markdown(command: "test")
    #expect(markdown.contains("`int4_mac_lane`") && markdown.contains("NangateOpenCellLibrary"))
  }
}
