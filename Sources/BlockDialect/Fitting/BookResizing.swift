/// Builds books of another size from a start book, for study (`--dialects N`), greedily and
/// with exact evaluation on the training data:
///
/// - shrinking: repeatedly drops the dialect whose removal raises the objective's error least
///   (a tie drops the lowest id); a group that loses its last member disappears, and stage 1
///   then sends its blocks to the next group up;
/// - growing: repeatedly adds the candidate that lowers the error most, among the DialectFP4
///   dialects the book lacks (each may open a new group) and every one-step move (+-1 on one
///   middle magnitude, neighbours pushed aside) of a dialect already in the book (a new
///   member of that dialect's group); a tie takes the first candidate in that order.
///
/// The remaining dialects keep their relative order and new ones are appended, so ids (and
/// with them the tie rules of both selectors) stay as close to the start book as possible.
struct BookResizer {
  let data: FittingData
  let objective: FitObjective
  /// Whether books whose beneficial ranges are not all intervals are passed over.
  let intervalRanges: Bool
  private var cache: [[Int]: [Double]] = [:]

  init(data: FittingData, objective: FitObjective, intervalRanges: Bool) {
    self.data = data
    self.objective = objective
    self.intervalRanges = intervalRanges
  }

  /// Every block's exact cost for a dialect, computed once per distinct dialect.
  private mutating func costs(_ magnitudes: [Int], ties: TieRule) -> [Double] {
    if let known = cache[magnitudes] { return known }
    let costs = data.costs(DialectKeyTable(magnitudes: magnitudes, ties: ties))
    cache[magnitudes] = costs
    return costs
  }

  /// How good `dialects` are under `start`'s ties: first whether they break the interval rule
  /// (so a book that keeps it always wins over one that does not), then the objective's error.
  private mutating func energy(_ dialects: [Dialect], like start: Formatbook) throws -> (Int, Double) {
    let book = try Formatbook(name: start.name, ties: start.ties, dialects: dialects)
    let penalty = intervalRanges && !book.hasIntervalRanges ? 1 : 0
    var arrays: [[Double]] = []
    for dialect in dialects { arrays.append(costs(dialect.magnitudes, ties: start.ties)) }
    return (penalty, data.tally(book, blocks: 0..<data.blockCount) { d, b in arrays[d][b] }.errorEnergy(for: objective))
  }

  /// `start`'s dialects, shrunk or grown to `count`.
  mutating func resize(_ start: Formatbook, to count: Int) throws -> [Dialect] {
    var dialects = start.dialects
    while dialects.count > count {
      var bestIndex = 0
      var bestEnergy = (2, Double.infinity)
      for i in dialects.indices {
        var fewer = dialects
        fewer.remove(at: i)
        let energy = try energy(fewer, like: start)
        if energy < bestEnergy {
          bestIndex = i
          bestEnergy = energy
        }
      }
      dialects.remove(at: bestIndex)
      cache = cache.filter { entry in dialects.contains { $0.magnitudes == entry.key } }
    }
    while dialects.count < count {
      var bestCandidate: Dialect? = nil
      var bestEnergy = (2, Double.infinity)
      for candidate in Self.candidates(adding: dialects) {
        let energy = try energy(dialects + [candidate], like: start)
        if energy < bestEnergy {
          bestCandidate = candidate
          bestEnergy = energy
        }
      }
      guard let bestCandidate else { break }
      dialects.append(bestCandidate)
      cache = cache.filter { entry in dialects.contains { $0.magnitudes == entry.key } }
    }
    return dialects
  }

  /// The dialects a growing book may add, in order, without repeats or dialects it has.
  static func candidates(adding dialects: [Dialect]) -> [Dialect] {
    var seen = Set(dialects.map(\.magnitudes))
    var result: [Dialect] = []
    func consider(_ magnitudes: [Int]) {
      if seen.insert(magnitudes).inserted { result.append(Dialect(magnitudes)) }
    }
    for dialect in Formatbook.dialectFP4.dialects { consider(dialect.magnitudes) }
    for dialect in dialects {
      let m = dialect.magnitudes
      for k in 1...(Dialect.magnitudeCount - 2) {
        guard let range = FitSearchState.movableRange(maximum: m[Dialect.magnitudeCount - 1], index: k) else {
          continue
        }
        for value in [m[k] - 1, m[k] + 1] where range.contains(value) {
          consider(FitSearchState.pushed(m, index: k, to: value))
        }
      }
    }
    return result
  }
}
