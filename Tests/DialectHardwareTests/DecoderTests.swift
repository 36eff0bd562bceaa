import BlockDialect
import HDL
import Testing

@testable import DialectHardware

@Suite struct DecoderTests {
  static let books: [Formatbook] = [
    .dialectFP4, .e2m1, randomBook(count: 5, seed: 1), randomBook(count: 16, seed: 2), randomBook(count: 2, seed: 3),
  ]

  @Test(arguments: books, DatapathStyle.allCases)
  func oneLaneDecodesEveryDialectAndCode(book: Formatbook, style: DatapathStyle) throws {
    let generator = DecoderGenerator(configuration: configuration(book: book, style: style))
    let simulator = Simulator(try generator.oneLane().module)
    for dialect in book.dialects.indices {
      for code in 0..<16 {
        if book.idWidth > 0 { simulator.set("dialect_i", dialect) }
        simulator.set("code_i", code)
        simulator.evaluate()
        let magnitude = book.dialects[dialect].magnitudes[code & 7]
        #expect(
          simulator.get("value_o").signedValue == (code & 8 != 0 ? -magnitude : magnitude),
          "dialect \(dialect) code \(code)")
      }
    }
  }

  @Test(arguments: books, DatapathStyle.allCases)
  func blockDecoderDecodesRandomBlocks(book: Formatbook, style: DatapathStyle) throws {
    let generator = DecoderGenerator(configuration: configuration(book: book, blockSize: 16, style: style))
    let simulator = Simulator(try generator.blockDecoder().module)
    var random = SeededGenerator(seed: 11)
    for _ in 0..<300 {
      let dialect = Int(random.next() % UInt64(book.dialects.count))
      let codes = (0..<16).map { _ in Int(random.next() % 16) }
      if book.idWidth > 0 { simulator.set("dialect_i", dialect) }
      simulator.set("codes_i", pack(codes, width: 4))
      simulator.evaluate()
      let values = unpack(simulator.get("values_o"), count: 16, width: generator.valueWidth, signed: true)
      #expect(values == codes.map { book.halfUnits(dialect: dialect, code: UInt8($0)) })
    }
  }

  @Test func sharedColumnsAreConstantsNotTables() throws {
    // DialectFP4 agrees on magnitudes 0 to 4: only indices 5, 6 and 7 need tables.
    let text = VerilogEmitter().emit(try DecoderGenerator(configuration: configuration()).oneLane().module)
    #expect(!text.contains("magnitude_4 ="))
    for k in 5...7 { #expect(text.contains("magnitude_\(k) ="), "index \(k) differs between dialects") }
  }
}
