import BlockDialect
import Foundation

/// The report `dialectgen formatbook fit` prints: figures per set and path, dialect usage and
/// the fitted magnitudes.
enum FitReport {
  static func text(_ result: FormatbookFitResult, data: String, split: String, outputPath: String, seconds: Double)
    -> String
  {
    let book = result.book
    var lines = [
      "fitted \(book.name): \(book.dialects.count) dialect(s) in \(book.groups.count) group(s), ties \(book.ties.rawValue), "
        + "from \(result.start.name) for \(result.objective == .both ? "both paths" : "the \(result.objective.rawValue) path")",
      "data: \(data); \(split)",
      "search: seed \(result.seed), \(result.rounds) perturbation rounds (\(result.improvingRounds) improved), "
        + "\(result.evaluations) candidates evaluated, \(result.appliedMoves) moves applied, "
        + String(format: "%.2f s", seconds),
      "",
    ]
    let rows = result.comparisons.map { c -> [String] in
      [
        "\(c.name) (\(c.blocks) blocks)",
        String(format: "%.2f", c.before.weight.sqnr), String(format: "%.2f", c.after.weight.sqnr),
        String(format: "%+.2f", c.gain(.weight)),
        String(format: "%.2f", c.before.activation.sqnr), String(format: "%.2f", c.after.activation.sqnr),
        String(format: "%+.2f", c.gain(.activation)),
      ]
    }
    lines.append(
      renderTable(
        ["SQNR dB", "weight before", "after", "gain", "activation before", "after", "gain"], rows, indent: "  "))
    lines.append("")
    let training = result.training
    lines.append("dialect usage on the training set (before -> after):")
    lines.append("  weight:     " + usage(training.before.weight, training.after.weight))
    lines.append("  activation: " + usage(training.before.activation, training.after.activation))
    lines.append("")
    lines.append("dialects (half-units; start book in brackets where it differs):")
    for (id, dialect) in book.dialects.enumerated() {
      var line = String(format: "  %2d: ", id) + dialect.magnitudes.map(String.init).joined(separator: " ")
      if id < result.start.dialects.count, result.start.dialects[id] != dialect {
        line += "  [" + result.start.dialects[id].magnitudes.map(String.init).joined(separator: " ") + "]"
      }
      lines.append(line)
    }
    lines.append("")
    lines.append("wrote \(SafeText.path(outputPath))")
    return lines.joined(separator: "\n")
  }

  /// Usage shares per dialect: `0:3.1%>2.0%` when the share changed.
  static func usage(_ before: PathFigures, _ after: PathFigures) -> String {
    let afterTotal = max(1, after.dialectUsage.reduce(0, +))
    let beforeTotal = max(1, before.dialectUsage.reduce(0, +))
    return after.dialectUsage.indices.map { d in
      let share = 100 * Double(after.dialectUsage[d]) / Double(afterTotal)
      guard d < before.dialectUsage.count else { return String(format: "%d:%.1f%%", d, share) }
      let old = 100 * Double(before.dialectUsage[d]) / Double(beforeTotal)
      return String(format: "%d:%.1f>%.1f%%", d, old, share)
    }.joined(separator: " ")
  }

  static func json(_ result: FormatbookFitResult, data: String, outputPath: String, seconds: Double) -> JSONValue {
    func path(_ figures: PathFigures) -> JSONValue {
      .object([
        ("sqnr_db", .double(figures.sqnr)),
        ("signal_energy", .double(figures.signalEnergy)),
        ("error_energy", .double(figures.errorEnergy)),
        ("dialect_usage", .array(figures.dialectUsage.map { .integer($0) })),
      ])
    }
    func figures(_ book: BookFigures) -> JSONValue {
      .object([("weight", path(book.weight)), ("activation", path(book.activation))])
    }
    return .object([
      ("output", .string(outputPath)),
      ("formatbook", result.book.jsonValue),
      ("start", .string(result.start.name)),
      ("objective", .string(result.objective.rawValue)),
      ("seed", .string(String(result.seed))),
      ("data", .string(data)),
      ("rounds", .integer(result.rounds)),
      ("improving_rounds", .integer(result.improvingRounds)),
      ("evaluations", .integer(result.evaluations)),
      ("applied_moves", .integer(result.appliedMoves)),
      ("seconds", .double((seconds * 1000).rounded() / 1000)),
      (
        "sets",
        .array(
          result.comparisons.map { c in
            .object([
              ("name", .string(c.name)),
              ("blocks", .integer(c.blocks)),
              ("values", .integer(c.values)),
              ("before", figures(c.before)),
              ("after", figures(c.after)),
              (
                "gain_db",
                .object([("weight", .double(c.gain(.weight))), ("activation", .double(c.gain(.activation)))])
              ),
            ])
          })
      ),
    ])
  }
}
