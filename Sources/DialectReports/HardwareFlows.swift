import DialectHardware
import Foundation

/// A flow step that failed: names the module and the tool, with the tool's last words.
public struct FlowError: Error, CustomStringConvertible {
  public let description: String
}

/// Area of a module after Yosys's generic synthesis.
public struct AreaFigures: Sendable {
  /// Estimated transistors (`stat -tech cmos`), flip-flops included.
  public let transistors: Int
  /// Gate-level cells.
  public let cells: Int
  /// Flip-flops.
  public let flipFlops: Int
  /// Cells on the longest combinational path (`ltp -noff`).
  public let depth: Int
}

/// iCE40 resources of a module (`synth_ice40`, no place and route).
public struct FPGAResources: Sendable {
  public let luts: Int
  public let carries: Int
  public let flipFlops: Int
}

/// iCE40 place-and-route result of a wrapped module.
public struct FPGATiming: Sendable {
  /// Maximum clock frequency nextpnr reports, MHz.
  public let fmax: Double
  /// Logic cells used (wrapper included).
  public let logicCells: Int
}

/// The gate libraries the area figures are mapped to.
public enum GateLibrary: String, Sendable {
  /// Yosys `synth`'s own mapping: AND, NAND, OR, NOR, XOR, XNOR, ANDNOT, ORNOT, MUX, NOT.
  case generic
  /// ABC's NAND, NOR and NOT only (`abc -g cmos2`): simpler cells, more of them.
  case nandNor = "nand-nor"
}

/// The Yosys and nextpnr steps of `dialectgen report`. Each writes its script and log into a
/// work directory, so every figure can be reproduced by hand.
public enum HardwareFlows {
  /// Writes `design`'s Verilog files into `folder`, a variant's own folder inside a report's
  /// work directory (emptied first), and returns their paths.
  public static func writeRTL(of design: Design, into folder: String) throws -> [String] {
    try? FileManager.default.removeItem(atPath: folder)
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var files: [String] = []
    for file in design.files() where file.name.hasSuffix(".v") {
      try file.contents.write(toFile: "\(folder)/\(file.name)", atomically: true, encoding: .utf8)
      files.append("\(folder)/\(file.name)")
    }
    return files
  }

  /// The iCE40 device and package used for place and route: the largest iCE40.
  public static let device = ["--hx8k", "--package", "ct256"]
  /// Logic cells of that device.
  public static let deviceLogicCells = 7680

  static func runYosys(_ script: String, name: String, work: String) throws -> String {
    let scriptPath = "\(work)/\(name).ys"
    let logPath = "\(work)/\(name).log"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    let outcome = try ToolRunner.run("yosys", ["-q", "-l", logPath, "-s", scriptPath])
    let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? outcome.output
    guard outcome.status == 0 else {
      let last =
        log.split(separator: "\n").filter { $0.contains("ERROR") }.last.map(String.init) ?? "exit \(outcome.status)"
      throw FlowError(description: "yosys (\(name)): \(last)")
    }
    return log
  }

  static func readCommand(_ files: [String]) -> String { "read_verilog " + files.joined(separator: " ") }

  /// Generic synthesis, every flip-flop made a plain D flip-flop (its enable and reset become
  /// gates) so that `stat -tech cmos` prices them, then the gate library's mapping.
  public static func area(files: [String], top: String, library: GateLibrary, work: String) throws -> AreaFigures {
    let mapping = library == .nandNor ? "abc -g cmos2\n" : ""
    let script = """
      \(readCommand(files))
      synth -flatten -top \(top)
      dfflegalize -cell $_DFF_P_ 01
      \(mapping)opt_clean
      tee -o \(work)/\(top).\(library.rawValue).stat stat -tech cmos
      tee -o \(work)/\(top).\(library.rawValue).ltp ltp -noff

      """
    _ = try runYosys(script, name: "\(top).\(library.rawValue)", work: work)
    let stat = try String(contentsOfFile: "\(work)/\(top).\(library.rawValue).stat", encoding: .utf8)
    let ltp = try String(contentsOfFile: "\(work)/\(top).\(library.rawValue).ltp", encoding: .utf8)
    return try areaFigures(stat: stat, longestPath: ltp, module: top)
  }

  /// The figures in the output of `stat -tech cmos` and `ltp -noff`.
  static func areaFigures(stat: String, longestPath: String, module: String) throws -> AreaFigures {
    guard let transistors = number(after: "Estimated number of transistors:", in: stat),
      let cells = number(after: "Number of cells:", in: stat)
    else { throw FlowError(description: "yosys (\(module)): no cell or transistor count in the statistics") }
    guard let depth = number(after: "(length=", in: longestPath) else {
      throw FlowError(description: "yosys (\(module)): no longest path reported")
    }
    return AreaFigures(
      transistors: transistors, cells: cells, flipFlops: number(after: "$_DFF_P_", in: stat) ?? 0, depth: depth)
  }

  /// `synth_ice40` resource counts.
  public static func ice40Resources(files: [String], top: String, work: String) throws -> FPGAResources {
    let script = """
      \(readCommand(files))
      synth_ice40 -top \(top)
      tee -o \(work)/\(top).ice40.stat stat

      """
    _ = try runYosys(script, name: "\(top).ice40", work: work)
    let stat = try String(contentsOfFile: "\(work)/\(top).ice40.stat", encoding: .utf8)
    return try ice40Resources(stat: stat, module: top)
  }

  /// The figures in the output of `stat` after `synth_ice40`.
  static func ice40Resources(stat: String, module: String) throws -> FPGAResources {
    guard number(after: "Number of cells:", in: stat) != nil else {
      throw FlowError(description: "yosys (\(module)): no iCE40 statistics")
    }
    let flipFlops = stat.split(separator: "\n").filter { $0.contains("SB_DFF") }.compactMap { line in
      line.split(separator: " ").last.flatMap { Int($0) }
    }.reduce(0, +)
    return FPGAResources(
      luts: number(after: "SB_LUT4", in: stat) ?? 0, carries: number(after: "SB_CARRY", in: stat) ?? 0,
      flipFlops: flipFlops)
  }

  /// Place and route of a wrapped module on the iCE40 HX8K; the maximum frequency of its clock.
  public static func ice40Timing(files: [String], top: String, work: String) throws -> FPGATiming {
    let json = "\(work)/\(top).json"
    _ = try runYosys(
      "\(readCommand(files))\nsynth_ice40 -top \(top) -json \(json)\n", name: "\(top).pnr-synth", work: work)
    let log = "\(work)/\(top).nextpnr.log"
    let outcome = try ToolRunner.run(
      "nextpnr-ice40",
      device + [
        "--json", json, "--pcf-allow-unconstrained", "--freq", "100", "--seed", "1", "--timing-allow-fail", "--log",
        log,
      ])
    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? outcome.output
    guard outcome.status == 0 else {
      let last =
        text.split(separator: "\n").filter { $0.contains("ERROR") }.last.map(String.init) ?? "exit \(outcome.status)"
      throw FlowError(description: "nextpnr-ice40 (\(top)): \(last)")
    }
    return try ice40Timing(log: text, module: top)
  }

  /// The figures in a nextpnr-ice40 log: the last "Max frequency for clock" line (after
  /// routing) and the logic cells used.
  static func ice40Timing(log: String, module: String) throws -> FPGATiming {
    let frequencies = log.split(separator: "\n").filter { $0.contains("Max frequency for clock") }.compactMap { line in
      line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
    }
    guard let fmax = frequencies.last else {
      throw FlowError(description: "nextpnr-ice40 (\(module)): no frequency reported")
    }
    return FPGATiming(fmax: fmax, logicCells: number(after: "ICESTORM_LC:", in: log) ?? 0)
  }

  /// The integer that follows `marker` in `text` (its first occurrence).
  static func number(after marker: String, in text: String) -> Int? {
    guard let range = text.range(of: marker) else { return nil }
    let digits = text[range.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
    return Int(digits)
  }
}
