/// The moves of the search: coordinate descent over every non-fixed magnitude, and the random
/// perturbations that let it leave a local optimum (iterated local search).
extension FitSearchState {
  /// The smallest change that counts as an improvement: a relative 1e-12 of the current error,
  /// so that rounding in the sums can never make the search cycle.
  var tolerance: Double { 1e-12 * max(errorEnergy, 0) * 0x1p25 }

  /// Dialect magnitudes with index `k` (1...6) set to `value`, and its neighbours pushed just
  /// far enough to stay strictly increasing. `value` must lie in ``movableRange(_:index:)``.
  static func pushed(_ magnitudes: [Int], index k: Int, to value: Int) -> [Int] {
    var m = magnitudes
    m[k] = value
    for j in stride(from: k + 1, through: Dialect.magnitudeCount - 2, by: 1) { m[j] = max(m[j], m[j - 1] + 1) }
    for j in stride(from: k - 1, through: 1, by: -1) { m[j] = min(m[j], m[j + 1] - 1) }
    return m
  }

  /// The values magnitude `k` (1...6) of a dialect with largest magnitude `maximum` can take
  /// while the dialect stays valid: room for `k - 1` magnitudes below and `6 - k` above.
  static func movableRange(maximum: Int, index k: Int) -> ClosedRange<Int>? {
    let top = maximum - (Dialect.magnitudeCount - 1) + k
    return top > k ? k...top : nil
  }

  /// The change in ``value`` for each candidate magnitude list of dialect `d`, evaluated on
  /// as many workers as there are scratches (the results do not depend on how many).
  func evaluate(_ d: Int, _ candidates: [[Int]]) -> [Double] {
    evaluations += candidates.count
    var results = [Double](repeating: 0, count: candidates.count)
    let workers = min(scratches.count, candidates.count)
    results.withUnsafeMutableBufferPointer { buffer in
      let output = buffer
      forEachChunk(workers, threads: workers) { worker in
        for i in stride(from: worker, to: candidates.count, by: workers) {
          output[i] = change(d, to: candidates[i], scratch: scratches[worker])
        }
      }
    }
    return results
  }

  /// Coordinate descent: for each dialect and each magnitude 1...6 in turn, tries every value
  /// the magnitude can take (pushing neighbours aside), with exact re-evaluation, and takes
  /// the best strict improvement; sweeps until a whole sweep improves nothing.
  ///
  /// - Returns: The number of sweeps.
  @discardableResult
  func descend() -> Int {
    var sweeps = 0
    var improved = true
    while improved {
      improved = false
      sweeps += 1
      for d in 0..<dialectCount {
        for k in 1...(Dialect.magnitudeCount - 2) {
          let current = magnitudes[d]
          guard let values = Self.movableRange(maximum: current[Dialect.magnitudeCount - 1], index: k) else { continue }
          let candidates = values.filter { $0 != current[k] }.map { Self.pushed(current, index: k, to: $0) }
          if applyBest(d, of: candidates) { improved = true }
        }
      }
    }
    return sweeps
  }

  /// Pair moves: for each dialect, every two middle magnitudes moved by +-1 at once
  /// (neighbours pushed aside), which coordinate descent cannot reach through a worse book.
  /// Takes the best strict improvement per dialect.
  ///
  /// - Returns: Whether any move was taken.
  func pairMoves() -> Bool {
    var improved = false
    let last = Dialect.magnitudeCount - 1
    for d in 0..<dialectCount {
      let current = magnitudes[d]
      var candidates: [[Int]] = []
      var seen: Set<[Int]> = [current]
      for j in 1..<last {
        for k in (j + 1)..<last {
          for (sj, sk) in [(-1, -1), (-1, 1), (1, -1), (1, 1)] {
            guard let rangeJ = Self.movableRange(maximum: current[last], index: j),
              let rangeK = Self.movableRange(maximum: current[last], index: k),
              rangeJ.contains(current[j] + sj)
            else { continue }
            let first = Self.pushed(current, index: j, to: current[j] + sj)
            guard rangeK.contains(first[k] + sk) else { continue }
            let candidate = Self.pushed(first, index: k, to: first[k] + sk)
            if candidate[j] == current[j] + sj, seen.insert(candidate).inserted { candidates.append(candidate) }
          }
        }
      }
      if applyBest(d, of: candidates) { improved = true }
    }
    return improved
  }

  /// Evaluates `candidates` for dialect `d` and applies the one that lowers the objective most,
  /// if any lowers it by more than the tolerance.
  ///
  /// - Returns: Whether a candidate was applied.
  func applyBest(_ d: Int, of candidates: [[Int]]) -> Bool {
    let changes = evaluate(d, candidates)
    var bestChange = -tolerance
    var bestCandidate: [Int]? = nil
    for (candidate, change) in zip(candidates, changes) where change < bestChange {
      bestChange = change
      bestCandidate = candidate
    }
    guard let bestCandidate else { return false }
    apply(d, to: bestCandidate)
    return true
  }

  /// Coordinate descent, then pair moves, until neither improves.
  func descendFully() {
    repeat { descend() } while pairMoves()
  }

  /// Iterated local search: descends, then `rounds` times perturbs one to three dialects of the
  /// best book found so far, descends again and keeps the result only if it is strictly better.
  ///
  /// - Returns: How many rounds found a better book.
  @discardableResult
  func search(rounds: Int, generator: inout SeededGenerator) -> Int {
    descendFully()
    let movable = (0..<dialectCount).filter { magnitudes[$0].last! > Dialect.magnitudeCount - 1 }
    guard !movable.isEmpty else { return 0 }
    var improvements = 0
    for _ in 0..<rounds {
      let saved = magnitudes
      let savedValue = value
      var pool = movable
      for _ in 0..<min(pool.count, 1 + generator.below(3)) {
        let d = pool.remove(at: generator.below(pool.count))
        // Under the interval rule, a few draws until one keeps the group's ranges intervals.
        for _ in 0..<16 {
          let candidate = Self.perturbed(magnitudes[d], generator: &generator)
          if groupRanges(d, with: candidate) != nil {
            apply(d, to: candidate)
            break
          }
        }
      }
      descendFully()
      if value < savedValue - tolerance {
        improvements += 1
      } else {
        for d in 0..<dialectCount where magnitudes[d] != saved[d] { apply(d, to: saved[d], enforce: false) }
      }
    }
    return improvements
  }

  /// A random valid neighbour of a dialect with the same maximum: half the time each middle
  /// magnitude moves by -2...2 (then repaired to stay strictly increasing), otherwise the six
  /// middle magnitudes are drawn afresh from 1...maximum-1.
  static func perturbed(_ magnitudes: [Int], generator: inout SeededGenerator) -> [Int] {
    let last = Dialect.magnitudeCount - 1
    let maximum = magnitudes[last]
    var m = magnitudes
    if generator.below(2) == 0 {
      for k in 1..<last { m[k] += generator.below(5) - 2 }
    } else {
      var pool = Array(1..<maximum)
      for k in 1..<last { m[k] = pool.remove(at: generator.below(pool.count)) }
    }
    m[1..<last].sort()
    for k in 1..<last { m[k] = max(m[k], m[k - 1] + 1) }
    for k in stride(from: last - 1, through: 1, by: -1) { m[k] = min(m[k], m[k + 1] - 1) }
    return m
  }
}
