import BlockDialect
import DialectHardware

/// The options that describe a hardware configuration, shared by `emit`, `vectors` and
/// `report`: a configuration file, the block format, and the generator parameters.
enum DesignOptions {
  static let specs: [OptionSpec] =
    [OptionSpec(name: "--config", kind: .value("FILE.json"), help: "a configuration file (options below override it)")]
    + FormatOptions.specs + [
      OptionSpec(name: "--input", kind: .value("F"), help: "block quantizer input: fp16 (default) or bf16"),
      OptionSpec(
        name: "--selector", kind: .value("S"),
        help: "block quantizer's online selector: two-stage (default) or neighbor (neighbour groups)"),
      OptionSpec(
        name: "--pipeline", kind: .value("N"),
        help: "pipeline depth of the block quantizer and the block dot product (default 0: combinational)"),
      OptionSpec(
        name: "--acc-width", kind: .value("N"),
        help: "block dot product accumulator width (default: any sum of 2^16 blocks fits)"),
      OptionSpec(name: "--lane-acc-width", kind: .value("N"), help: "MAC lane accumulator width (default 24)"),
      OptionSpec(name: "--modules", kind: .list("M"), help: "modules (default: all that apply to the book)"),
      OptionSpec(
        name: "--datapath", kind: .value("S"),
        help: "structured (default: uses the book's structure) or naive (ignores it, for comparison)"),
      OptionSpec(
        name: "--prefix", kind: .value("P"),
        help: "prepended to every module name, so two configurations can share a netlist (e.g. x_)"),
      OptionSpec(name: "--tile-rows", kind: .value("R"), help: "tile: block-dot units in parallel (default 4)"),
      OptionSpec(
        name: "--tile-max-rows", kind: .value("M"), help: "tile: the largest M the weight memory holds (default 1024)"),
      OptionSpec(
        name: "--tile-max-columns", kind: .value("K"),
        help: "tile: the largest K, a multiple of the block size (default 1024)"),
      OptionSpec(name: "--tile-output", kind: .value("F"), help: "tile: result format fp32 (default), fp16 or bf16"),
      OptionSpec(
        name: "--register-slices", kind: .flag,
        help: "register slices at the streaming modules' inputs and outputs: ready_o and outputs from registers"),
    ]

  /// Checks before any work that the output directory can be written (and is not someone
  /// else's), so a mistake costs no time.
  static func checkOutput(_ directory: String, writtenBy command: String) throws {
    try reportingFailure { try DesignWriter.checkWritable(directory, writtenBy: command) }
  }

  /// The configuration: the file's, with command-line options on top.
  static func configuration(_ arguments: ParsedArguments) throws -> HardwareConfiguration {
    var configuration = HardwareConfiguration()
    if let path = arguments.string("--config") {
      configuration = try reportingUsage { try HardwareConfiguration(contentsOf: path) }
    }
    if FormatOptions.anyGiven(arguments) {
      let base = configuration.format
      let book = arguments.has("--formatbook") ? try FormatOptions.formatbook(arguments) : base.formatbook
      let width = try arguments.integer("--exponent-width", default: base.exponentWidth, in: 0...64)
      let bias =
        try arguments.integer("--exponent-bias", in: Int.min...Int.max)
        ?? (arguments.has("--exponent-width") ? nil : base.exponentBias)
      do {
        configuration.format = try BlockFormat(
          blockSize: try arguments.integer("--block-size", default: base.blockSize, in: 1...Int.max),
          exponentWidth: width, exponentBias: bias, formatbook: book)
      } catch let error as BlockFormatError {
        throw UsageError(error.description)
      }
      if !arguments.has("--acc-width") { configuration.accumulatorWidth = configuration.format.defaultAccumulatorWidth }
      if !arguments.has("--modules"), arguments.has("--formatbook") {
        configuration.modules = ModuleRegistry.kinds(for: book)
      }
    }
    if arguments.has("--input") {
      let choices: [ElementFormat] = [.float16, .bfloat16]
      configuration.input = try arguments.choice("--input", default: .float16, choices)
    }
    if arguments.has("--selector") {
      configuration.selector = try arguments.choice("--selector", default: .twoStage, OnlineSelector.allCases)
    }
    if let depth = try arguments.integer("--pipeline", in: 0...64) {
      configuration.setUniformDepth(depth)
    }
    if let width = try arguments.integer("--acc-width", in: 1...1_000_000) { configuration.accumulatorWidth = width }
    if let width = try arguments.integer("--lane-acc-width", in: 1...1_000_000) {
      configuration.laneAccumulatorWidth = width
    }
    if arguments.has("--datapath") {
      configuration.datapathStyle = try arguments.choice("--datapath", default: .structured, DatapathStyle.allCases)
    }
    if let names = arguments.list("--modules") {
      configuration.modules = try reportingUsage {
        do {
          return try HardwareConfiguration.modules(names)
        } catch let error as ConfigurationError {
          throw ConfigurationError("--modules: \(error.description)")
        }
      }
    }
    if let prefix = arguments.string("--prefix") { configuration.prefix = prefix }
    if let rows = try arguments.integer("--tile-rows", in: 1...1024) { configuration.tile.rows = rows }
    if let rows = try arguments.integer("--tile-max-rows", in: 1...1_000_000) { configuration.tile.maximumRows = rows }
    if let columns = try arguments.integer("--tile-max-columns", in: 1...1_000_000) {
      configuration.tile.maximumColumns = columns
    }
    if arguments.has("--tile-output") {
      configuration.tile.output = try arguments.choice("--tile-output", default: .float32, TileOutput.allCases)
    }
    if arguments.flag("--register-slices") { configuration.registerSlices = true }
    try reportingUsage { try configuration.validate() }
    return configuration
  }

  /// The design of the configuration the options describe.
  static func design(_ arguments: ParsedArguments) throws -> Design {
    let configuration = try configuration(arguments)
    return try reportingUsage { try Design(configuration) }
  }
}
