extension ModuleBuilder {
  /// Reduces `values` with a balanced binary tree of `combine`, naming each level's results
  /// `<name>_l<level>_<index>` so the tree reads in waveforms. `betweenLevels` may replace a
  /// level's results (to insert pipeline registers); it gets the level number (1 for the
  /// first adders) and the results. An odd value out passes to the next level unchanged.
  public func balancedTree(
    _ name: String, _ values: [Signal], combine: (Signal, Signal) -> Signal,
    betweenLevels: ((Int, [Signal]) -> [Signal])? = nil, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    guard !values.isEmpty else {
      error("tree '\(name)' needs at least one value", at: SourceLocation(file, line))
      return .invalid("empty tree '\(name)'")
    }
    var level = values
    var depth = 0
    while level.count > 1 {
      depth += 1
      var next: [Signal] = []
      for index in stride(from: 0, to: level.count - 1, by: 2) {
        next.append(
          wire("\(name)_l\(depth)_\(index / 2)", combine(level[index], level[index + 1]), file: file, line: line))
      }
      if level.count % 2 == 1 { next.append(level[level.count - 1]) }
      level = betweenLevels?(depth, next) ?? next
    }
    return level[0]
  }

  /// The sum of `values` (equal signedness) by a balanced tree of full-precision adders: the
  /// result never overflows; it is ceil(log2(count)) bits wider than the values when they
  /// share one width (at most that much wider than the widest otherwise).
  public func adderTree(
    _ name: String, _ values: [Signal], betweenLevels: ((Int, [Signal]) -> [Signal])? = nil,
    file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    balancedTree(name, values, combine: { $0 + $1 }, betweenLevels: betweenLevels, file: file, line: line)
  }

  /// The largest of `values` (same type) by a balanced tree of comparators and multiplexers.
  public func maximumTree(
    _ name: String, _ values: [Signal], betweenLevels: ((Int, [Signal]) -> [Signal])? = nil,
    file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    balancedTree(
      name, values, combine: { a, b in mux(a < b, b, a, file: file, line: line) }, betweenLevels: betweenLevels,
      file: file, line: line)
  }

  /// The number of set bits of `bits`, as an unsigned value: an adder tree of the bits, so
  /// 1 + ceil(log2(width)) bits wide (1 bit for a 1-bit input), enough for every count.
  public func populationCount(
    _ name: String, _ bits: Signal, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    if bits.isInvalid || bits.width == 0 {
      report(
        bits.checkedUnary("populationCount") ?? bits, statement: "population count '\(name)'",
        at: SourceLocation(file, line))
      return .invalid("population count '\(name)'")
    }
    let ones = (0..<bits.width).map { bits[$0] }
    guard ones.count > 1 else { return ones[0] }
    return adderTree(name, ones, file: file, line: line)
  }
}

extension ModuleBuilder {
  /// The best of `values` and its position, by a balanced tree of comparisons:
  /// `isBetter(a, b)` is a `UInt<1>` that is 1 when `a` is strictly better than `b`. On a tie
  /// the earlier value wins, so the result is the lowest position among the best (a
  /// "lowest index wins ties" rule for free). Each level's results are named
  /// `<name>_l<level>_<index>` (value) and `<name>_l<level>_<index>_position`.
  ///
  /// - Returns: The best value and its position, `max(1, ceil(log2(count)))` bits.
  public func bestOf(
    _ name: String, _ values: [Signal], isBetter: (Signal, Signal) -> Signal, file: StaticString = #fileID,
    line: UInt = #line
  ) -> (value: Signal, position: Signal) {
    guard !values.isEmpty else {
      error("'\(name)' needs at least one value", at: SourceLocation(file, line))
      return (.invalid("empty choice '\(name)'"), .invalid("empty choice '\(name)'"))
    }
    let positionWidth = max(1, bitWidth(ofCount: values.count))
    var level = values.enumerated().map {
      (value: $0.element, position: Signal.constant($0.offset, width: positionWidth))
    }
    var depth = 0
    while level.count > 1 {
      depth += 1
      var next: [(value: Signal, position: Signal)] = []
      for index in stride(from: 0, to: level.count - 1, by: 2) {
        let (left, right) = (level[index], level[index + 1])
        let node = "\(name)_l\(depth)_\(index / 2)"
        let takeRight = wire("\(node)_right", isBetter(right.value, left.value), file: file, line: line)
        next.append(
          (
            wire(node, mux(takeRight, right.value, left.value), file: file, line: line),
            wire("\(node)_position", mux(takeRight, right.position, left.position), file: file, line: line)
          ))
      }
      if level.count % 2 == 1 { next.append(level[level.count - 1]) }
      level = next
    }
    return level[0]
  }
}

/// Bits to number `count` positions 0...count-1.
func bitWidth(ofCount count: Int) -> Int {
  count <= 1 ? 0 : Int.bitWidth - (count - 1).leadingZeroBitCount
}
