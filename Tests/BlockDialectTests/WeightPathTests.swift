import Foundation
import Testing

@testable import BlockDialect

/// The weight path (exact least squares over the whole book) on blocks built to tie.
@Suite("Weight path: exact least squares and ties")
struct WeightPathTests {
  let quantizer = BlockQuantizer(format: .default, selector: .leastSquares)

  func dialect(_ values: [Float]) -> Int { quantizer.quantize(values).outcome.dialect }

  @Test func craftedTies() {
    // a = 4.0 (8 half-units) is exact in dialects 5, 7, 12, 14 and 15 and in none before 5:
    // five-way tie at cost 0, lowest id 5.
    #expect(dialect([4]) == 5)
    #expect(dialect([4, 1, 0.5, -2, 0]) == 5)
    // 7.5 with 4.5 and 5.5: dialect 0 [.., 11, 15] misses 4.5 by 1.0, dialect 1 [.., 9, 15]
    // misses 5.5 by 1.0; both cost 1 (everything else costs more): tie, dialect 0.
    #expect(dialect([7.5, 4.5, 5.5]) == 0)
    // Adding a second 4.5 breaks the tie towards dialect 1.
    #expect(dialect([7.5, 4.5, 5.5, 4.5]) == 1)
    // 6.5 and 5 (13 and 10 half-units): exact only in dialect 4 [.., 10, 13].
    #expect(dialect([6.5, 5]) == 4)
    // 6 and 4 (12 and 8): exact in dialect 7 [.., 8, 12] (E2M1) only.
    #expect(dialect([6, 4]) == 7)
    // 4 and 3.5 and 2.5: 8, 7, 5 half-units: dialect 15 [.., 5, 6, 8] has 5 and 8 but not 7
    // (7 -> 6 or 8, 0.5 off, cost 0.25); dialect 14 [.., 6, 7, 8] has 7 and 8, misses 5
    // (-> 4 or 6: tie, 0.5 off, cost 0.25): equal costs, dialect 14 wins.
    #expect(dialect([4, 3.5, 2.5]) == 14)
  }

  /// Cost ties against the reference on exact grids: every block is also checked to see
  /// whether it really held a tie, so that ties are known to have been exercised.
  @Test(arguments: [Formatbook.dialectFP4, randomBooks[0], randomBooks[1]])
  func gridBlocksWithTies(book: Formatbook) throws {
    let format = try BlockFormat(blockSize: 8, formatbook: book)
    let quantizers = DialectSelector.allCases.map { BlockQuantizer(format: format, selector: $0) }
    var rng = SeededGenerator(seed: 0x7135)
    var ties = [Int](repeating: 0, count: DialectSelector.allCases.count)
    var mismatches = 0
    let table = book.dialects.map(\.magnitudes)
    for _ in 0..<700 {
      // Half-unit and quarter-unit grid values with amax in [4, 8) so that E = b, a = |x|.
      var values = (0..<8).map { _ in Float(Int.random(in: -31...31, using: &rng)) / 4 }
      values[Int.random(in: 0...7, using: &rng)] = Float(Int.random(in: 16...31, using: &rng)) / 4
      let scaled = values.map { Double(abs($0)) }
      for (s, quantizer) in quantizers.enumerated() {
        let library = libraryBlock(quantizer, values)
        let spec = specBlock(quantizer, values)
        if library != spec {
          mismatches += 1
          if mismatches < 5 { Issue.record("\(values) \(quantizer.selector): library \(library), spec \(spec)") }
        }
        // Did another dialect tie with the winner?
        let winner = spec.dialect
        let views = scaled.map(Spec.roundedView)
        let tied = table.indices.contains { d in
          guard d != winner else { return false }
          switch quantizer.selector {
          case .leastSquares:
            return Spec.compareLeastSquares(table[d], table[winner], ties: book.ties, scaled: scaled) == 0
          case .viewMeanSquare:
            let cost = { (m: [Int]) in views.map { Spec.quarterError(m, $0) * Spec.quarterError(m, $0) }.reduce(0, +) }
            return cost(table[d]) == cost(table[winner])
          case .twoStage:
            let counts = Spec.twoStageCounts(table, views: views)
            return counts.count > 1 && counts[d] == counts[winner]
          case .neighborGroups:
            let saturated = { (m: [Int]) in views.map { min(Spec.quarterError(m, $0), 7) }.map { $0 * $0 }.reduce(0, +)
            }
            return Spec.neighborCandidates(table, views: views).contains(d)
              && saturated(table[d]) == saturated(table[winner])
          }
        }
        if tied { ties[s] += 1 }
      }
    }
    #expect(mismatches == 0)
    // Ties were common on these grids, for every selector.
    #expect(ties.allSatisfy { $0 >= 20 }, "ties per selector: \(ties)")
  }

  /// The fast path and the exact 128-bit path give the same answer wherever both apply:
  /// clamping high with elements from just above 32 quarter-units to 2^100.
  @Test func exactPathAgreesWithReference() throws {
    let format = try BlockFormat(blockSize: 16, exponentWidth: 4, exponentBias: 7)
    var rng = SeededGenerator(seed: 0xC1A4)
    for book in [Formatbook.dialectFP4, randomBooks[0]] {
      let quantizer = BlockQuantizer(
        format: try BlockFormat(
          blockSize: 16, exponentWidth: format.exponentWidth, exponentBias: format.exponentBias, formatbook: book),
        selector: .leastSquares)
      for _ in 0..<400 {
        let top = Int.random(in: 9...100, using: &rng)
        let values = (0..<16).map { _ in
          Float(rng.normal() * power2(Int.random(in: 0...top, using: &rng)))
        }
        #expect(libraryBlock(quantizer, values) == specBlock(quantizer, values), "\(values)")
      }
    }
  }
}
