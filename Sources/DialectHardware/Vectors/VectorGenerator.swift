import BlockDialect
import HDL

/// What a module description needs to write its golden vectors: the configuration, how many
/// random blocks (or cycles) to draw, and the seed.
public struct VectorRequest: Sendable {
  public let configuration: HardwareConfiguration
  /// Random blocks (or cycles) per module.
  public let count: Int
  public let seed: UInt64

  public init(configuration: HardwareConfiguration, count: Int, seed: UInt64) {
    self.configuration = configuration
    self.count = count
    self.seed = seed
  }

  var format: BlockFormat { configuration.format }
  var book: Formatbook { format.formatbook }

  /// The vector fields for the ports of `module` named in `names` that it has (a book of one
  /// dialect has no dialect ports), in that order.
  func fields(_ module: GeneratedModule, _ names: [String]) -> [ModuleVectors.Field] {
    names.compactMap { name in module.module.port(name).map { ModuleVectors.Field(port: name, width: $0.width) } }
  }

  /// Lane values packed, lane 0 in the lowest bits.
  static func packed(_ values: [Int], width: Int) -> BitVector {
    var words = [UInt64](repeating: 0, count: (values.count * width + 63) / 64)
    let mask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
    for (lane, value) in values.enumerated() {
      ModuleVectors.place(
        BitVector(UInt64(bitPattern: Int64(value)) & mask, width: min(width, 64)), at: lane * width, into: &words)
    }
    return BitVector(width: values.count * width, words: words)
  }
}

/// Writes the golden vectors of every module of a design, from the numerics model: each
/// module kind's description says what its vectors are (exhaustive for the small tables, the
/// directed corner cases of docs/numerics.md and `count` seeded random blocks for the others).
public struct VectorGenerator: Sendable {
  public let design: Design
  /// Random blocks (or cycles) per module.
  public let count: Int
  public let seed: UInt64

  public init(design: Design, count: Int = 100_000, seed: UInt64 = 1) {
    self.design = design
    self.count = count
    self.seed = seed
  }

  /// The vectors of every module of the design that has a testbench.
  public func all() -> [any TestbenchData] {
    let request = VectorRequest(configuration: design.configuration, count: count, seed: seed)
    return design.modules.compactMap { module in
      guard module.kind.definition.testbench != nil else { return nil }
      return module.kind.definition.vectors(for: module, in: request)
    }
  }

  /// The files `dialectgen vectors` writes into `directory`: per module M, `M/config.vh` (the
  /// header the harness includes), `M/stimulus.hex` and `M/expected.hex`; `testbenches.mk`
  /// naming each module's harness; and the design's `manifest.json`.
  public func files(directory: String, vectors: [any TestbenchData]) -> [(name: String, contents: String)] {
    var files: [(name: String, contents: String)] = []
    var makefile = [
      "# Written by dialectgen \(dialectgenVersion) vectors; do not edit.",
      "VECTOR_MODULES := \(vectors.map(\.module.module.name).joined(separator: " "))",
    ]
    for set in vectors {
      let name = set.module.module.name
      files += set.files(directory: "\(directory)/\(name)").map { ("\(name)/\($0.name)", $0.contents) }
      makefile.append("HARNESS_\(name) := \(set.module.kind.definition.testbench!)")
      makefile.append("MODE_\(name) := \(set.modeName)")
    }
    files.append(("testbenches.mk", makefile.joined(separator: "\n") + "\n"))
    files.append(("manifest.json", design.manifest().formatted() + "\n"))
    return files
  }
}
