import BlockDialect
import DialectHardware
import Foundation

/// `dialectgen vectors`: golden vectors for every module of a configuration, with the headers
/// the testbench harnesses include.
enum VectorsCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen vectors",
    summary:
      "Writes golden test vectors for each module from the numerics model: hex files for $readmemh and a header per module for the harnesses in testbenches/.",
    positionals: "",
    positionalCount: 0...0,
    options: DesignOptions.specs + [
      OptionSpec(name: "--count", kind: .value("N"), help: "random blocks (or cycles) per module (default 100000)"),
      OptionSpec(name: "--seed", kind: .value("S"), help: "seed of the random vectors (default 1)"),
      OptionSpec(
        name: "--out", kind: .value("DIR"), help: "output directory (default build/vectors); replaced as a whole"),
    ],
    details: """
      Per module M: DIR/M/stimulus.hex and DIR/M/expected.hex (one vector per line, fields most
      significant first as listed in DIR/M/config.vh) and DIR/M/config.vh (counts, widths, field
      offsets, latency, file paths relative to the current directory). DIR/testbenches.mk names the
      harness of each module. Exhaustive for the decoder, group select and membership; the others
      get the directed corner cases of docs/numerics.md and COUNT seeded random blocks.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let start = Date()
    let configuration = try DesignOptions.configuration(arguments)
    let count = try arguments.integer("--count", default: 100_000, in: 1...10_000_000)
    let seed = try arguments.seed("--seed", default: 1)
    let out = arguments.string("--out") ?? "build/vectors"
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen vectors")
    let design = try reportingUsage { try Design(configuration) }
    let generator = VectorGenerator(design: design, count: count, seed: seed)
    let all = generator.all()
    try reportingFailure {
      try DesignWriter.write(generator.files(directory: out, vectors: all), to: out, writtenBy: "dialectgen vectors")
    }
    let total = all.map(\.count).reduce(0, +)
    print(
      "wrote \(total) vectors for \(all.count) modules to \(out) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s: "
        + all.map { "\($0.module.module.name) \($0.count)" }.joined(separator: ", "))
  }
}
