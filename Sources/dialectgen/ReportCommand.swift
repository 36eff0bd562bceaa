import BlockDialect
import DialectHardware
import DialectReports
import Foundation

/// `dialectgen report`: area, depth and iCE40 figures, and the comparisons against FP4, INT4
/// and INT8 (`make synth` runs it).
enum ReportCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen report",
    summary:
      "Synthesizes every module with Yosys (estimated transistors, cells, depth), maps it to the iCE40 (LUTs) and places and routes the pipelined modules at several depths (Fmax); writes report.md, report.json and lane-area.svg.",
    positionals: "",
    positionalCount: 0...0,
    options: DesignOptions.specs.filter { !["--pipeline", "--datapath"].contains($0.name) } + [
      OptionSpec(name: "--out", kind: .value("DIR"), help: "where the report goes (default reports)"),
      OptionSpec(name: "--work", kind: .value("DIR"), help: "RTL, scripts and logs (default build/report)"),
      OptionSpec(name: "--jobs", kind: .value("N"), help: "tools run at once (default 2)"),
      OptionSpec(name: "--no-fpga", kind: .flag, help: "skip the iCE40 flow (LUTs, place and route)"),
      OptionSpec(
        name: "--liberty", kind: .value("FILE"),
        help: "run the standard-cell flow instead, against this liberty library (area, timing, energy)"),
      OptionSpec(
        name: "--runs", kind: .value("N"),
        help: "standard-cell area: mapping runs per module, the median reported (default 5; 3 for large modules)"),
    ],
    details: """
      Measures every module that applies to the book, with both datapath styles, and the block
      quantizer and block dot product at pipeline depths 0, 1, 2 and their maximum (so a
      configuration file's pipeline, modules and datapath are not used). Needs yosys, and for
      the FPGA figures nextpnr-ice40 (scripts/install-tools.sh --fpga, or apt-get install yosys
      nextpnr-ice40). Takes about 30 minutes on 2 cores.

      With --liberty FILE it runs the standard-cell flow instead (make synth-asic): every module
      mapped to the library by Yosys and ABC (area: the median of --runs perturbed mappings,
      with the spread), the minimum clock period from a timing-driven mapping and OpenSTA (every
      pipelined module at every depth; baselines at depth 0 and their deepest), and the energy
      per cycle from OpenSTA's report_power at 500 MHz with each input bit's activity measured
      from the module's golden vectors. Needs yosys and sta (OpenSTA: scripts/install-tools.sh
      --asic, or apt-get install yosys opensta). --modules measures only those modules (and, for a
      pipelined one, its depths). Writes report.md, report.json and asic.svg.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let configuration = try DesignOptions.configuration(arguments)
    let out = arguments.string("--out") ?? "reports"
    let work = arguments.string("--work") ?? "build/report"
    let jobs = try arguments.integer("--jobs", default: 2, in: 1...64)
    let fpga = !arguments.flag("--no-fpga")
    if let liberty = arguments.string("--liberty") {
      try runStandardCells(arguments, configuration: configuration, liberty: liberty, out: out, work: work, jobs: jobs)
      return
    }
    for option in ["--runs", "--modules"] where arguments.string(option) != nil {
      throw UsageError("\(option) needs --liberty FILE (the iCE40 report measures every module)")
    }
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen report")
    for tool in ["yosys"] + (fpga ? ["nextpnr-ice40"] : []) where !ToolRunner.available(tool) {
      throw CommandFailure("\(tool) is not installed (apt-get install \(tool)); --no-fpga skips nextpnr-ice40")
    }
    do {
      try DesignWriter.claimWorkDirectory(work, writtenBy: "dialectgen report --work", awayFrom: out)
    } catch let error as ConfigurationError {
      throw CommandFailure(error.description)
    }
    let runner = HardwareReportRunner(configuration: configuration, work: work, jobs: jobs, fpga: fpga)
    let report = try runner.run { line in StandardError.line("report: measured \(line)") }
    let document = HardwareReportDocument(report: report)
    let command = (["dialectgen"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    try reportingFailure {
      try DesignWriter.write(
        [
          ("report.md", document.markdown(command: command)), ("report.json", document.json().formatted() + "\n"),
          ("lane-area.svg", document.laneChart()), ("selector-gap.svg", document.selectorChart()),
          ("manifest.json", try Design(configuration).manifest().formatted() + "\n"),
        ], to: out, writtenBy: "dialectgen report")
    }
    print(
      "report: \(out)/report.md, report.json, lane-area.svg, selector-gap.svg in \(String(format: "%.0f", report.seconds)) s"
    )
  }

  /// `report --liberty`: the standard-cell flow.
  static func runStandardCells(
    _ arguments: ParsedArguments, configuration: HardwareConfiguration, liberty path: String, out: String,
    work: String, jobs: Int
  ) throws {
    let runs = try arguments.integer("--runs", default: 5, in: 1...25)
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen report")
    let liberty = try reportingFailure { try LibertyLibrary(path: path) }
    for tool in ["yosys", "sta"] where !ToolRunner.available(tool) {
      throw CommandFailure(
        "\(tool) is not installed (apt-get install \(tool == "sta" ? "opensta" : tool), or scripts/install-tools.sh --asic)"
      )
    }
    let runner = StandardCellReportRunner(
      configuration: configuration, liberty: liberty, work: work, jobs: jobs, runs: runs, largeRuns: min(runs, 3))
    let report = try runner.run { line in StandardError.line("report: measured \(line)") }
    let document = StandardCellDocument(report: report)
    let command = (["dialectgen"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    try reportingFailure {
      try DesignWriter.write(
        [
          ("report.md", document.markdown(command: command)), ("report.json", document.json().formatted() + "\n"),
          ("asic.svg", document.chart()),
          ("manifest.json", try Design(configuration).manifest().formatted() + "\n"),
        ], to: out, writtenBy: "dialectgen report")
    }
    print("report: \(out)/report.md, report.json, asic.svg in \(String(format: "%.0f", report.seconds)) s")
  }
}
