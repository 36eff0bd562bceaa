import Foundation
import TestSupport
import Testing

@testable import BlockDialect

@Suite("Formatbooks: shipped books, derived tables, validation")
struct FormatbookTests {
  static let dialectFP4Path = repositoryRoot.appendingPathComponent("formatbooks/dialectfp4.json").path
  static let e2m1Path = repositoryRoot.appendingPathComponent("formatbooks/e2m1.json").path

  /// Bits lo...hi of a mask.
  static func mask(_ ranges: ClosedRange<Int>...) -> UInt32 {
    ranges.reduce(0) { mask, range in range.reduce(mask) { $0 | 1 << UInt32($1) } }
  }

  @Test func shippedBooksEqualBuiltIns() throws {
    let fp4 = try Formatbook(contentsOf: Self.dialectFP4Path)
    let e2m1 = try Formatbook(contentsOf: Self.e2m1Path)
    #expect(fp4 == Formatbook.dialectFP4)
    #expect(e2m1 == Formatbook.e2m1)
    #expect(fp4.dialects.map(\.magnitudes) == dialectFP4Table)
    #expect(e2m1.dialects.map(\.magnitudes) == e2m1Table)
    #expect(fp4.ties == .up && e2m1.ties == .even)
    // jsonText() writes exactly the shipped layout.
    #expect(Formatbook.dialectFP4.jsonText() == (try String(contentsOfFile: Self.dialectFP4Path, encoding: .utf8)))
    #expect(Formatbook.e2m1.jsonText() == (try String(contentsOfFile: Self.e2m1Path, encoding: .utf8)))
    // named(_:) takes a built-in name or a path.
    #expect(try Formatbook.named("dialectfp4") == .dialectFP4)
    #expect(try Formatbook.named("e2m1") == .e2m1)
    #expect(try Formatbook.named(Self.e2m1Path) == .e2m1)
    #expect(Formatbook.builtIn.count == 2)
  }

  @Test func dialectFP4DerivedTables() {
    let book = Formatbook.dialectFP4
    // Groups: the pairs sharing a largest magnitude, ordered by that magnitude.
    #expect(book.groups.map(\.maximum) == [8, 9, 10, 11, 12, 13, 14, 15])
    #expect(
      book.groups.map(\.members) == [[14, 15], [12, 13], [10, 11], [8, 9], [6, 7], [4, 5], [2, 3], [0, 1]])
    #expect(book.groupOfDialect == [7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0])
    // Beneficial ranges, by hand from err_d(q) = min |q - 2 m_k| (quarter-units):
    // d0 (2m: .. 12, 22, 30) vs d1 (.. 12, 18, 30): d1 strictly better at q 16...19, d0 at
    // 21...25; equal at 13...15, 20 and from 26 up.
    #expect(book.beneficialRanges[0] == Self.mask(21...25))
    #expect(book.beneficialRanges[1] == Self.mask(16...19))
    // d2 (.. 12, 22, 28) vs d3 (.. 12, 18, 28): d3 at 16...19, d2 at 21...24 (25: 3 vs 3).
    #expect(book.beneficialRanges[2] == Self.mask(21...24))
    #expect(book.beneficialRanges[3] == Self.mask(16...19))
    // d14 (.. 8, 12, 14, 16) vs d15 (.. 8, 10, 12, 16): d15 only at q 10, d14 only at q 14.
    #expect(book.beneficialRanges[14] == Self.mask(14...14))
    #expect(book.beneficialRanges[15] == Self.mask(10...10))
    // Every range from the definition, and members of a pair never overlap.
    for d in 0..<16 {
      let partner = d ^ 1
      var expected: UInt32 = 0
      for q in 0..<32 {
        let own = Spec.quarterError(dialectFP4Table[d], q)
        if own < Spec.quarterError(dialectFP4Table[partner], q) { expected |= 1 << UInt32(q) }
      }
      #expect(book.beneficialRanges[d] == expected, "dialect \(d)")
      #expect(book.beneficialRanges[d] & book.beneficialRanges[partner] == 0)
    }
    // Midpoints m_{k-1} + m_k in quarter-units.
    #expect(book.midpoints[7] == [1, 3, 5, 7, 10, 14, 20])
    #expect(book.midpoints[0] == [1, 3, 5, 7, 10, 17, 26])
    #expect(book.midpoints[15] == [1, 3, 5, 7, 9, 11, 14])
    // Stage 1: h = 0...8 -> group 0 (maximum 8), then one group per h up to 15.
    #expect((0...15).map(book.groupIndex(forTruncatedMaximum:)) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7])
    #expect(book.idWidth == 4)
    #expect(book.largestMagnitude == 15)
    #expect(BlockFormat.default.bitsPerElement == 4 + 9.0 / 32)
    // E2M1: one group of one, no ranges, no id bits.
    #expect(Formatbook.e2m1.groups == [DialectGroup(maximum: 12, members: [0])])
    #expect(Formatbook.e2m1.beneficialRanges == [0])
    #expect(Formatbook.e2m1.idWidth == 0)
    #expect(!Formatbook.e2m1.needsCount(group: 0))
  }

  @Test func stageOneFallsBackToTheLargestGroup() throws {
    let book = try Formatbook(
      name: "two", dialects: [Dialect([0, 1, 2, 3, 4, 5, 6, 12]), Dialect([0, 1, 2, 3, 4, 6, 8, 10])])
    #expect(book.groups.map(\.maximum) == [10, 12])
    #expect(book.groupIndex(forTruncatedMaximum: 10) == 0)
    #expect(book.groupIndex(forTruncatedMaximum: 11) == 1)
    #expect(book.groupIndex(forTruncatedMaximum: 15) == 1)
    let low = try Formatbook(name: "low", dialects: [Dialect([0, 1, 2, 3, 4, 5, 6, 7])])
    #expect(low.groupIndex(forTruncatedMaximum: 15) == 0)
  }

  @Test(arguments: [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (16, 4)])
  func idWidth(count: Int, width: Int) throws {
    let dialects = (0..<count).map { Dialect([0, 1, 2, 3, 4, 5, 6, 7 + ($0 % 9)]) }
    let book = try Formatbook(name: "n\(count)", dialects: dialects)
    #expect(book.idWidth == width)
    #expect(try BlockFormat(formatbook: book).bitsPerElement == 4 + Double(5 + width) / 32)
  }

  // MARK: validation

  /// A book with dialect 2 replaced, for the per-dialect rules.
  static func book(replacing magnitudes: [Int]) throws -> Formatbook {
    var dialects = Formatbook.dialectFP4.dialects
    dialects[2] = Dialect(magnitudes)
    return try Formatbook(name: "bad", dialects: dialects)
  }

  static func message(_ body: () throws -> Formatbook) -> String? {
    do {
      _ = try body()
      return nil
    } catch let error as FormatbookError {
      return error.description
    } catch {
      return "unexpected \(error)"
    }
  }

  @Test func everyRuleIsRefusedWithItsDialectAndRule() {
    let cases: [(magnitudes: [Int], words: [String])] = [
      ([0, 1, 2, 3, 4, 5, 6], ["dialect 2", "7 magnitudes", "exactly 8"]),
      ([0, 1, 2, 3, 4, 5, 6, 7, 8], ["dialect 2", "9 magnitudes"]),
      ([1, 2, 3, 4, 5, 6, 7, 8], ["dialect 2", "first magnitude is 1", "must be 0"]),
      ([0, 1, 2, 3, 4, 5, 6, 16], ["dialect 2", "magnitude 7 is 16", "0...15"]),
      ([0, -1, 2, 3, 4, 5, 6, 7], ["dialect 2", "magnitude 1 is -1"]),
      ([0, 1, 2, 2, 4, 5, 6, 7], ["dialect 2", "strictly increasing", "magnitude 3 is 2 after 2"]),
      ([0, 1, 2, 3, 5, 4, 6, 7], ["dialect 2", "strictly increasing", "magnitude 5 is 4 after 5"]),
    ]
    for (magnitudes, words) in cases {
      let text = Self.message { try Self.book(replacing: magnitudes) }
      #expect(text != nil, "\(magnitudes) accepted")
      for word in words { #expect(text?.contains(word) == true, "\(text ?? "nil") lacks \(word)") }
      #expect(text?.contains("formatbook 'bad'") == true)
    }
    let none = Self.message { try Formatbook(name: "empty", dialects: []) }
    #expect(none?.contains("has 0 dialects") == true && none?.contains("1 to 16") == true)
    let many = Self.message {
      try Formatbook(name: "many", dialects: [Dialect](repeating: Dialect([0, 1, 2, 3, 4, 5, 6, 7]), count: 17))
    }
    #expect(many?.contains("has 17 dialects") == true)
    #expect(Self.message { try Formatbook(name: "", dialects: [Dialect([0, 1, 2, 3, 4, 5, 6, 7])]) } != nil)
  }

  /// The JSON forms of every rule, with the source named first.
  @Test func jsonValidation() throws {
    let good = Formatbook.dialectFP4.jsonText()
    func message(_ text: String) -> String? {
      Self.message { try Formatbook(json: Data(text.utf8), source: "books/x.json") }
    }
    let rows = (0..<16).map { "[" + dialectFP4Table[$0].map(String.init).joined(separator: ", ") + "]" }
    func withDialects(_ list: [String]) -> String {
      #"{"name": "x", "ties": "up", "dialects": ["# + list.joined(separator: ",") + "]}"
    }
    let cases: [(String, [String])] = [
      (withDialects(Array(rows[0..<2]) + ["[0, 1, 2, 3, 4, 6, 11]"]), ["books/x.json", "dialect 2", "7 magnitudes"]),
      (
        withDialects(["[0, 1, 2, 3, 4, 6, 11, 15]", "[2, 3, 4, 5, 6, 7, 8, 9]"]), ["dialect 1", "first magnitude is 2"]
      ),
      (withDialects(["[0, 1, 2, 3, 4, 6, 11, 16]"]), ["dialect 0", "magnitude 7 is 16"]),
      (withDialects(["[0, 1, 2, 3, 4, 6, 6, 15]"]), ["dialect 0", "strictly increasing"]),
      (withDialects([]), ["has 0 dialects"]),
      (withDialects(rows + ["[0, 1, 2, 3, 4, 5, 6, 7]"]), ["has 17 dialects"]),
      (withDialects(["[0, 1, 2, 3, 4, 6, 10.5, 15]"]), ["dialect 0", "magnitude 6 is 10.5", "integers"]),
      (withDialects(["[0, 1, 2, 3, 4, 6, \"11\", 15]"]), ["dialect 0", "magnitude 6", "integers"]),
      (withDialects(["[0, 1, 2, 3, 4, 6, 11.00000000000000001, 15]"]), ["dialect 0", "magnitude 6", "integers"]),
      (withDialects(["7"]), ["dialect 0", "array of 8 integers"]),
      (#"{"dialects": [[0,1,2,3,4,5,6,7]], "ties": "down"}"#, ["\"ties\" is \"down\"", "up, even"]),
      (#"{"dialects": [[0,1,2,3,4,5,6,7]], "ties": 1}"#, ["\"ties\" must be a string"]),
      (#"{"dialects": [[0,1,2,3,4,5,6,7]], "colour": "red"}"#, ["unknown field \"colour\""]),
      (#"{"dialects": [[0,1,2,3,4,5,6,7]], "unit": "quarter"}"#, ["\"unit\" is \"quarter\""]),
      (#"{"name": "x"}"#, ["missing field \"dialects\""]),
      (#"{"dialects": {}}"#, ["\"dialects\" must be an array"]),
      (#"[[0,1,2,3,4,5,6,7]]"#, ["JSON object"]),
      (#"{"dialects": [[0,1,2,3,4,5,6,7],]}"#, ["books/x.json", "invalid JSON"]),
      ("", ["invalid JSON"]),
    ]
    for (text, words) in cases {
      let error = message(text)
      #expect(error != nil, "accepted: \(text)")
      #expect(error?.hasPrefix("books/x.json: ") == true, "\(error ?? "")")
      for word in words { #expect(error?.contains(word) == true, "\(error ?? "nil") lacks \(word)") }
    }
    // A valid document; the name defaults to the file's stem.
    #expect(try Formatbook(json: Data(good.utf8), source: "a.json") == .dialectFP4)
    let unnamed = try Formatbook(json: Data(#"{"dialects": [[0,1,2,3,4,5,6,7]]}"#.utf8), source: "dir/mybook.json")
    #expect(unnamed.name == "mybook" && unnamed.ties == .up && unnamed.description.isEmpty)
    // An integer written as 11.0 or 1.1e1 is an integer.
    let spelled = try Formatbook(json: Data(withDialects(["[0, 1, 2, 3, 4, 6, 11.0, 1.5e1]"]).utf8), source: "s")
    #expect(spelled.dialects[0].magnitudes == dialectFP4Table[0])
    // A missing file names the path.
    #expect(
      Self.message { try Formatbook(contentsOf: "/nonexistent/book.json") }?.contains("/nonexistent/book.json") == true)
  }

  @Test func jsonTextRoundTrips() throws {
    for book in [Formatbook.dialectFP4, .e2m1] + randomBooks {
      let text = book.jsonText()
      #expect(try Formatbook(json: Data(text.utf8), source: "t") == book)
      #expect(try Formatbook(jsonValue: book.jsonValue, source: "v") == book)
      #expect(try JSONValue.parse(text) == book.jsonValue)
    }
    // A description with characters JSON must escape.
    let odd = try Formatbook(
      name: "odd_name-2", description: "quotes \"like this\", a \\ backslash and ünïcödé", ties: .even,
      dialects: [Dialect([0, 2, 4, 6, 8, 10, 12, 14])])
    #expect(try Formatbook(json: Data(odd.jsonText().utf8), source: "o") == odd)
  }

  /// Names go into Verilog comments, YAML, JSON and Markdown: only a letter followed by up to
  /// 63 letters, digits, '_' or '-' is a name; a description is one line of text.
  @Test func namesAndDescriptionsAreSafe() throws {
    let dialect = [Dialect([0, 1, 2, 3, 4, 6, 8, 12])]
    for name in ["a", "DialectFP4", "my-book_2", String(repeating: "x", count: 64)] {
      #expect(throws: Never.self) { try Formatbook(name: name, dialects: dialect) }
    }
    let injected = "x\nendmodule\nmodule evil;"
    for name in [
      "", "2book", "-book", "_book", "my book", "book.v1", "a/b", injected, "caf\u{E9}", "x\u{1B}[31m",
      "x\"y", "x: y", String(repeating: "x", count: 65),
    ] {
      let message = Self.message { try Formatbook(name: name, dialects: dialect) }
      #expect(message?.contains("not allowed") == true && message?.contains("a letter followed by") == true, "\(name)")
      #expect(message.map { !$0.contains("\n") && !$0.contains("\u{1B}") } == true, "\(message ?? "")")
    }
    for description in [
      "two\nlines", "bell\u{07}", "escape \u{1B}[2J", "bidi \u{202E}", String(repeating: "d", count: 4097),
    ] {
      let message = Self.message { try Formatbook(name: "b", description: description, dialects: dialect) }
      #expect(message?.contains("description") == true, "\(description.prefix(20))")
    }
    // From JSON: the name field, or a file name that is not a valid name.
    let json = #"{"name": "x\nendmodule", "dialects": [[0, 1, 2, 3, 4, 6, 8, 12]]}"#
    let fromJSON = Self.message { try Formatbook(json: Data(json.utf8), source: "b.json") }
    #expect(
      fromJSON?.contains("x\\nendmodule") == true && fromJSON?.contains("not allowed") == true, "\(fromJSON ?? "")")
    let unnamed = #"{"dialects": [[0, 1, 2, 3, 4, 6, 8, 12]]}"#
    let fromFile = Self.message { try Formatbook(json: Data(unnamed.utf8), source: "dir/my book.json") }
    #expect(
      fromFile?.contains("'my book'") == true && fromFile?.contains("\"name\" field") == true, "\(fromFile ?? "")")
  }
}
