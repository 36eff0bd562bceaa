import BlockDialect
import DialectHardware
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
    options: DesignOptions.specs.filter { !["--pipeline", "--modules", "--datapath"].contains($0.name) } + [
      OptionSpec(name: "--out", kind: .value("DIR"), help: "where the report goes (default reports)"),
      OptionSpec(name: "--work", kind: .value("DIR"), help: "RTL, scripts and logs (default build/report)"),
      OptionSpec(name: "--jobs", kind: .value("N"), help: "tools run at once (default 2)"),
      OptionSpec(name: "--no-fpga", kind: .flag, help: "skip the iCE40 flow (LUTs, place and route)"),
    ],
    details: """
      Measures every module that applies to the book, with both datapath styles, and the block
      quantizer and block dot product at pipeline depths 0, 1, 2 and their maximum (so a
      configuration file's pipeline, modules and datapath are not used). Needs yosys, and for
      the FPGA figures nextpnr-ice40 (scripts/install-tools.sh --fpga, or apt-get install yosys
      nextpnr-ice40). Takes about 4 minutes on 2 cores.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let configuration = try DesignOptions.configuration(arguments)
    let out = arguments.string("--out") ?? "reports"
    let work = arguments.string("--work") ?? "build/report"
    let jobs = try arguments.integer("--jobs", default: 2, in: 1...64)
    let fpga = !arguments.flag("--no-fpga")
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
    do {
      try DesignWriter.write(
        [
          ("report.md", document.markdown(command: command)), ("report.json", document.json().formatted() + "\n"),
          ("lane-area.svg", document.laneChart()),
          ("manifest.json", try Design(configuration).manifest().formatted() + "\n"),
        ], to: out, writtenBy: "dialectgen report")
    } catch let error as ConfigurationError {
      throw CommandFailure(error.description)
    }
    print("report: \(out)/report.md, report.json, lane-area.svg in \(String(format: "%.0f", report.seconds)) s")
  }
}
