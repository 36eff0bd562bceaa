import Foundation

/// Which quantization path a formatbook is fitted for.
public enum FitObjective: String, Sendable, Hashable, CaseIterable {
  /// The weight path: each block takes the dialect of least squared error.
  case weight
  /// The activation path: each block takes the dialect of the two-stage hardware selector.
  case activation
  /// Both at once: the sum of the two paths' squared errors (one book serves both).
  case both

  /// Whether the weight path's error counts.
  public var includesWeight: Bool { self != .activation }
  /// Whether the activation path's error counts.
  public var includesActivation: Bool { self != .weight }
}

/// How one path did on one data set.
public struct PathFigures: Hashable, Sendable {
  /// Sum of x^2.
  public var signalEnergy = 0.0
  /// Sum of (x - decoded x)^2.
  public var errorEnergy = 0.0
  /// Blocks per dialect id.
  public var dialectUsage: [Int]

  /// Figures for a book of `dialectCount` dialects, all zero.
  public init(dialectCount: Int) {
    dialectUsage = [Int](repeating: 0, count: dialectCount)
  }

  /// 10 log10(signal energy / error energy); infinite when the error is zero.
  public var sqnr: Double {
    errorEnergy == 0 ? .infinity : 10 * log10(signalEnergy / errorEnergy)
  }

  /// Adds another set of figures to these.
  public mutating func merge(_ other: PathFigures) {
    signalEnergy += other.signalEnergy
    errorEnergy += other.errorEnergy
    for d in dialectUsage.indices { dialectUsage[d] += other.dialectUsage[d] }
  }
}

/// How a formatbook did on one data set, on both paths.
public struct BookFigures: Hashable, Sendable {
  /// The weight path (least squared error per block).
  public var weight: PathFigures
  /// The activation path (the two-stage hardware selector).
  public var activation: PathFigures

  /// Figures for a book of `dialectCount` dialects, all zero.
  public init(dialectCount: Int) {
    weight = PathFigures(dialectCount: dialectCount)
    activation = PathFigures(dialectCount: dialectCount)
  }

  /// The error energy the objective minimizes.
  public func errorEnergy(for objective: FitObjective) -> Double {
    (objective.includesWeight ? weight.errorEnergy : 0) + (objective.includesActivation ? activation.errorEnergy : 0)
  }

  /// Adds another set of figures to these.
  public mutating func merge(_ other: BookFigures) {
    weight.merge(other.weight)
    activation.merge(other.activation)
  }
}

extension FittingData {
  /// Blocks per unit of parallel work; fixed, so that sums never depend on the thread count.
  static let chunkBlocks = 2048

  /// The squared error of `book` on both paths, exactly as ``TensorQuantizer`` followed by
  /// ``QuantizedTensor/errorStatistics(against:input:threads:)`` would measure it on the
  /// original tensors (to rounding of the sums), with each path's dialect usage.
  ///
  /// - Parameter threads: 1 for one thread, anything else for every core; the result is the
  ///   same either way.
  public func evaluate(_ book: Formatbook, threads: Int = 0) -> BookFigures {
    let tables = book.dialects.map { DialectKeyTable(magnitudes: $0.magnitudes, ties: book.ties) }
    let dialectCount = book.dialects.count
    let chunkCount = (blockCount + Self.chunkBlocks - 1) / Self.chunkBlocks
    var partial = [BookFigures](repeating: BookFigures(dialectCount: dialectCount), count: chunkCount)
    partial.withUnsafeMutableBufferPointer { buffer in
      let results = buffer
      forEachChunk(chunkCount, threads: threads) { chunk in
        let blocks = chunk * Self.chunkBlocks..<min(blockCount, (chunk + 1) * Self.chunkBlocks)
        var costs = [Double](repeating: 0, count: dialectCount * blocks.count)
        for (d, table) in tables.enumerated() {
          for b in blocks {
            var cost = 0.0
            for e in entryStarts[b]..<entryStarts[b + 1] {
              let key = Int(entryKeys[e])
              cost += Double(entryCounts[e]) * table.squared[key] - entrySums[e] * table.magnitude[key]
            }
            costs[d * blocks.count + b - blocks.lowerBound] = cost
          }
        }
        results[chunk] = tally(book, blocks: blocks) { d, b in costs[d * blocks.count + b - blocks.lowerBound] }
      }
    }
    var total = BookFigures(dialectCount: dialectCount)
    for figures in partial { total.merge(figures) }
    return total
  }

  /// Both paths' choices and errors over `blocks`, given every dialect's exact cost per block.
  func tally(_ book: Formatbook, blocks: Range<Int>, cost: (_ dialect: Int, _ block: Int) -> Double) -> BookFigures {
    let dialectCount = book.dialects.count
    var figures = BookFigures(dialectCount: dialectCount)
    // The member lists of the group stage 1 picks, per truncated maximum h.
    let groupMembers = (0...Dialect.largestMagnitude).map { h in
      book.groups[book.groupIndex(forTruncatedMaximum: h)].members
    }
    for b in blocks {
      let signal = weights[b] * squareSums[b]
      var best = 0
      var bestCost = cost(0, b)
      for d in 1..<dialectCount {
        let c = cost(d, b)
        if c < bestCost {
          best = d
          bestCost = c
        }
      }
      figures.weight.signalEnergy += signal
      figures.weight.errorEnergy += error(block: b, cost: bestCost)
      figures.weight.dialectUsage[best] += 1

      let members = groupMembers[Int(largestViews[b]) >> 1]
      var chosen = members[0]
      if members.count > 1 {
        var most = viewCount(block: b, in: book.beneficialRanges[chosen])
        for member in members.dropFirst() {
          let count = viewCount(block: b, in: book.beneficialRanges[member])
          if count > most {
            chosen = member
            most = count
          }
        }
      }
      figures.activation.signalEnergy += signal
      figures.activation.errorEnergy += error(block: b, cost: cost(chosen, b))
      figures.activation.dialectUsage[chosen] += 1
    }
    return figures
  }
}
