import BlockDialect
import HDL
import Testing

@testable import DialectHardware

@Suite struct SelectorTests {
  /// Books with more than one dialect, including groups of one, two and several members, and
  /// beneficial ranges that are not intervals (which take the table path).
  static let books: [Formatbook] = [
    .dialectFP4, randomBook(count: 6, seed: 21), randomBook(count: 12, seed: 22), randomBook(count: 3, seed: 23),
    randomBook(count: 4, seed: 24, sharedMaxima: false),
  ]

  static func design(_ book: Formatbook, blockSize: Int = 32) throws -> Design {
    var config = configuration(book: book, blockSize: blockSize)
    config.modules = [.selector, .mseSelector]
    return try Design(config)
  }

  @Test(arguments: books)
  func groupSelectMatchesTheSpecForEveryMaximum(book: Formatbook) throws {
    let unit = try SelectorGenerator(configuration: configuration(book: book)).groupSelect()
    let simulator = Simulator(unit.module)
    for h in 0...15 {
      simulator.set("maximum_i", h)
      simulator.evaluate()
      let expected = book.groups.firstIndex { $0.maximum >= h } ?? book.groups.count - 1
      #expect(Int(simulator.value("group_o")) == expected, "h = \(h)")
    }
  }

  @Test(arguments: books.filter { $0.groups.contains { $0.members.count > 1 } })
  func membershipMatchesTheBeneficialRangesForEveryView(book: Formatbook) throws {
    let generator = SelectorGenerator(configuration: configuration(book: book))
    let simulator = Simulator(try generator.membership().module)
    for (groupIndex, group) in book.groups.enumerated() {
      for q in 0..<32 {
        simulator.set("group_i", groupIndex)
        simulator.set("view_i", q)
        simulator.evaluate()
        let bits = simulator.value("members_o")
        for position in 0..<generator.largestGroup {
          // The spec: q counts for member d when its error is strictly below every other
          // member's.
          var expected = false
          if position < group.members.count, group.members.count > 1 {
            let d = group.members[position]
            let own = book.dialects[d].quarterUnitError(q)
            expected = group.members.filter { $0 != d }.allSatisfy { own < book.dialects[$0].quarterUnitError(q) }
          }
          #expect((bits >> UInt64(position)) & 1 == (expected ? 1 : 0), "group \(groupIndex) member \(position) q \(q)")
        }
      }
    }
  }

  /// Random views plus the edge cases (all zero, every possible maximum, views tied between
  /// members): the vector generator's own.
  static func viewBlocks(count: Int, size: Int, seed: UInt64) -> [[Int]] {
    Stimuli.viewBlocks(count, size: size, seed: seed)
  }

  @Test(arguments: books)
  func twoStageSelectorMatchesTheModel(book: Formatbook) throws {
    let design = try Self.design(book)
    let simulator = Simulator(design.module(.selector)!.module)
    let blocks = Self.viewBlocks(count: book == .dialectFP4 ? 20_000 : 3_000, size: 32, seed: 31)
    var mismatches = 0
    for views in blocks {
      simulator.set("views_i", pack(views, width: 5))
      simulator.evaluate()
      if Int(simulator.value("dialect_o")) != book.twoStageDialect(views: views) { mismatches += 1 }
    }
    #expect(mismatches == 0, "\(mismatches) of \(blocks.count) blocks")
  }

  @Test(arguments: [Formatbook.dialectFP4, randomBook(count: 5, seed: 25)])
  func mseSelectorMatchesTheModel(book: Formatbook) throws {
    let design = try Self.design(book, blockSize: 16)
    let simulator = Simulator(design.module(.mseSelector)!.module)
    let blocks = Self.viewBlocks(count: 3_000, size: 16, seed: 32)
    var mismatches = 0
    for views in blocks {
      simulator.set("views_i", pack(views, width: 5))
      simulator.evaluate()
      if Int(simulator.value("dialect_o")) != book.meanSquareDialect(views: views) { mismatches += 1 }
    }
    #expect(mismatches == 0, "\(mismatches) of \(blocks.count) blocks")
  }

  /// The neighbour-group selector against the numerics library's plain reading of the spec,
  /// on every kind of book (singleton groups, one group, groups of several members).
  @Test(arguments: books + [randomBook(count: 5, seed: 26, sharedMaxima: false), oneGroupBook])
  func neighborSelectorMatchesTheModel(book: Formatbook) throws {
    var config = configuration(book: book, blockSize: 16)
    config.modules = [.neighborSelector]
    let simulator = Simulator(try Design(config).module(.neighborSelector)!.module)
    let blocks = Self.viewBlocks(count: book == .dialectFP4 ? 10_000 : 2_000, size: 16, seed: 33)
    var mismatches = 0
    for views in blocks {
      simulator.set("views_i", pack(views, width: 5))
      simulator.evaluate()
      if Int(simulator.value("dialect_o")) != book.neighborGroupDialect(views: views) { mismatches += 1 }
    }
    #expect(mismatches == 0, "\(mismatches) of \(blocks.count) blocks")
  }

  /// A book whose dialects all share one largest magnitude: one group, no lower neighbour.
  static let oneGroupBook = try! Formatbook(
    name: "onegroup",
    dialects: [
      Dialect([0, 1, 2, 3, 4, 6, 9, 12]), Dialect([0, 1, 2, 4, 6, 8, 10, 12]), Dialect([0, 2, 3, 5, 7, 9, 11, 12]),
    ])

  /// Every (group, q) of the per-element unit equals the numerics library's residual table, and
  /// the residuals decide as the full saturated squared errors do.
  @Test(arguments: books)
  func neighborErrorsMatchTheTables(book: Formatbook) throws {
    let tables = NeighborGroupTables(book: book)
    let simulator = Simulator(try NeighborSelectorGenerator(configuration: configuration(book: book)).errors().module)
    for group in book.groups.indices {
      for q in 0..<32 {
        simulator.set("group_i", group)
        simulator.set("view_i", q)
        simulator.evaluate()
        let residuals = unpack(simulator.get("residuals_o"), count: tables.slotCount, width: tables.residualWidth)
        #expect(residuals == (0..<tables.slotCount).map { tables.residuals[group][$0][q] }, "group \(group) q \(q)")
        // Scaled back, a residual is the candidate's cost less the least of the group's.
        if q <= 2 * book.groups[group].maximum + 1 || group == book.groups.count - 1 {
          let costs = tables.candidates[group].map { book.saturatedSquaredViewError(dialect: $0, view: q) }
          #expect(residuals.map { $0 * tables.scale } == costs.map { $0 - costs.min()! })
        }
      }
    }
  }

  @Test func allZeroBlockPicksDialect14OfDialectFP4() throws {
    let simulator = Simulator(try Self.design(.dialectFP4).module(.selector)!.module)
    simulator.set("views_i", 0)
    simulator.evaluate()
    #expect(simulator.value("dialect_o") == 14)
  }
}
