import BlockDialect

/// The options that describe a BlockDialect block format, shared by several commands.
enum FormatOptions {
  static let specs: [OptionSpec] = [
    OptionSpec(
      name: "--block-size", kind: .value("N"), help: "elements per block: 8, 16, 32 (default), 64, 128 or 256"),
    OptionSpec(
      name: "--formatbook", kind: .value("FILE"),
      help: "formatbook JSON file, or a built-in name: dialectfp4 (default), e2m1"),
    OptionSpec(name: "--exponent-width", kind: .value("W"), help: "shared exponent field width, 2 to 8 (default 5)"),
    OptionSpec(name: "--exponent-bias", kind: .value("B"), help: "shared exponent bias (default 2^(W-1) - 1)"),
  ]

  /// Whether any of the block-format options was given.
  static func anyGiven(_ arguments: ParsedArguments) -> Bool {
    specs.contains { arguments.has($0.name) }
  }

  /// The block format the options describe.
  static func blockFormat(_ arguments: ParsedArguments) throws -> BlockFormat {
    let book = try formatbook(arguments)
    let blockSize = try arguments.integer("--block-size", default: 32, in: 1...Int.max)
    let width = try arguments.integer("--exponent-width", default: 5, in: 0...64)
    let bias = try arguments.integer("--exponent-bias", in: Int.min...Int.max)
    do {
      return try BlockFormat(blockSize: blockSize, exponentWidth: width, exponentBias: bias, formatbook: book)
    } catch let error as BlockFormatError {
      throw UsageError(error.description)
    }
  }

  /// The formatbook named by `--formatbook` (DialectFP4 by default).
  static func formatbook(_ arguments: ParsedArguments) throws -> Formatbook {
    guard let name = arguments.string("--formatbook") else { return .dialectFP4 }
    return try Formatbook.named(name)
  }
}
