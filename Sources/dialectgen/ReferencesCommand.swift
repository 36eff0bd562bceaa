import BlockDialect
import DialectHardware
import Foundation

/// `dialectgen references`: reference truth tables and Yosys proof scripts for `make formal`.
enum ReferencesCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen references",
    summary:
      "Writes reference modules (plain truth tables from the numerics library) and Yosys scripts proving the emitted decoder and selector stages equal to them.",
    positionals: "",
    positionalCount: 0...0,
    options: DesignOptions.specs + [
      OptionSpec(name: "--rtl", kind: .value("DIR"), help: "where the emitted RTL is (default rtl-out)"),
      OptionSpec(
        name: "--out", kind: .value("DIR"), help: "output directory (default build/formal); replaced as a whole"),
    ],
    details: """
      Proofs: the decoder against every (dialect, code); selector stage 1 (group select) against
      every h; selector stage 2 (membership) against every (group, q). DIR/proofs.txt lists the
      scripts; run each with `yosys -q -s DIR/M.ys`. A book of one dialect has no selector.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let rtl = arguments.string("--rtl") ?? "rtl-out"
    let out = arguments.string("--out") ?? "build/formal"
    let design = try DesignOptions.design(arguments)
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen references")
    let (files, proofs) = design.formalProofFiles(rtl: rtl, directory: out)
    try reportingFailure { try DesignWriter.write(files, to: out, writtenBy: "dialectgen references") }
    print("wrote \(proofs.count) proofs to \(out): \(proofs.joined(separator: ", "))")
  }
}
