import BlockDialect
import Foundation

/// `dialectgen formatbook fit`: learns a book's magnitudes from tensors (or the built-in
/// mixture), keeping its group structure and so its hardware cost.
enum FormatbookFitCommand: Command {
  static let defaultMixtureValues = 1 << 20

  static let spec = CommandSpec(
    name: "dialectgen formatbook fit",
    summary:
      "Fits a formatbook's magnitudes to data, keeping its dialect count, groups and tie rule (the same hardware), and writes the fitted book as JSON.",
    positionals: "",
    positionalCount: 0...0,
    options: [
      OptionSpec(name: "--output", short: "-o", kind: .value("BOOK.json"), help: "the book to write (required)"),
      OptionSpec(
        name: "--data", kind: .list("FILE"),
        help: "safetensors or .npy files to fit on (default: the built-in seeded mixture)"),
      OptionSpec(name: "--tensors", kind: .value("PATTERN"), help: "use only tensors whose name matches this glob"),
      OptionSpec(
        name: "--start", kind: .value("BOOK"),
        help: "book to start from: a JSON file or built-in name (default dialectfp4)"),
      OptionSpec(
        name: "--dialects", kind: .value("N"),
        help: "build a book of N dialects (1 to 16) for study; default: the start book's count"),
      OptionSpec(
        name: "--path", kind: .value("P"),
        help: "objective: weight, activation or both (default; the sum of both paths' squared errors)"),
      OptionSpec(
        name: "--block-size", kind: .value("N"), help: "elements per block: 8 to 256, a power of two (default 32)"),
      OptionSpec(
        name: "--seed", kind: .value("S"), help: "seed of the mixture, the held-out split and the search (default 1)"),
      OptionSpec(
        name: "--holdout", kind: .value("FRACTION"),
        help: "fraction of blocks held out for testing, 0 to 0.9 (default 0.25)"),
      OptionSpec(
        name: "--values", kind: .value("N"), help: "values of the built-in mixture (default 1048576; not with --data)"),
      OptionSpec(
        name: "--interval-ranges", kind: .flag,
        help: "keep every beneficial range an interval (a smaller selector); smaller gains"),
      OptionSpec(name: "--rounds", kind: .value("R"), help: "perturbation rounds after the first descent (default 24)"),
      OptionSpec(
        name: "--name", kind: .value("NAME"), help: "the fitted book's name (default: the output file's stem)"),
      OptionSpec(
        name: "--saturate-nonfinite", kind: .flag,
        help: "accept Inf and NaN: Inf counts as the largest finite value, NaN as 0"),
      OptionSpec(name: "--threads", kind: .value("N"), help: "1 for a single thread; default: every core"),
      OptionSpec(name: "--json", kind: .flag, help: "print the report as JSON"),
    ],
    details: """
      Only the middle magnitudes (indices 1 to 6) of each dialect move; magnitude 0, each group's
      shared maximum and the number of dialects per group stay, so the fitted book needs the same
      4-bit codes, id width and two-stage selector structure. The objective is the exact total
      squared error of the chosen path on the training blocks (the activation path with the
      two-stage hardware rule). The built-in mixture draws each block from normal, Laplace or
      Student t (3 dof) at a random scale; it is also evaluated on an independent sample with
      another seed. See docs/formatbook-fitting.md.
      """)

  /// The data to fit on, with a description for the book and the report.
  struct FitInput {
    var all: FittingData
    var description: String
    var independent: FittingData?
  }

  static func run(_ arguments: ParsedArguments) throws {
    let start = Date()
    guard let outputPath = arguments.string("--output") else { throw UsageError("missing --output BOOK.json") }
    let objective = try arguments.choice("--path", default: FitObjective.both, FitObjective.allCases)
    let dialectCount = try arguments.integer("--dialects", in: 1...Formatbook.maximumDialectCount)
    let seed = try arguments.seed("--seed", default: 1)
    let holdout = try arguments.fraction("--holdout", default: 0.25, in: 0...0.9)
    let rounds = try arguments.integer("--rounds", default: 24, in: 0...100_000)
    let threads = try arguments.integer("--threads", default: 0, in: 0...1024)
    let blockSize = try arguments.integer("--block-size", default: 32, in: 1...Int.max)
    let format: BlockFormat
    do {
      format = try BlockFormat(blockSize: blockSize)
    } catch let error as BlockFormatError {
      throw UsageError(error.description)
    }
    let name = try bookName(arguments, outputPath: outputPath)
    let startName = arguments.string("--start") ?? Formatbook.dialectFP4.name
    let startBook: Formatbook
    do {
      startBook = try Formatbook.named(startName)
    } catch let error as FormatbookError {
      throw CommandFailure("--start: \(error.description)")
    }
    // Every input is opened, and the output checked against them, before the long part.
    let startFile = Formatbook.builtIn[startName] == nil ? try InputFile(path: startName) : nil
    let sources = try arguments.list("--data")?.map(openTensorFile) ?? []
    let inputs = [startFile].compactMap { $0 } + sources.map(\.file)
    try OutputFiles.check(outputPath, option: "--output", inputs: inputs)

    let data = try loadData(arguments, sources: sources, format: format, seed: seed)
    let (training, heldOut) = data.all.split(heldOutFraction: holdout, seed: seed)
    var sets: [(name: String, data: FittingData)] = []
    if heldOut.blockCount > 0 { sets.append(("held-out", heldOut)) }
    if let independent = data.independent { sets.append(("independent", independent)) }

    var configuration = FormatbookFitConfiguration()
    configuration.start = startBook
    configuration.dialectCount = dialectCount
    configuration.objective = objective
    configuration.seed = seed
    configuration.rounds = rounds
    configuration.name = name
    configuration.intervalRanges = arguments.flag("--interval-ranges")
    configuration.threads = threads
    var result: FormatbookFitResult
    do {
      result = try FormatbookFitter.fit(configuration, training: training, evaluationSets: sets)
    } catch let error as FitError {
      throw CommandFailure(error.description)
    }
    let pathWords = objective == .both ? "both paths" : "the \(objective.rawValue) path"
    let split =
      heldOut.blockCount > 0
      ? String(format: "%d of %d blocks (%.0f%%) held out", heldOut.blockCount, data.all.blockCount, holdout * 100)
      : "no blocks held out"
    let description =
      "Fitted by dialectgen formatbook fit from \(startBook.name) for \(pathWords) on \(data.description); "
      + "block size \(blockSize), \(split), seed \(seed), \(rounds) perturbation rounds"
      + (result.intervalRanges ? ", beneficial ranges kept intervals" : "") + ". \(result.summary)."
    result = result.with(
      book: try Formatbook(name: name, description: description, ties: result.book.ties, dialects: result.book.dialects)
    )
    let output = try OutputFiles.create(outputPath, option: "--output", inputs: inputs)
    do {
      try output.write(Array(result.book.jsonText().utf8), at: 0)
    } catch {
      output.discard()
      throw error
    }
    try output.commit()
    let seconds = Date().timeIntervalSince(start)

    if arguments.flag("--json") {
      print(FitReport.json(result, data: data.description, outputPath: outputPath, seconds: seconds).formatted())
    } else {
      print(FitReport.text(result, data: data.description, split: split, outputPath: outputPath, seconds: seconds))
    }
  }

  /// The fitted book's name: `--name`, or the output file's stem; either must be a valid
  /// book name.
  static func bookName(_ arguments: ParsedArguments, outputPath: String) throws -> String {
    if let name = arguments.string("--name") {
      guard Formatbook.isValidName(name) else {
        throw UsageError("--name '\(SafeText.escape(name))' is not allowed; use \(Formatbook.nameRule)")
      }
      return name
    }
    let stem = URL(fileURLWithPath: outputPath).deletingPathExtension().lastPathComponent
    guard Formatbook.isValidName(stem) else {
      throw UsageError(
        "the output file's name gives the book name '\(SafeText.escape(stem))', which is not allowed (\(Formatbook.nameRule)); pass --name"
      )
    }
    return stem
  }

  /// The files of a description: escaped, and the first three of a long list.
  static func fileList(_ paths: [String]) -> String {
    let shown = paths.prefix(3).map { SafeText.escape($0, limit: 120) }.joined(separator: ", ")
    return paths.count > 3 ? "\(shown) and \(paths.count - 3) more" : shown
  }

  /// Reads the tensors of `--data` (or generates the mixture) into per-block statistics,
  /// streaming each tensor in pieces.
  static func loadData(_ arguments: ParsedArguments, sources: [any TensorSource], format: BlockFormat, seed: UInt64)
    throws -> FitInput
  {
    guard arguments.has("--data") else {
      if arguments.has("--tensors") { throw UsageError("--tensors applies to --data files only") }
      let count = try arguments.integer("--values", default: defaultMixtureValues, in: 1...(1 << 28))
      guard count >= format.blockSize else {
        throw UsageError("--values \(count) is fewer than one block of \(format.blockSize)")
      }
      var all = FittingData(format: format)
      all.append(FittingMixture.values(count: count, blockSize: format.blockSize, seed: seed), shape: [count])
      let independentSeed = FittingMixture.independentSeed(for: seed)
      var independent = FittingData(format: format)
      independent.append(
        FittingMixture.values(count: count, blockSize: format.blockSize, seed: independentSeed), shape: [count])
      return FitInput(
        all: all, description: "the built-in mixture (\(count) values, seed \(seed))", independent: independent)
    }
    if arguments.has("--values") { throw UsageError("--values applies to the built-in mixture only, not to --data") }
    let pattern = arguments.string("--tensors")
    let saturate = arguments.flag("--saturate-nonfinite")
    var all = FittingData(format: format)
    var tensorCount = 0
    for source in sources {
      for entry in source.floatEntries where pattern.map({ globMatches($0, entry.name) }) ?? true {
        do {
          try all.append(entry, in: source, refuseNonfinite: !saturate)
        } catch let error as NonfiniteValueError {
          throw CommandFailure(QuantizeCommand.nonfiniteAdvice(error))
        }
        tensorCount += 1
      }
    }
    let files = fileList(sources.map(\.path))
    guard tensorCount > 0 else {
      if let pattern {
        throw CommandFailure(
          "--tensors '\(SafeText.escape(pattern))' matches no F32, F16 or BF16 tensor in \(files)")
      }
      throw CommandFailure("\(files): no F32, F16 or BF16 tensors to fit on")
    }
    guard all.valueCount >= format.blockSize else {
      throw CommandFailure(
        "\(files): \(all.valueCount) value(s) in \(tensorCount) tensor(s), fewer than one block of \(format.blockSize)")
    }
    let selection = pattern.map { " (tensors matching '\(SafeText.escape($0))')" } ?? ""
    return FitInput(
      all: all, description: "\(files)\(selection): \(tensorCount) tensor(s), \(all.valueCount) values",
      independent: nil)
  }
}
