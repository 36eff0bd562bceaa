extension Formatbook {
  /// The activation path's choice for a block whose rounded views are `views` (each 0...31),
  /// written directly from docs/numerics.md as the reference for the hardware selector: the group
  /// for `h = floor(max q / 2)`, then the member whose beneficial range holds the most views
  /// (a tie goes to the lowest id).
  public func twoStageDialect(views: [Int]) -> Int {
    let h = (views.max() ?? 0) / 2
    let members = groups[groupIndex(forTruncatedMaximum: h)].members
    var best = members[0]
    var bestCount = -1
    for member in members {
      let count = views.filter { beneficialRanges[member] >> UInt32($0) & 1 == 1 }.count
      if count > bestCount {
        best = member
        bestCount = count
      }
    }
    return best
  }

  /// The MSE selector's choice for a block's rounded views: the dialect of the whole book with
  /// the smallest sum of squared quarter-unit errors `(min_k |q - 2 m_k|)^2` (a tie goes to the
  /// lowest id). The reference the two-stage selector is compared against.
  public func meanSquareDialect(views: [Int]) -> Int {
    let costs = squaredViewErrors.map { table in views.reduce(0) { $0 + table[$1] } }
    return costs.indices.min { costs[$0] < costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }!
  }

  /// The rounded views q of a block of Floats, as the activation path computes them.
  public func roundedViews(of elements: [Float], format: BlockFormat, input: ElementFormat = .float32) -> [Int] {
    let limit = input.largestFinite
    let finite = elements.map { $0.isNaN ? 0 : ($0.isInfinite ? ($0 < 0 ? -limit : limit) : $0) }
    let rule = SharedExponentRule(bias: format.exponentBias, maximumField: format.maximumExponentField)
    let (field, _) = rule.field(forMaximum: finite.map(abs).max() ?? 0)
    let scale = rule.quarterUnitScale(field: field)
    return finite.map { ScaledView(quarterUnits: Double(abs($0)) * scale).rounded }
  }
}

extension Formatbook {
  /// Stage 2's membership of a rounded view `q` in group `group`: bit j is set when q lies in
  /// the beneficial range of the group's member j (always 0 for a group of one).
  public func memberBits(group: Int, view q: Int) -> Int {
    var bits = 0
    for (position, member) in groups[group].members.enumerated() where (beneficialRanges[member] >> UInt32(q)) & 1 == 1
    {
      bits |= 1 << position
    }
    return bits
  }
}
