import Foundation

/// What to fit and how.
public struct FormatbookFitConfiguration: Sendable {
  /// The book to start from; the fitted book keeps its tie rule and, unless
  /// ``dialectCount`` resizes it, its groups (each group's maximum and size).
  public var start: Formatbook = .dialectFP4
  /// A different number of dialects (1 to 16), for study; nil keeps the start book's.
  public var dialectCount: Int? = nil
  /// The path (or both) whose squared error is minimized.
  public var objective: FitObjective = .both
  /// The seed of the perturbations; the same seed and data give the same book.
  public var seed: UInt64 = 1
  /// Perturbation rounds of the iterated local search after the first descent.
  public var rounds = 24
  /// Whether to keep every beneficial range an interval when the start book's are (as
  /// DialectFP4's are), which keeps the selector's stage-2 table on (group, q) nearly as small
  /// as DialectFP4's. Off by default: it costs most of the activation path's gain.
  public var intervalRanges = false
  /// The fitted book's name.
  public var name = "fitted"
  /// Threads for the search and the figures: 1 for one, anything else for every core.
  /// Results do not depend on it.
  public var threads = 0

  public init() {}
}

/// A fit that cannot run: one line naming what is wrong.
public struct FitError: Error, CustomStringConvertible, Equatable {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// Before-and-after figures of both paths on one data set.
public struct FitComparison: Sendable {
  /// `training`, `held-out`, or a caller's name for an extra set.
  public let name: String
  /// Blocks in the set.
  public let blocks: Int
  /// Real (not padding) elements in the set.
  public let values: Int
  /// The start book's figures.
  public let before: BookFigures
  /// The fitted book's figures.
  public let after: BookFigures

  /// The SQNR gain in dB of the fitted book on one path (`.both` is not a path).
  public func gain(_ path: FitObjective) -> Double {
    path == .activation ? after.activation.sqnr - before.activation.sqnr : after.weight.sqnr - before.weight.sqnr
  }
}

/// What a fit produced.
public struct FormatbookFitResult: Sendable {
  /// The book the fit started from.
  public let start: Formatbook
  /// The fitted book (valid; its description summarizes the fit).
  public let book: Formatbook
  /// The path(s) it was fitted for.
  public let objective: FitObjective
  /// The seed.
  public let seed: UInt64
  /// Training first, then every evaluation set in the order given.
  public let comparisons: [FitComparison]
  /// Candidate books evaluated and moves applied by the search.
  public let evaluations: Int
  public let appliedMoves: Int
  /// Perturbation rounds run, and how many of them found a better book.
  public let rounds: Int
  public let improvingRounds: Int
  /// Whether the fit kept every beneficial range an interval.
  public let intervalRanges: Bool

  /// The training-set comparison.
  public var training: FitComparison { comparisons[0] }

  /// One line of figures: SQNR before and after on every set, per path.
  public var summary: String {
    let parts = comparisons.map { c in
      String(
        format: "%@ weight %.2f -> %.2f dB, activation %.2f -> %.2f dB", c.name, c.before.weight.sqnr,
        c.after.weight.sqnr, c.before.activation.sqnr, c.after.activation.sqnr)
    }
    return "SQNR " + parts.joined(separator: "; ")
  }
}

/// Fits a formatbook's magnitudes to data, keeping the hardware cost: same dialect count, same
/// groups (each group's shared maximum and size, so the same two-stage selector structure),
/// same tie rule; only the middle magnitudes 1...6 of each dialect move, on the half-unit grid.
///
/// The objective is the exact total squared error of the chosen path(s) on the training data,
/// evaluated from per-block sufficient statistics (``FittingData``). The search is coordinate
/// descent over every non-fixed magnitude (each value it can take, neighbours pushed aside),
/// followed by seeded perturbation rounds (iterated local search). It only ever accepts strict
/// improvements, so the fitted book is never worse than the start on the training objective.
public enum FormatbookFitter {
  /// Fits a book.
  ///
  /// - Parameters:
  ///   - configuration: Start book, size, objective, seed, rounds.
  ///   - training: The data the objective is measured on.
  ///   - evaluationSets: Extra data sets to report before-and-after figures on (held-out and
  ///     independent samples); they play no part in the fit.
  /// - Throws: ``FitError`` when the training set has no block, a set's block size differs
  ///   from the training set's, or the dialect count is outside 1...16.
  public static func fit(
    _ configuration: FormatbookFitConfiguration, training: FittingData,
    evaluationSets: [(name: String, data: FittingData)] = []
  ) throws -> FormatbookFitResult {
    guard training.blockCount > 0 else { throw FitError("the training data holds no block") }
    for set in evaluationSets where set.data.blockSize != training.blockSize {
      throw FitError(
        "\(set.name): blocks of \(set.data.blockSize) elements, but the training data has \(training.blockSize)")
    }
    let start = configuration.start
    let count = configuration.dialectCount ?? start.dialects.count
    guard (1...Formatbook.maximumDialectCount).contains(count) else {
      throw FitError("a book holds 1 to \(Formatbook.maximumDialectCount) dialects, not \(count)")
    }
    var initial = start.dialects
    if count != start.dialects.count {
      var resizer = BookResizer(
        data: training, objective: configuration.objective,
        intervalRanges: configuration.intervalRanges && start.hasIntervalRanges)
      initial = try resizer.resize(start, to: count)
    }
    let initialBook = try Formatbook(name: start.name, ties: start.ties, dialects: initial)
    let intervalRanges = configuration.intervalRanges && initialBook.hasIntervalRanges
    let state = FitSearchState(
      book: initialBook, data: training,
      objective: configuration.objective, intervalRanges: intervalRanges,
      workers: configuration.threads == 1 ? 1 : TensorQuantizer.processorCount)
    var generator = SeededGenerator(seed: configuration.seed)
    let improvingRounds = state.search(rounds: configuration.rounds, generator: &generator)

    var book = try Formatbook(name: configuration.name, ties: start.ties, dialects: state.dialects)
    let sets = [("training", training)] + evaluationSets
    let comparisons = sets.map { name, data in
      FitComparison(
        name: name, blocks: data.blockCount, values: data.valueCount,
        before: data.evaluate(start, threads: configuration.threads),
        after: data.evaluate(book, threads: configuration.threads))
    }
    var result = FormatbookFitResult(
      start: start, book: book, objective: configuration.objective, seed: configuration.seed,
      comparisons: comparisons, evaluations: state.evaluations, appliedMoves: state.applied,
      rounds: configuration.rounds, improvingRounds: improvingRounds, intervalRanges: intervalRanges)
    book = try Formatbook(
      name: configuration.name,
      description:
        "Fitted from \(start.name) for the \(configuration.objective.rawValue) path\(configuration.objective == .both ? "s" : ""), seed \(configuration.seed). \(result.summary).",
      ties: start.ties, dialects: book.dialects)
    result = result.with(book: book)
    return result
  }
}

extension FormatbookFitResult {
  /// The same result with another book (the same dialects, say, with a fuller description).
  public func with(book newBook: Formatbook) -> FormatbookFitResult {
    FormatbookFitResult(
      start: start, book: newBook, objective: objective, seed: seed, comparisons: comparisons,
      evaluations: evaluations, appliedMoves: appliedMoves, rounds: rounds, improvingRounds: improvingRounds,
      intervalRanges: intervalRanges)
  }
}
