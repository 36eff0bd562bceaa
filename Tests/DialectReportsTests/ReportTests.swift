import BlockDialect
import Foundation
import HDL
import Testing

@testable import DialectHardware
@testable import DialectReports

/// The parts of `dialectgen report` that need no tools: the FPGA wrapper (simulated), the
/// parsing of Yosys and nextpnr output, and the document built from the figures.
@Suite struct ReportTests {
  // MARK: The FPGA wrapper

  /// Shifts random bits into the wrapped decoder and checks, cycle by cycle, that the folded
  /// pins are the XOR fold of the decoder's output for the inputs the chain held two cycles
  /// earlier.
  @Test(arguments: [Formatbook.dialectFP4, .e2m1])
  func wrapperFeedsTheChainAndFoldsTheOutputs(book: Formatbook) throws {
    let decoder = try DecoderGenerator(configuration: HardwareConfiguration(format: try BlockFormat(formatbook: book)))
      .oneLane().module
    let wrapper = try FPGAWrapper.wrap(decoder)
    #expect(wrapper.name == "fpga_bd_decoder")
    #expect(wrapper.inputs.map(\.name).sorted() == ["clk_i", "serial_i"])
    #expect(wrapper.outputs.map { "\($0.name):\($0.width)" } == ["folded_o:8"])
    let chainWidth = decoder.inputs.map(\.width).reduce(0, +)
    let simulator = Simulator(wrapper)
    simulator.reset()
    var random = SeededGenerator(seed: 72)
    var chain = 0
    var decoded: [Int] = []  // the decoder's 5-bit output for the chain of each cycle
    var checked = 0
    for cycle in 0..<400 {
      // The chain feeds the decoder's inputs in order from bit 0: the dialect (if the book
      // has more than one), then the code.
      let dialect = chain & ((1 << book.idWidth) - 1)
      let code = chain >> book.idWidth
      let magnitude = book.dialects[dialect].magnitudes[code & 7]
      decoded.append((code & 8 != 0 ? -magnitude : magnitude) & 31)
      let bit = Int(random.next() % 2)
      simulator.set("serial_i", bit)
      simulator.tick()
      chain = ((chain << 1) | bit) & ((1 << chainWidth) - 1)
      // After this tick the pins hold the fold of what was captured a cycle earlier: with a
      // 5-bit output, pins 0 to 4 are its bits and pins 5 to 7 are 0.
      guard cycle >= chainWidth + 2 else { continue }
      let pins = Int(simulator.value("folded_o"))
      if pins != decoded[cycle - 1] {
        Issue.record("cycle \(cycle): folded \(pins), expected \(decoded[cycle - 1])")
        return
      }
      checked += 1
    }
    #expect(checked > 300)
  }

  /// Outputs wider than the pins are folded: every output bit reaches exactly one pin.
  @Test func wrapperFoldsWideOutputsOntoEightPins() throws {
    let m = ModuleBuilder("wide")
    let a = m.input("a_i", width: 20)
    m.output("b_o", a)
    m.output("c_o", a[0...2])
    let wrapper = try FPGAWrapper.wrap(try m.build())
    let simulator = Simulator(wrapper)
    simulator.reset()
    var random = SeededGenerator(seed: 73)
    var chain = 0
    var outputs: [Int] = []
    for cycle in 0..<200 {
      // concatenate(b_o, c_o): c_o in the low 3 bits, b_o above.
      outputs.append((chain << 3) | (chain & 7))
      let bit = Int(random.next() % 2)
      simulator.set("serial_i", bit)
      simulator.tick()
      chain = ((chain << 1) | bit) & ((1 << 20) - 1)
      guard cycle >= 24 else { continue }
      let captured = outputs[cycle - 1]
      var pins = 0
      for position in 0..<23 where (captured >> position) & 1 == 1 { pins ^= 1 << (position % 8) }
      #expect(Int(simulator.value("folded_o")) == pins, "cycle \(cycle)")
    }
  }

  // MARK: Tool output

  @Test func parsesYosysStatistics() throws {
    let stat = """
      === bd_mac_lane ===

         Number of wires:                406
         Number of cells:                437
           $_ANDNOT_                     121
           $_DFF_P_                       24
           $_XOR_                         67

         Estimated number of transistors:       3554
      """
    let ltp = "Longest topological path in bd_mac_lane (length=38):\n    0: \\w_dialect_i [2]\n"
    let area = try HardwareFlows.areaFigures(stat: stat, longestPath: ltp, module: "bd_mac_lane")
    #expect(area.transistors == 3554 && area.cells == 437 && area.flipFlops == 24 && area.depth == 38)
    #expect(throws: FlowError.self) {
      try HardwareFlows.areaFigures(stat: "=== m ===\n", longestPath: ltp, module: "m")
    }
    let ice40 = """
         Number of cells:                157
           SB_CARRY                       27
           SB_DFFESR                      24
           SB_DFFR                         3
           SB_LUT4                       106
      """
    let resources = try HardwareFlows.ice40Resources(stat: ice40, module: "bd_mac_lane")
    #expect(resources.luts == 106 && resources.carries == 27 && resources.flipFlops == 27)
  }

  @Test func parsesTheFrequencyAfterRouting() throws {
    let log = """
      Info: 	         ICESTORM_LC:  4030/ 7680    52%
      Info: Max frequency for clock 'clk_i$SB_IO_IN_$glb_clk': 10.38 MHz (FAIL at 100.00 MHz)
      Info: Routing..
      Warning: Max frequency for clock 'clk_i$SB_IO_IN_$glb_clk': 10.45 MHz (FAIL at 100.00 MHz)
      """
    let timing = try HardwareFlows.ice40Timing(log: log, module: "fpga_bd_block_dot")
    #expect(timing.fmax == 10.45 && timing.logicCells == 4030)
    #expect(throws: FlowError.self) { try HardwareFlows.ice40Timing(log: "Info: nothing\n", module: "m") }
  }

  // MARK: The document

  func area(_ transistors: Int) -> AreaFigures {
    AreaFigures(transistors: transistors, cells: transistors / 8, flipFlops: 24, depth: 30)
  }

  func sampleReport() -> HardwareReport {
    var entries: [HardwareReport.Entry] = []
    func add(
      _ variant: String, _ kind: ModuleKind, _ module: String, _ transistors: Int?, depth: Int? = nil,
      fmax: Double? = nil
    ) {
      var entry = HardwareReport.Entry(variant: variant, kind: kind, module: module)
      entry.area = transistors.map(area)
      entry.depth = depth
      entry.latency = depth
      if let fmax {
        entry.timing = FPGATiming(fmax: fmax, logicCells: 4000)
        entry.resources = FPGAResources(luts: 3600, carries: 600, flipFlops: 100 * (depth ?? 0))
      }
      entries.append(entry)
    }
    add("design", .macLane, "bd_mac_lane", 3500)
    add("design", .e2m1MACLane, "e2m1_mac_lane", 3300)
    add("design", .int4MACLane, "int4_mac_lane", 3400)
    add("design", .int8MACLane, "int8_mac_lane", 7000)
    add("naive", .macLane, "bd_mac_lane", 4700)
    add("design", .selector, "bd_selector", 20_000)
    add("design", .mseSelector, "bd_mse_selector", 100_000)
    add("design", .decoder, "bd_decoder", 400)
    add("design", .blockDecoder, "bd_block_decoder", 10_000)
    add("design", .blockDot, "bd_block_dot", 80_000)
    add("e2m1", .blockDot, "bd_block_dot", 75_000)
    for (depth, fmax) in [(0, 10.0), (1, 14.0), (2, 20.0), (7, 30.0)] {
      add("block_dot-depth-\(depth)", .blockDot, "bd_block_dot", nil, depth: depth, fmax: fmax)
    }
    var failed = HardwareReport.Entry(variant: "lanes-16", kind: .macLane, module: "bd_mac_lane")
    failed.problems = ["yosys (bd_mac_lane): ERROR: something"]
    entries.append(failed)
    return HardwareReport(configuration: HardwareConfiguration(), entries: entries, tools: ["Yosys 0.23"])
  }

  @Test func documentComputesTheTargetRatios() throws {
    let document = HardwareReportDocument(report: sampleReport())
    let lanes = document.laneRatios
    #expect(abs(lanes.e2m1! - 3500.0 / 3300) < 1e-12)
    #expect(abs(lanes.int8! - 0.5) < 1e-12)
    #expect(document.selectorRatio == 0.2)
    #expect(document.fmaxGain(.blockDot) == 3.0)
    #expect(document.fmaxGain(.blockQuantizer) == nil)
    let markdown = document.markdown(command: "dialectgen report")
    #expect(markdown.contains("| BlockDialect MAC lane / E2M1 lane | ≤ 1.10 | 1.06 | 1.004 | yes |"))
    #expect(markdown.contains("| BlockDialect MAC lane / INT8 lane | ≤ 0.55 | 0.50 |"))
    #expect(markdown.contains("| two-stage selector / MSE selector | ≤ 0.25 | 0.20 |"))
    #expect(markdown.contains("| block dot product Fmax, deepest / depth 0 | ≥ 1.5 | 3.00 |"))
    #expect(markdown.contains("| bd_mac_lane | 4700 | 3500 | 25.5% |"))
  }

  @Test func documentJSONAndChartCarryEveryFigure() throws {
    let document = HardwareReportDocument(report: sampleReport())
    let text = document.json().formatted()
    let parsed = try JSONValue.parse(text)
    let entries = try #require(parsed["entries"]?.arrayValue)
    #expect(entries.count == sampleReport().entries.count)
    #expect(parsed["ratios"]?["selector_vs_mse"]?.doubleValue == 0.2)
    #expect(text.contains("ERROR: something"))
    let chart = document.laneChart()
    #expect(chart.hasPrefix("<svg") && chart.hasSuffix("</svg>\n"))
    for label in ["INT4", "E2M1 (FP4)", "BlockDialect", "INT8", ">3500<", ">7000<"] {
      #expect(chart.contains(label), "chart lacks \(label)")
    }
  }
}
