import BlockDialect
import DialectHardware
import Foundation

/// `dialectgen references`: reference truth tables and Yosys proof scripts for `make formal`.
enum ReferencesCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen references",
    summary:
      "Writes reference modules (plain truth tables from the formatbook and NUMERICS.md) and Yosys scripts proving the emitted decoder and selector stages equal to them.",
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
    let configuration = try DesignOptions.configuration(arguments)
    let rtl = arguments.string("--rtl") ?? "rtl-out"
    let out = arguments.string("--out") ?? "build/formal"
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen references")
    let references = FormalReferences(book: configuration.format.formatbook)
    let design: Design
    do {
      design = try Design(configuration)
    } catch let error as ConfigurationError {
      throw UsageError(error.description)
    }
    var files: [(name: String, contents: String)] = []
    var proofs: [String] = []
    for generated in design.modules {
      let module = generated.module.name
      let text: String
      switch generated.kind {
      case .decoder: text = references.decoder(name: "\(module)_reference")
      case .groupSelect: text = references.groupSelect(name: "\(module)_reference")
      case .membership: text = references.membership(name: "\(module)_reference")
      default: continue
      }
      files.append(("\(module)_reference.v", text))
      files.append(
        (
          "\(module).ys",
          FormalReferences.proofScript(
            module: module, rtl: "\(rtl)/\(module).v", reference: "\(module)_reference",
            referenceFile: "\(out)/\(module)_reference.v")
        ))
      proofs.append(module)
    }
    files.append(("proofs.txt", proofs.joined(separator: "\n") + "\n"))
    files.append(("manifest.json", design.manifest().formatted() + "\n"))
    do {
      try DesignWriter.write(files, to: out, writtenBy: "dialectgen references")
    } catch let error as ConfigurationError {
      throw CommandFailure(error.description)
    }
    print("wrote \(proofs.count) proofs to \(out): \(proofs.joined(separator: ", "))")
  }
}
