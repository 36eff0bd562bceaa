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
    options: [
      OptionSpec(name: "--config", kind: .value("FILE.json"), help: "a configuration file (options below override it)")
    ] + FormatOptions.specs + [
      OptionSpec(name: "--input", kind: .value("F"), help: "block quantizer input: fp16 (default) or bf16"),
      OptionSpec(
        name: "--pipeline", kind: .value("N"),
        help: "pipeline depth of the block quantizer and the block dot product (default 0: combinational)"),
      OptionSpec(
        name: "--acc-width", kind: .value("N"),
        help: "block dot product accumulator width (default: any sum of 2^16 blocks fits)"),
      OptionSpec(name: "--lane-acc-width", kind: .value("N"), help: "MAC lane accumulator width (default 24)"),
      OptionSpec(name: "--modules", kind: .list("M"), help: "modules to emit (default: all that apply to the book)"),
      OptionSpec(name: "--out", kind: .value("DIR"), help: "output directory (default rtl-out); replaced as a whole"),
    ],
    details: """
      Modules: \(ModuleKind.allCases.map(\.rawValue).joined(separator: ", ")).
      A configuration file is a JSON object with any of: formatbook (a built-in name, a path, or an
      inline book), block_size, exponent_width, exponent_bias, input, pipeline (a depth, or an
      object of depths by module), accumulator_width, lane_accumulator_width, modules.
      Nothing is written unless every module builds; the output directory is replaced only if it
      is empty or holds an earlier emit.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let start = Date()
    let configuration = try DesignOptions.configuration(arguments)
    let design: Design
    do {
      design = try Design(configuration)
    } catch let error as ConfigurationError {
      throw UsageError(error.description)
    }
    let out = arguments.string("--out") ?? "rtl-out"
    let files = design.files()
    do {
      try DesignWriter.write(files, to: out)
    } catch let error as ConfigurationError {
      throw CommandFailure(error.description)
    }
    let seconds = Date().timeIntervalSince(start)
    print(
      "emitted \(design.verilogModules.count) modules (\(files.count) files) to \(out) in \(String(format: "%.2f", seconds)) s: "
        + design.modules.map(\.module.name).joined(separator: ", "))
  }
}
