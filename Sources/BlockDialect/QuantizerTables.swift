/// Tables derived once from a formatbook for the quantization kernels, laid out for speed.
///
/// Immutable after creation (so it is safe to share across threads).
final class QuantizerTables: @unchecked Sendable {
  /// Lanes in the least-squares cost vector: one per possible dialect.
  static let lanes = Formatbook.maximumDialectCount
  typealias CostVector = SIMD16<Double>

  let book: Formatbook
  let dialectCount: Int
  /// Encoding index per (dialect, encoding key): `encode[dialect * 64 + key]`.
  let encode: UnsafeMutablePointer<UInt8>

  // Activation path (two-stage selector), flattened for the kernel.
  /// Per truncated maximum h (0...15): where the members of its group start in `members`.
  let groupStart: UnsafeMutablePointer<Int>
  /// Per truncated maximum h (0...15): how many members its group has.
  let groupSize: UnsafeMutablePointer<Int>
  /// The members of every group, group after group, ascending id.
  let members: UnsafeMutablePointer<Int>
  /// Per rounded view q: one lane per dialect, 1 when q is in the dialect's beneficial
  /// range; summing these over a block gives every dialect's stage-2 count at once.
  let membership: UnsafeMutablePointer<SIMD16<UInt16>>

  // Neighbour-group selector:
  /// Per rounded view q: one lane per dialect, its neighbour-group cost (`min(err_d(q), 7)^2`
  /// as specified); summed over a block (at most 256 x 49, so UInt16 lanes never wrap), every
  /// dialect's cost at once.
  let neighborViewCost: UnsafeMutablePointer<SIMD16<UInt16>>
  /// Per truncated maximum h (0...15): the candidates, ascending id, in `neighborCandidates`.
  let neighborStart: UnsafeMutablePointer<Int>
  let neighborCount: UnsafeMutablePointer<Int>
  let neighborCandidates: UnsafeMutablePointer<Int>

  // Weight path (least squares), per encoding key, one lane per dialect:
  /// The magnitude m (half-units) each dialect encodes the key to.
  let magnitude: UnsafeMutablePointer<CostVector>
  /// m^2 * 2^23, so that `cost * 2^25 = sum(m^2 * 2^23 - u * m)` with `u = 4a * 2^23`.
  let magnitudeSquared: UnsafeMutablePointer<CostVector>
  /// Keys whose magnitude differs between dialects; the others cost every dialect the same.
  let distinguishingKeys: UInt64

  // MSE reference: squared quarter-unit error per (dialect, q): `squaredError[d * 32 + q]`.
  let squaredViewError: [Int]

  init(book: Formatbook, neighborCost: NeighborCost = .specified) {
    self.book = book
    dialectCount = book.dialects.count
    let keyCount = Formatbook.encodingKeyCount
    encode = .allocate(capacity: dialectCount * keyCount)
    for d in 0..<dialectCount {
      for key in 0..<keyCount {
        encode[d * keyCount + key] = UInt8(
          book.encodingIndex(dialect: d, truncated: key >> 1, isWhole: key & 1 == 1))
      }
    }

    let maximumCount = Dialect.largestMagnitude + 1
    groupStart = .allocate(capacity: maximumCount)
    groupSize = .allocate(capacity: maximumCount)
    members = .allocate(capacity: dialectCount)
    members.initialize(from: book.groups.flatMap(\.members), count: dialectCount)
    let starts = book.groups.indices.map { g in book.groups[..<g].map(\.members.count).reduce(0, +) }
    for h in 0..<maximumCount {
      let group = book.groupIndex(forTruncatedMaximum: h)
      groupStart[h] = starts[group]
      groupSize[h] = book.groups[group].members.count
    }
    membership = .allocate(capacity: Formatbook.quarterUnitViewCount)
    for q in 0..<Formatbook.quarterUnitViewCount {
      var lanes = SIMD16<UInt16>(repeating: 0)
      for d in 0..<dialectCount { lanes[d] = UInt16((book.beneficialRanges[d] >> UInt32(q)) & 1) }
      membership[q] = lanes
    }

    neighborViewCost = .allocate(capacity: Formatbook.quarterUnitViewCount)
    for q in 0..<Formatbook.quarterUnitViewCount {
      var lanes = SIMD16<UInt16>(repeating: 0)
      for d in 0..<dialectCount { lanes[d] = UInt16(neighborCost.of(book.dialects[d].quarterUnitError(q))) }
      neighborViewCost[q] = lanes
    }
    let neighbor = NeighborGroupTables(book: book, cost: neighborCost)
    let lists = neighbor.candidates.map { Array(Set($0)).sorted() }
    neighborCandidates = .allocate(capacity: lists.map(\.count).reduce(0, +))
    neighborCandidates.initialize(from: lists.flatMap { $0 }, count: lists.map(\.count).reduce(0, +))
    neighborStart = .allocate(capacity: maximumCount)
    neighborCount = .allocate(capacity: maximumCount)
    for h in 0..<maximumCount {
      let group = book.groupIndex(forTruncatedMaximum: h)
      neighborStart[h] = lists[..<group].map(\.count).reduce(0, +)
      neighborCount[h] = lists[group].count
    }

    magnitude = .allocate(capacity: keyCount)
    magnitudeSquared = .allocate(capacity: keyCount)
    var distinguishing: UInt64 = 0
    for key in 0..<keyCount {
      var m = CostVector(repeating: 0)
      // A dialect the book does not have always loses: a huge cost whenever any key counts.
      var squared = CostVector(repeating: 0x1p60)
      var values = Set<Int>()
      for d in 0..<dialectCount {
        let value = book.dialects[d].magnitudes[Int(encode[d * keyCount + key])]
        values.insert(value)
        m[d] = Double(value)
        squared[d] = Double(value * value) * 0x1p23
      }
      magnitude[key] = m
      magnitudeSquared[key] = squared
      if values.count > 1 { distinguishing |= 1 << UInt64(key) }
    }
    distinguishingKeys = distinguishing

    squaredViewError = book.squaredViewErrors.flatMap { $0 }
  }

  deinit {
    groupStart.deallocate()
    groupSize.deallocate()
    members.deallocate()
    membership.deallocate()
    neighborViewCost.deallocate()
    neighborStart.deallocate()
    neighborCount.deallocate()
    neighborCandidates.deallocate()
    encode.deallocate()
    magnitude.deallocate()
    magnitudeSquared.deallocate()
  }

  /// Stage 1 then stage 2 of the hardware selector, given the block's largest q and the
  /// sum of ``membership`` over its elements.
  @inline(__always)
  func twoStageChoice(largestView: Int, counts: SIMD16<UInt16>) -> Int {
    let h = largestView >> 1
    let first = groupStart[h]
    var best = members[first]
    for member in UnsafeBufferPointer(start: members + first + 1, count: groupSize[h] - 1)
    where counts[member] > counts[best] {
      best = member
    }
    return best
  }

  /// The neighbour-group selector, given the block's largest q and the sum of
  /// ``neighborViewCost`` over its elements: the cheapest candidate, ties to the lowest id.
  @inline(__always)
  func neighborChoice(largestView: Int, costs: SIMD16<UInt16>) -> Int {
    let h = largestView >> 1
    let first = neighborStart[h]
    var best = neighborCandidates[first]
    for candidate in UnsafeBufferPointer(start: neighborCandidates + first + 1, count: neighborCount[h] - 1)
    where costs[candidate] < costs[best] {
      best = candidate
    }
    return best
  }

  /// The MSE reference selector on the q views.
  func viewMeanSquareChoice(views: UnsafePointer<UInt8>, count: Int) -> Int {
    var histogram = [Int](repeating: 0, count: Formatbook.quarterUnitViewCount)
    for i in 0..<count { histogram[Int(views[i])] += 1 }
    var best = 0
    var bestCost = Int.max
    for d in 0..<dialectCount {
      var cost = 0
      for q in 0..<Formatbook.quarterUnitViewCount where histogram[q] != 0 {
        cost += histogram[q] * squaredViewError[d * Formatbook.quarterUnitViewCount + q]
      }
      if cost < bestCost {
        best = d
        bestCost = cost
      }
    }
    return best
  }

  /// The weight path: writes each element's encoding key to `keys` and returns the dialect
  /// with the least squared error, exactly (ties to the lowest id).
  ///
  /// Elements are binned by encoding key; per key, the count `c` and the sum of
  /// `u = 4a * 2^23` (an integer for every element with 4a >= 1) give each dialect's cost
  /// `sum over keys of c * m^2 * 2^23 - s * m` (the a^2 terms are the same for every dialect).
  /// Every value is an integer below 2^53, so the Double sums are exact, as long as no element
  /// has 4a >= 32, which only a block whose exponent was clamped high can have; such blocks
  /// go through ``exactLeastSquaresChoice``.
  func leastSquaresChoice(
    elements: UnsafeBufferPointer<Float>, scale: Double, keys: UnsafeMutablePointer<UInt8>,
    exactPathNeeded: Bool
  ) -> Int {
    let count = elements.count
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * Formatbook.encodingKeyCount) {
      bins in
      let counts = bins.baseAddress!
      let sums = counts + Formatbook.encodingKeyCount
      var occupied: UInt64 = 0
      var largest = 0.0
      for i in 0..<count {
        let quarterUnits = Double(abs(elements[i])) * scale
        let key = ScaledView.encodingKey(quarterUnits)
        keys[i] = UInt8(key)
        let bit = UInt64(1) << UInt64(key)
        if occupied & bit == 0 {
          occupied |= bit
          counts[key] = 0
          sums[key] = 0
        }
        counts[key] += 1
        sums[key] += quarterUnits * 0x1p23
        largest = max(largest, quarterUnits)
      }
      if exactPathNeeded && largest >= 32 {
        return exactLeastSquaresChoice(elements: elements, scale: scale, keys: keys)
      }
      var cost = CostVector(repeating: 0)
      var remaining = occupied & distinguishingKeys
      while remaining != 0 {
        let key = remaining.trailingZeroBitCount
        remaining &= remaining - 1
        cost += counts[key] * magnitudeSquared[key] - sums[key] * magnitude[key]
      }
      let least = cost.min()
      for d in 0..<dialectCount where cost[d] == least { return d }
      return 0
    }
  }

  /// The weight path for blocks with elements at or above 4a = 32 (exponent clamped high):
  /// the same cost in 128-bit integers. An element above 4a = 2^90 makes every dialect with
  /// a smaller largest magnitude lose by more than all other terms can make up, so the choice
  /// is among the dialects with the book's largest magnitude, on the remaining elements.
  func exactLeastSquaresChoice(
    elements: UnsafeBufferPointer<Float>, scale: Double, keys: UnsafeMutablePointer<UInt8>
  ) -> Int {
    let quarterUnits = elements.map { Double(abs($0)) * scale }
    let huge = quarterUnits.contains { $0 >= 0x1p90 }
    let candidates = (0..<dialectCount).filter {
      !huge || book.dialects[$0].maximum == book.largestMagnitude
    }
    var best = candidates[0]
    var bestCost = Int128.max
    for d in candidates {
      var cost: Int128 = 0
      for (i, value) in quarterUnits.enumerated() where value >= 1 && (!huge || value < 32) {
        let m = Int128(book.dialects[d].magnitudes[Int(encode[d * Formatbook.encodingKeyCount + Int(keys[i])])])
        let u = Int128(exactly: value * 0x1p23)!
        cost += m * m * (1 << 23) - u * m
      }
      if cost < bestCost {
        best = d
        bestCost = cost
      }
    }
    return best
  }
}
