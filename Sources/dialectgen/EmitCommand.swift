import BlockDialect
import DialectHardware
import Foundation

/// `dialectgen emit`: the RTL for a configuration, with its file list, manifest and FuseSoC
/// core.
enum EmitCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen emit",
    summary:
      "Generates the BlockDialect RTL for a formatbook and block format: one Verilog file per module, files.f, manifest.json and dialectgen.core.",
    positionals: "",
    positionalCount: 0...0,
    options: DesignOptions.specs + [
      OptionSpec(name: "--out", kind: .value("DIR"), help: "output directory (default rtl-out); replaced as a whole")
    ],
    details: """
      Modules: \(ModuleKind.allCases.map(\.rawValue).joined(separator: ", ")).
      A configuration file is a JSON object with any of: formatbook (a built-in name, a path, or an
      inline book), block_size, exponent_width, exponent_bias, input, pipeline (a depth, or an
      object of depths by module), accumulator_width, lane_accumulator_width, datapath, modules,
      prefix, register_slices.
      Nothing is written unless every module builds; the output directory is replaced only if it
      is empty or holds an earlier emit.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let start = Date()
    let design = try DesignOptions.design(arguments)
    let out = arguments.string("--out") ?? "rtl-out"
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen emit")
    let files = design.files()
    try reportingFailure { try DesignWriter.write(files, to: out, writtenBy: "dialectgen emit") }
    let seconds = Date().timeIntervalSince(start)
    print(
      "emitted \(design.verilogModules.count) modules (\(files.count) files) to \(out) in \(String(format: "%.2f", seconds)) s: "
        + design.verilogModules.map(\.name).joined(separator: ", "))
  }
}
