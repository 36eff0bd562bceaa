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
    ]

  /// Checks before any work that the output directory can be written (and is not someone
  /// else's), so a mistake costs no time.
  static func checkOutput(_ directory: String, writtenBy command: String) throws {
    do {
      try DesignWriter.checkWritable(directory, writtenBy: command)
    } catch let error as ConfigurationError {
      throw CommandFailure(error.description)
    }
  }

  /// The configuration: the file's, with command-line options on top.
  static func configuration(_ arguments: ParsedArguments) throws -> HardwareConfiguration {
    var configuration = HardwareConfiguration()
    if let path = arguments.string("--config") {
      do {
        configuration = try HardwareConfiguration(contentsOf: path)
      } catch let error as ConfigurationError {
        throw UsageError(error.description)
      }
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
        configuration.modules = Design.applicableKinds(for: book)
      }
    }
    if arguments.has("--input") {
      let choices: [ElementFormat] = [.float16, .bfloat16]
      configuration.input = try arguments.choice("--input", default: .float16, choices)
    }
    if let depth = try arguments.integer("--pipeline", in: 0...64) {
      configuration.pipelineDepths = HardwareConfiguration.uniformDepths(depth)
    }
    if let width = try arguments.integer("--acc-width", in: 1...1_000_000) { configuration.accumulatorWidth = width }
    if let width = try arguments.integer("--lane-acc-width", in: 1...1_000_000) {
      configuration.laneAccumulatorWidth = width
    }
    if arguments.has("--datapath") {
      configuration.datapathStyle = try arguments.choice("--datapath", default: .structured, DatapathStyle.allCases)
    }
    if let names = arguments.list("--modules") {
      do {
        configuration.modules = try HardwareConfiguration.modules(names)
      } catch let error as ConfigurationError {
        throw UsageError("--modules: \(error.description)")
      }
    }
    do {
      try configuration.validate()
    } catch let error as ConfigurationError {
      throw UsageError(error.description)
    }
    return configuration
  }
}
