/// The second online selector of docs/numerics.md ("neighbour groups, least squared view
/// error"), derived from a book:
///
/// 1. stage 1 picks the group g for the block's truncated maximum h, exactly as the two-stage
///    selector does;
/// 2. the candidates are the members of g and of g', the group whose largest magnitude is the
///    next smaller one (none when g has the smallest);
/// 3. each candidate d scores `S_d = sum over the block of min(err_d(q), 7)^2`; the smallest
///    wins, a tie going to the lowest id.
///
/// The tables here are what the hardware is built from and what the fast quantizer uses:
/// - ``candidates``: per group, its candidates in ascending id, padded to ``slotCount`` by
///   repeating the first one (a repeat never wins: it ties with an earlier slot, and a tie goes
///   to the earlier slot);
/// - ``residuals``: per group, slot and rounded view q, the candidate's saturated squared error
///   less the smallest among the group's candidates at that q, divided by ``scale`` (the
///   greatest common divisor of all those differences: 4 for DialectFP4, since errors at one q
///   share its parity). Every candidate is charged the same amount less and every sum is scaled
///   alike, so the sums compare exactly as the full `S_d` do (ties included), while the
///   residuals are 0 wherever the candidates agree (in DialectFP4, every q below 10) and need
///   fewer bits (4 instead of 6 for DialectFP4). Entries for a q no block of that group can
///   hold (q above `2 M_g + 1` for a group that is not the last) are 0.
public struct NeighborGroupTables: Hashable, Sendable {
  /// The cost of an element the tables were built for.
  public let cost: NeighborCost

  /// The candidates of each stage-1 group, ascending id, padded to ``slotCount``.
  public let candidates: [[Int]]
  /// The most candidates any group has: the number of sums the hardware keeps.
  public let slotCount: Int
  /// `residuals[g][slot][q]`.
  public let residuals: [[[Int]]]
  /// What every residual was divided by.
  public let scale: Int
  /// The width of a residual: enough for the largest.
  public let residualWidth: Int

  /// The tables of `book` for `cost` (by default the specified one).
  public init(book: Formatbook, cost: NeighborCost = .specified) {
    self.cost = cost
    let groupCount = book.groups.count
    let lists = (0..<groupCount).map { g in
      ((g > 0 ? book.groups[g - 1].members : []) + book.groups[g].members).sorted()
    }
    let slotCount = lists.map(\.count).max()!
    let candidates = lists.map { $0 + Array(repeating: $0[0], count: slotCount - $0.count) }
    self.slotCount = slotCount
    self.candidates = candidates
    var residuals: [[[Int]]] = []
    for g in 0..<groupCount {
      let reachable = g == groupCount - 1 ? Formatbook.quarterUnitViewCount : min(32, 2 * book.groups[g].maximum + 2)
      var rows = [[Int]](repeating: [Int](repeating: 0, count: Formatbook.quarterUnitViewCount), count: slotCount)
      for q in 0..<reachable {
        let errors = candidates[g].map { cost.of(book.dialects[$0].quarterUnitError(q)) }
        let least = errors.min()!
        for slot in 0..<slotCount { rows[slot][q] = errors[slot] - least }
      }
      residuals.append(rows)
    }
    let scale = max(1, residuals.joined().joined().reduce(0) { greatestCommonDivisor($0, $1) })
    self.scale = scale
    self.residuals = residuals.map { $0.map { $0.map { $0 / scale } } }
    residualWidth = max(1, bitWidth(of: self.residuals.joined().joined().max()!))
  }
}

/// The greatest common divisor of two non-negative integers (gcd(0, x) = x).
func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
  var (a, b) = (a, b)
  while b != 0 { (a, b) = (b, a % b) }
  return a
}

/// What one element costs a candidate dialect in the neighbour-group selector, from its
/// quarter-unit view error `err_d(q)`. docs/numerics.md specifies `min(err, 7)^2`
/// (``specified``); the others are the alternatives measured against it (a lower saturation,
/// or the error itself instead of its square), for the report only.
public enum NeighborCost: Hashable, Sendable, CustomStringConvertible {
  /// `min(err, limit)^2`.
  case squared(limit: Int)
  /// `min(err, limit)`.
  case absolute(limit: Int)

  /// The rule of docs/numerics.md: `min(err, 7)^2`.
  public static let specified = NeighborCost.squared(limit: 7)

  /// The cost of an element whose error is `error` quarter-units.
  @inlinable public func of(_ error: Int) -> Int {
    switch self {
    case .squared(let limit): return min(error, limit) * min(error, limit)
    case .absolute(let limit): return min(error, limit)
    }
  }

  public var description: String {
    switch self {
    case .squared(let limit): return "min(err, \(limit))^2"
    case .absolute(let limit): return "min(err, \(limit))"
    }
  }
}

extension Formatbook {
  /// `min(err_d(q), 7)^2`: the neighbour-group selector's cost of view q for dialect d.
  public func saturatedSquaredViewError(dialect: Int, view q: Int) -> Int {
    NeighborCost.specified.of(dialects[dialect].quarterUnitError(q))
  }

  /// The neighbour-group selector's choice for a block's rounded views, written directly from
  /// docs/numerics.md as the reference for the hardware and the fast quantizer: the members of
  /// the stage-1 group and of the next lower group, scored by the sum of saturated squared view
  /// errors (or another `cost`, for measuring alternatives); the smallest sum wins, ties to the
  /// lowest id.
  public func neighborGroupDialect(views: [Int], cost: NeighborCost = .specified) -> Int {
    let g = groupIndex(forTruncatedMaximum: (views.max() ?? 0) / 2)
    let candidates = ((g > 0 ? groups[g - 1].members : []) + groups[g].members).sorted()
    var best = candidates[0]
    var bestCost = Int.max
    for d in candidates {
      let total = views.reduce(0) { $0 + cost.of(dialects[d].quarterUnitError($1)) }
      if total < bestCost {
        best = d
        bestCost = total
      }
    }
    return best
  }
}
