import BlockDialect
import Foundation

/// `dialectgen eval`: every format side by side on the tensors of one or more files.
enum EvalCommand: Command {
  static let formatNames = [
    "blockdialect-weight", "blockdialect-activation", "blockdialect-neighbor", "mxfp4", "nvfp4", "blockdialect-mse",
  ]
  static let defaultFormats = Array(formatNames.prefix(5))

  static let spec = CommandSpec(
    name: "dialectgen eval",
    summary:
      "Quantizes tensors with each format and reports SQNR, MSE, bits per element, dialect usage and clamped and non-finite blocks, per tensor and overall.",
    positionals: "FILE...",
    positionalCount: 1...Int.max,
    options: [
      OptionSpec(
        name: "--formats", kind: .list("F"),
        help: "formats to compare (default: the first five): " + formatNames.joined(separator: ", "))
    ] + FormatOptions.specs + [
      OptionSpec(name: "--json", kind: .flag, help: "print JSON instead of tables"),
      OptionSpec(
        name: "--tensors", kind: .value("PATTERN"), help: "evaluate only tensors whose name matches this glob"),
      OptionSpec(
        name: "--saturate-nonfinite", kind: .flag,
        help: "accept Inf and NaN: Inf counts as the largest finite value, NaN as 0"),
      OptionSpec(name: "--threads", kind: .value("N"), help: "1 for a single thread; default: every core"),
    ],
    details: """
      FILE is a safetensors file or a NumPy .npy file (little-endian float32 or float16, C order).
      SQNR is 10 log10(sum x^2 / sum (x - decoded x)^2); the overall figures sum both energies
      over every tensor. blockdialect-activation is the hardware's two-stage selector,
      blockdialect-neighbor its neighbour-group selector, blockdialect-mse the reference both are
      compared against (least squared quarter-unit error on the rounded views, whole book).
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let names = arguments.list("--formats") ?? defaultFormats
    if let unknown = names.first(where: { !formatNames.contains($0) }) {
      throw UsageError(
        "--formats '\(SafeText.escape(unknown))' is not a format; allowed: \(formatNames.joined(separator: ", "))")
    }
    let blockFormat = try FormatOptions.blockFormat(arguments)
    let schemes: [QuantizationScheme] = names.map { name in
      switch name {
      case "blockdialect-weight": return .blockDialect(blockFormat, .leastSquares)
      case "blockdialect-activation": return .blockDialect(blockFormat, .twoStage)
      case "blockdialect-neighbor": return .blockDialect(blockFormat, .neighborGroups)
      case "blockdialect-mse": return .blockDialect(blockFormat, .viewMeanSquare)
      case "mxfp4": return .mxfp4
      default: return .nvfp4
      }
    }
    let threads = try arguments.integer("--threads", default: 0, in: 0...1024)
    let saturate = arguments.flag("--saturate-nonfinite")

    // Open and check every file before the long part starts.
    var work: [(source: any TensorSource, entries: [TensorEntry])] = []
    for path in arguments.positionals {
      let source = try openTensorFile(path)
      let selected = try QuantizeCommand.selectTensors(source, pattern: arguments.string("--tensors"))
      work.append((source, source.entries.filter { selected.contains($0.name) }))
    }
    let total = work.flatMap(\.entries).reduce(0) { $0 + $1.elementCount } * schemes.count
    let progress = ProgressBar("evaluating", total: total)

    var tensors: [(file: String, entry: TensorEntry, nonfinite: Int, results: [FormatEvaluation])] = []
    for (source, entries) in work {
      for entry in entries {
        do {
          let (results, nonfinite) = try evaluate(
            entry, in: source, schemes: schemes, refuseNonfinite: !saturate, threads: threads
          ) { progress.advance(by: $0) }
          tensors.append((source.path, entry, nonfinite, results))
        } catch let error as NonfiniteValueError {
          throw CommandFailure(QuantizeCommand.nonfiniteAdvice(error))
        }
      }
    }
    progress.finish()

    var overall = schemes.map {
      FormatEvaluation(scheme: $0, errors: ErrorStatistics(), statistics: QuantizationStatistics())
    }
    for tensor in tensors {
      for index in overall.indices { overall[index].merge(tensor.results[index]) }
    }
    if arguments.flag("--json") {
      print(json(tensors: tensors, overall: overall, schemes: schemes).formatted())
    } else {
      printTables(tensors: tensors, overall: overall)
    }
  }

  static func json(
    tensors: [(file: String, entry: TensorEntry, nonfinite: Int, results: [FormatEvaluation])],
    overall: [FormatEvaluation], schemes: [QuantizationScheme]
  ) -> JSONValue {
    func results(_ list: [FormatEvaluation]) -> JSONValue {
      .object(list.map { ($0.scheme.description, $0.jsonValue) })
    }
    return .object([
      ("formats", .array(schemes.map { .string($0.description) })),
      (
        "tensors",
        .array(
          tensors.map { tensor in
            .object([
              ("file", .string(tensor.file)),
              ("name", .string(tensor.entry.name)),
              ("dtype", .string(tensor.entry.dtype)),
              ("shape", .array(tensor.entry.shape.map { .integer($0) })),
              ("elements", .integer(tensor.entry.elementCount)),
              ("nonfinite_elements", .integer(tensor.nonfinite)),
              ("results", results(tensor.results)),
            ])
          })
      ),
      ("overall", .object([("elements", .integer(overall.first?.errors.count ?? 0)), ("results", results(overall))])),
    ])
  }

  static func printTables(
    tensors: [(file: String, entry: TensorEntry, nonfinite: Int, results: [FormatEvaluation])],
    overall: [FormatEvaluation]
  ) {
    for tensor in tensors {
      let entry = tensor.entry
      var title =
        "\(SafeText.escape(entry.name, limit: 200))  \(shapeText(entry.shape))  \(entry.dtype)  \(humanCount(Double(entry.elementCount))) elements"
      if tensor.nonfinite > 0 { title += "  (\(tensor.nonfinite) non-finite, saturated)" }
      print(title)
      print(table(tensor.results))
      print()
    }
    if tensors.count > 1 {
      print("overall: \(tensors.count) tensors, \(humanCount(Double(overall.first?.errors.count ?? 0))) elements")
      print(table(overall))
    }
  }

  static func table(_ results: [FormatEvaluation]) -> String {
    let rows = results.map { result -> [String] in
      let statistics = result.statistics
      return [
        result.scheme.description,
        result.errors.sqnr.isFinite ? String(format: "%.2f", result.errors.sqnr) : "exact",
        String(format: "%.4e", result.errors.meanSquaredError),
        String(format: "%.3f", result.scheme.bitsPerElement),
        "\(statistics.clampedLowBlocks)/\(statistics.clampedHighBlocks)",
        "\(statistics.nonfiniteBlocks)",
      ]
    }
    var text = renderTable(
      ["format", "SQNR dB", "MSE", "bits/element", "clamped low/high", "non-finite blocks"], rows, indent: "  ")
    for result in results {
      guard case .blockDialect(let format, _) = result.scheme, result.statistics.blocks > 0 else { continue }
      let usage = result.statistics.dialectUsage.prefix(format.formatbook.dialects.count).enumerated().map {
        String(format: "%d:%.1f%%", $0.offset, 100 * Double($0.element) / Double(result.statistics.blocks))
      }
      text += "\n  dialect usage, \(result.scheme): " + usage.joined(separator: " ")
    }
    return text
  }
}
