import Foundation
import Testing

@testable import BlockDialect

/// One block format the kernels are compared with the spec on.
struct QuantizerConfiguration: Sendable, CustomTestStringConvertible {
  let label: String
  let format: BlockFormat
  let seed: UInt64
  let blocks: Int

  var testDescription: String { label }
}

/// Random books for the comparisons, drawn once from a fixed seed.
let randomBooks: [Formatbook] = {
  var sampler = BlockSampler(seed: 0x5EED_B00C)
  return (0..<3).map { sampler.book(name: "random-\($0)") }
}()

let quantizerConfigurations: [QuantizerConfiguration] = [
  QuantizerConfiguration(label: "dialectfp4 n32 w5 b15", format: .default, seed: 1, blocks: 1500),
  QuantizerConfiguration(
    label: "dialectfp4 n8 w3 b2", format: try! BlockFormat(blockSize: 8, exponentWidth: 3, exponentBias: 2),
    seed: 2, blocks: 3000),
  QuantizerConfiguration(
    label: "dialectfp4 n64 w8 b127", format: try! BlockFormat(blockSize: 64, exponentWidth: 8, exponentBias: 127),
    seed: 3, blocks: 500),
  QuantizerConfiguration(
    label: "random book 0 n32 w5 b15", format: try! BlockFormat(formatbook: randomBooks[0]), seed: 4, blocks: 1500),
  QuantizerConfiguration(
    label: "random book 1 n16 w4 b0",
    format: try! BlockFormat(blockSize: 16, exponentWidth: 4, exponentBias: 0, formatbook: randomBooks[1]),
    seed: 5, blocks: 2000),
  QuantizerConfiguration(
    label: "random book 2 n256 w6 b40",
    format: try! BlockFormat(blockSize: 256, exponentWidth: 6, exponentBias: 40, formatbook: randomBooks[2]),
    seed: 6, blocks: 120),
  QuantizerConfiguration(
    label: "e2m1 n32 w5 b15", format: try! BlockFormat(formatbook: .e2m1), seed: 7, blocks: 1000),
]

@Suite("Selectors and encoding against a brute-force reading of the spec")
struct SelectorTests {
  @Test func randomBooksHaveSharedGroupsAndSingletons() {
    // The comparisons below only mean something if the random books have groups of several
    // members whose beneficial ranges are not empty (so stage 2 counts), groups of one, both
    // tie rules, and differ from DialectFP4.
    for book in randomBooks {
      let table = book.dialects.map(\.magnitudes)
      let shared = book.groups.filter { $0.members.count > 1 }
      #expect(!shared.isEmpty, "\(book.jsonText())")
      // Some member of a shared group is strictly best somewhere (computed from the spec).
      let counted = shared.contains { group in
        group.members.contains { d in
          (0..<32).contains { q in
            group.members.allSatisfy { e in e == d || Spec.quarterError(table[d], q) < Spec.quarterError(table[e], q) }
          }
        }
      }
      #expect(counted, "\(book.jsonText())")
      #expect(book.dialects != Formatbook.dialectFP4.dialects)
    }
    #expect(randomBooks.contains { $0.groups.contains { $0.members.count == 1 } })
    #expect(Set(randomBooks.map(\.ties)).count == 2)
  }

  @Test(arguments: quantizerConfigurations, DialectSelector.allCases)
  func blocksMatchSpecification(configuration: QuantizerConfiguration, selector: DialectSelector) {
    let n = configuration.format.blockSize
    let quantizers = Dictionary(
      uniqueKeysWithValues: ElementFormat.allCases.map {
        ($0, BlockQuantizer(format: configuration.format, selector: selector, input: $0))
      })
    let selectorNumber = UInt64(DialectSelector.allCases.firstIndex(of: selector)!)
    var sampler = BlockSampler(seed: configuration.seed &* 0x9E37_79B9 &+ selectorNumber)
    var mismatches = 0
    var dialectsSeen = Set<Int>()
    var clamps = Set<ExponentClamp>()
    for index in 0..<configuration.blocks {
      let count = sampler.int(0...7) == 0 ? sampler.int(1...n) : n
      var (values, input) = sampler.block(count: count)
      if sampler.int(0...39) == 0 {
        values[sampler.int(0...(count - 1))] = [Float.infinity, -.infinity, .nan][sampler.int(0...2)]
      }
      let quantizer = quantizers[input]!
      let library = libraryBlock(quantizer, values)
      let spec = specBlock(quantizer, values)
      dialectsSeen.insert(library.dialect)
      clamps.insert(library.clamp)
      if library != spec {
        mismatches += 1
        if mismatches <= 5 {
          Issue.record("block \(index) (\(input)) \(values):\n  library \(library)\n  spec    \(spec)")
        }
      }
    }
    #expect(mismatches == 0)
    // The data exercised the choice and both clamps.
    if configuration.format.formatbook.dialects.count > 1 { #expect(dialectsSeen.count > 1) }
    #expect(clamps.contains(.low))
  }

  /// The public one-block API (packed blocks) agrees with the pointer API and pads with zeros.
  @Test func packedBlockAPIAgrees() {
    var sampler = BlockSampler(seed: 99)
    let quantizer = BlockQuantizer(format: .default, selector: .twoStage)
    for _ in 0..<200 {
      let count = sampler.int(1...32)
      let (values, _) = sampler.block(count: count)
      let (block, outcome) = quantizer.quantize(values)
      let expected = libraryBlock(BlockQuantizer(format: .default, selector: .twoStage, input: .float32), values)
      #expect(block.rawCodes == expected.codes)
      #expect(block.exponentField == expected.field && outcome.exponentField == expected.field)
      #expect(block.dialect == expected.dialect && outcome.dialect == expected.dialect)
      #expect(block.rawCodes[count...].allSatisfy { $0 == 0 })
    }
  }
}

/// Blocks crafted by hand for the activation path and the MSE reference.
@Suite("Two-stage selector, crafted blocks")
struct TwoStageCraftedTests {
  let quantizer = BlockQuantizer(format: .default, selector: .twoStage)

  func dialect(_ values: [Float]) -> Int { quantizer.quantize(values).outcome.dialect }

  @Test func beneficialRangeCountsPickTheMember() {
    // amax 7.5 (E = 15, a = |x|): q = 30, h = 15, group (0, 1). 5.5 -> q 22 lies in dialect 0's
    // beneficial range (21...25), 4.5 -> q 18 in dialect 1's (16...19).
    #expect(dialect([7.5, 5.5, 4.5, 4.5]) == 1)
    #expect(dialect([7.5, 5.5, 5.5, 4.5]) == 0)
    // One each: a tie goes to the lower id.
    #expect(dialect([7.5, 5.5, 4.5]) == 0)
    // Only the maximum: q = 30 is in neither range: tie, dialect 0.
    #expect(dialect([7.5, 1, 2]) == 0)
  }

  @Test func groupFromTruncatedMaximumOfRoundedView() {
    // a = 4.0: q = 16, h = 8: the smallest group maximum >= 8 is 8, group (14, 15).
    // 2.5 -> q 10 is dialect 15's range, 3.5 -> q 14 is dialect 14's.
    #expect(dialect([4, 2.5, 2.5, 3.5]) == 15)
    #expect(dialect([4, 3.5]) == 14)
    #expect(dialect([4]) == 14)
    // a = 7.1: q = floor(28.4 + 0.5) = 28, h = 14: group (2, 3); 5.5 -> q 22 favours dialect 2
    // (11 half-units) over dialect 3 (9): err 0 vs 4.
    #expect(dialect([7.1, 5.5]) == 2)
    #expect(dialect([7.1, 4.5]) == 3)
    // a = 7.4: q = 30 (4a = 29.6 rounds up), h = 15: group (0, 1), although t = 29.
    #expect(dialect([7.4, 4.5]) == 1)
    #expect(dialect([7.4, 5.5]) == 0)
    // a = 6.8: q = 27, h = 13: group (4, 5) (maximum 13).
    let chosen = dialect([6.8, 2])
    #expect(chosen == 4 || chosen == 5)
    #expect(Formatbook.dialectFP4.dialects[chosen].maximum == 13)
  }

  @Test func meanSquareReferenceTies() {
    let mse = BlockQuantizer(format: .default, selector: .viewMeanSquare)
    // All-zero: every dialect costs 0: dialect 0.
    #expect(mse.quantize([0, 0, 0]).outcome.dialect == 0)
    // a = 4.0 alone: q = 16 = 2 * 8: zero cost for dialects 5, 7, 12, 14 and 15; lowest is 5.
    #expect(mse.quantize([4]).outcome.dialect == 5)
    // a = 7.5 and 5.5: q 30 and 22: only dialect 0 (11 and 15 half-units) is exact.
    #expect(mse.quantize([7.5, 5.5]).outcome.dialect == 0)
  }
}
