/// The state of the search over a book's magnitudes, with its group structure fixed, on one
/// data set: every dialect's exact cost per block, each block's best and second-best dialect
/// (weight path) and its two-stage choice (activation path).
///
/// A candidate change of one dialect is evaluated exactly but cheaply: only the encoding keys
/// whose magnitude changes are visited, through a per-key index of (block, count, sum) entries,
/// and only blocks the change can affect are re-decided. Costs are exact integers (see
/// ``FittingData``), so updating them by differences never drifts.
final class FitSearchState {
  let data: FittingData
  let objective: FitObjective
  let ties: TieRule
  /// Whether every beneficial range must stay an interval (see
  /// ``Formatbook/hasIntervalRanges``); a candidate that breaks one is never taken.
  let intervalRanges: Bool
  let blockCount: Int
  let dialectCount: Int
  /// Per dialect: its group (fixed: the groups' maxima and members never change).
  let groupOfDialect: [Int]
  /// Per group: its members, ascending id.
  let groupMembers: [[Int]]
  /// Per group: the blocks whose stage-1 choice it is.
  let groupBlocks: [[Int]]

  // The per-key index: for each encoding key, the entries of every block that has it.
  let keyStarts: [Int]
  let keyBlocks: UnsafeMutableBufferPointer<Int32>
  let keyCounts: UnsafeMutableBufferPointer<Double>
  let keySums: UnsafeMutableBufferPointer<Double>

  /// Per dialect: the magnitudes in half-units.
  private(set) var magnitudes: [[Int]]
  private(set) var tables: [DialectKeyTable]
  /// Per dialect: its beneficial range within its group.
  private(set) var ranges: [UInt32]
  /// Exact costs, `cost[d * blockCount + b]`.
  let cost: UnsafeMutableBufferPointer<Double>
  // Weight path: per block, the least and second-least cost and their dialects (ties to the
  // lowest id, as the selector breaks them).
  let best: UnsafeMutableBufferPointer<Double>
  let bestId: UnsafeMutableBufferPointer<Int32>
  let second: UnsafeMutableBufferPointer<Double>
  let secondId: UnsafeMutableBufferPointer<Int32>
  /// Activation path: per block, the two-stage choice.
  let chosen: UnsafeMutableBufferPointer<Int32>
  /// Per block: `4^(E - b)`.
  let weights: UnsafeMutableBufferPointer<Double>

  /// The objective in cost units: the sum over the objective's paths and blocks of
  /// `weight * cost` of the chosen dialect. The error energy is ``constantEnergy`` plus this
  /// times 2^-25.
  private(set) var value = 0.0
  /// The error energy's part that no book changes: the sum of `weight * sum a^2`, once per path.
  let constantEnergy: Double

  /// Per-block cost differences of one candidate, all zero between uses.
  final class Scratch {
    let delta: UnsafeMutableBufferPointer<Double>
    init(blockCount: Int) {
      delta = .allocate(capacity: blockCount)
      delta.initialize(repeating: 0)
    }
    deinit { delta.deallocate() }
    func clear() { delta.initialize(repeating: 0) }
  }
  /// One scratch per worker.
  let scratches: [Scratch]

  /// Candidate changes evaluated (counted by the caller) and applied so far.
  var evaluations = 0
  private(set) var applied = 0

  /// Sets up the search for `book`'s structure and magnitudes on `data`.
  ///
  /// - Parameter workers: How many candidates may be evaluated at once (one scratch each).
  init(book: Formatbook, data: FittingData, objective: FitObjective, intervalRanges: Bool = false, workers: Int = 1) {
    precondition(!intervalRanges || book.hasIntervalRanges, "the start book's ranges are not all intervals")
    self.data = data
    self.objective = objective
    self.intervalRanges = intervalRanges
    ties = book.ties
    blockCount = data.blockCount
    dialectCount = book.dialects.count
    groupOfDialect = book.groupOfDialect
    groupMembers = book.groups.map(\.members)
    var blocksOfGroup = [[Int]](repeating: [], count: book.groups.count)
    for b in 0..<data.blockCount {
      blocksOfGroup[book.groupIndex(forTruncatedMaximum: Int(data.largestViews[b]) >> 1)].append(b)
    }
    groupBlocks = blocksOfGroup

    // The per-key index, by counting sort of the per-block entries.
    var starts = [Int](repeating: 0, count: Formatbook.encodingKeyCount + 1)
    for key in data.entryKeys { starts[Int(key) + 1] += 1 }
    for key in 0..<Formatbook.encodingKeyCount { starts[key + 1] += starts[key] }
    keyStarts = starts
    keyBlocks = .allocate(capacity: data.entryCount)
    keyCounts = .allocate(capacity: data.entryCount)
    keySums = .allocate(capacity: data.entryCount)
    var next = starts
    for b in 0..<data.blockCount {
      for e in data.entryStarts[b]..<data.entryStarts[b + 1] {
        let key = Int(data.entryKeys[e])
        keyBlocks[next[key]] = Int32(b)
        keyCounts[next[key]] = Double(data.entryCounts[e])
        keySums[next[key]] = data.entrySums[e]
        next[key] += 1
      }
    }

    magnitudes = book.dialects.map(\.magnitudes)
    tables = magnitudes.map { DialectKeyTable(magnitudes: $0, ties: book.ties) }
    ranges = book.beneficialRanges
    cost = .allocate(capacity: dialectCount * blockCount)
    for d in 0..<dialectCount {
      let costs = data.costs(tables[d])
      for b in 0..<blockCount { cost[d * blockCount + b] = costs[b] }
    }
    best = .allocate(capacity: blockCount)
    bestId = .allocate(capacity: blockCount)
    second = .allocate(capacity: blockCount)
    secondId = .allocate(capacity: blockCount)
    chosen = .allocate(capacity: blockCount)
    weights = .allocate(capacity: blockCount)
    scratches = (0..<max(1, workers)).map { _ in Scratch(blockCount: data.blockCount) }
    var constant = 0.0
    for b in 0..<blockCount {
      weights[b] = data.weights[b]
      constant += data.weights[b] * data.squareSums[b]
    }
    constantEnergy = constant * Double((objective.includesWeight ? 1 : 0) + (objective.includesActivation ? 1 : 0))
    for b in 0..<blockCount { rankDialects(block: b) }
    for g in groupMembers.indices { chooseMembers(group: g) }
    value = freshValue()
  }

  deinit {
    for buffer in [keyCounts, keySums, cost, best, second, weights] { buffer.deallocate() }
    for buffer in [keyBlocks, bestId, secondId, chosen] { buffer.deallocate() }
  }

  /// The error energy of the objective's paths, in the data's own units.
  var errorEnergy: Double { constantEnergy + value * 0x1p-25 }

  /// The current book's dialects.
  var dialects: [Dialect] { magnitudes.map(Dialect.init) }

  /// The beneficial ranges of `d`'s group if `d` took `candidate`'s magnitudes, in member
  /// order, or nil when that breaks the interval rule.
  func groupRanges(_ d: Int, with candidate: [Int], enforce: Bool = true) -> [UInt32]? {
    let members = groupMembers[groupOfDialect[d]]
    guard members.count > 1 else { return [0] }
    let ranges = DialectKeyTable.beneficialRanges(of: members.map { $0 == d ? candidate : magnitudes[$0] })
    return !enforce || !intervalRanges || ranges.allSatisfy(Formatbook.isInterval) ? ranges : nil
  }

  /// The change in ``value`` if dialect `d` took `candidate`'s magnitudes (same maximum);
  /// infinite when the candidate breaks the interval rule.
  ///
  /// Reads the state only, so several candidates may be evaluated at once, each with its own
  /// `scratch` (which is left all zero again).
  func change(_ d: Int, to candidate: [Int], scratch: Scratch) -> Double {
    evaluate(d, to: candidate, table: DialectKeyTable(magnitudes: candidate, ties: ties), scratch: scratch).change
  }

  /// Makes the change: dialect `d` takes `candidate`'s magnitudes (same maximum).
  ///
  /// - Parameter enforce: false to pass through a book that breaks the interval rule (when
  ///   restoring a saved book one dialect at a time).
  func apply(_ d: Int, to candidate: [Int], enforce: Bool = true) {
    let table = DialectKeyTable(magnitudes: candidate, ties: ties)
    let scratch = scratches[0]
    let outcome = evaluate(d, to: candidate, table: table, scratch: scratch, keepScratch: true, enforce: enforce)
    applied += 1
    let delta = scratch.delta
    let base = d * blockCount
    for b in 0..<blockCount where delta[b] != 0 {
      cost[base + b] += delta[b]
      rankDialects(block: b)
      delta[b] = 0
    }
    magnitudes[d] = candidate
    tables[d] = table
    let g = groupOfDialect[d]
    for (i, member) in groupMembers[g].enumerated() { ranges[member] = outcome.ranges[i] }
    if outcome.rangesChanged { chooseMembers(group: g) }
    value = freshValue()
  }

  /// Evaluates a candidate: fills `scratch.delta` with every block's cost difference, sums
  /// the change in ``value``, and clears the scratch unless asked to keep it.
  private func evaluate(
    _ d: Int, to candidate: [Int], table: DialectKeyTable, scratch: Scratch, keepScratch: Bool = false,
    enforce: Bool = true
  ) -> (change: Double, ranges: [UInt32], rangesChanged: Bool) {
    precondition(candidate.last == magnitudes[d].last, "a dialect keeps its group's maximum")
    let g = groupOfDialect[d]
    let members = groupMembers[g]
    let oldRanges = members.map { ranges[$0] }
    guard let newRanges = groupRanges(d, with: candidate, enforce: enforce) else {
      precondition(!keepScratch, "an infeasible candidate cannot be applied")
      return (.infinity, oldRanges, false)
    }
    let delta = scratch.delta
    scatterDifferences(from: tables[d], to: table, into: delta)
    let base = d * blockCount
    let id = Int32(d)
    var change = 0.0

    if objective.includesWeight {
      for b in 0..<blockCount where delta[b] != 0 {
        let newCost = cost[base + b] + delta[b]
        let (other, otherId) = bestId[b] == id ? (second[b], secondId[b]) : (best[b], bestId[b])
        let newBest = newCost < other || (newCost == other && id < otherId) ? newCost : other
        change += weights[b] * (newBest - best[b])
      }
    }

    let rangesChanged = newRanges != oldRanges
    if objective.includesActivation {
      if rangesChanged {
        for b in groupBlocks[g] {
          let member = choose(block: b, members: members, ranges: newRanges)
          let newCost = member == d ? cost[base + b] + delta[b] : cost[member * blockCount + b]
          change += weights[b] * (newCost - cost[Int(chosen[b]) * blockCount + b])
        }
      } else {
        for b in groupBlocks[g] where chosen[b] == id { change += weights[b] * delta[b] }
      }
    }
    if !keepScratch { scratch.clear() }
    return (change, newRanges, rangesChanged)
  }

  /// Adds to `delta` every block's cost difference between two key tables of one dialect
  /// (blocks without a key whose magnitude differs stay 0).
  private func scatterDifferences(
    from old: DialectKeyTable, to new: DialectKeyTable, into delta: UnsafeMutableBufferPointer<Double>
  ) {
    for key in 2..<Formatbook.encodingKeyCount where new.magnitude[key] != old.magnitude[key] {
      let squaredDifference = new.squared[key] - old.squared[key]
      let magnitudeDifference = new.magnitude[key] - old.magnitude[key]
      for e in keyStarts[key]..<keyStarts[key + 1] {
        delta[Int(keyBlocks[e])] += keyCounts[e] * squaredDifference - keySums[e] * magnitudeDifference
      }
    }
  }

  /// Recomputes block `b`'s least and second-least cost.
  private func rankDialects(block b: Int) {
    var first = (cost: Double.infinity, id: Int32(Int32.max))
    var runnerUp = first
    for d in 0..<dialectCount {
      let c = cost[d * blockCount + b]
      if c < first.cost {
        runnerUp = first
        first = (c, Int32(d))
      } else if c < runnerUp.cost {
        runnerUp = (c, Int32(d))
      }
    }
    best[b] = first.cost
    bestId[b] = first.id
    second[b] = runnerUp.cost
    secondId[b] = runnerUp.id
  }

  /// The two-stage choice among `members` (whose ranges are `ranges`) for block `b`.
  private func choose(block b: Int, members: [Int], ranges: [UInt32]) -> Int {
    guard members.count > 1 else { return members[0] }
    var winner = 0
    var most = data.viewCount(block: b, in: ranges[0])
    for i in 1..<members.count {
      let count = data.viewCount(block: b, in: ranges[i])
      if count > most {
        winner = i
        most = count
      }
    }
    return members[winner]
  }

  private func chooseMembers(group g: Int) {
    let members = groupMembers[g]
    let memberRanges = members.map { ranges[$0] }
    for b in groupBlocks[g] { chosen[b] = Int32(choose(block: b, members: members, ranges: memberRanges)) }
  }

  /// ``value`` summed afresh, block by block in order.
  private func freshValue() -> Double {
    var total = 0.0
    if objective.includesWeight {
      for b in 0..<blockCount { total += weights[b] * best[b] }
    }
    if objective.includesActivation {
      for b in 0..<blockCount { total += weights[b] * cost[Int(chosen[b]) * blockCount + b] }
    }
    return total
  }
}
