import Foundation
import Testing

@testable import BlockDialect

@Suite("JSON parser and writer")
struct JSONTests {
  @Test func validDocuments() throws {
    let value = try JSONValue.parse(
      #" { "a" : [1, -2.5, 3e2, 0, -0, 1E-3, true, false, null], "b": {"c": "x\"y\\z\/\b\f\n\r\t\u00e9\ud83d\ude00"}, "": {} , "d": []} "#
    )
    #expect(value.keys == ["a", "b", "", "d"])
    let a = try #require(value["a"]?.arrayValue)
    #expect(a.count == 9)
    #expect(a[0] == .number("1") && a[0].intValue == 1)
    #expect(a[1].doubleValue == -2.5 && a[1].intValue == nil)
    #expect(a[2].intValue == 300)
    #expect(a[4].intValue == 0)
    #expect(a[5].doubleValue == 0.001 && a[5].intValue == nil)
    #expect(a[6].boolValue == true && a[7].boolValue == false && a[8] == .null)
    #expect(value["b"]?["c"]?.stringValue == "x\"y\\z/\u{08}\u{0C}\n\r\t\u{E9}\u{1F600}")
    #expect(value[""] == .object([]))
    #expect(value["d"] == .array([]))
    #expect(value["missing"] == nil)
    #expect(try JSONValue.parse("\"\"") == .string(""))
    #expect(try JSONValue.parse("  7  ") == .number("7"))
    // Raw UTF-8 in strings passes through.
    #expect(try JSONValue.parse("\"ångström ✓\"") == .string("ångström ✓"))
    // Object keys keep their order.
    #expect(try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#).keys == ["z", "a", "m"])
  }

  @Test(arguments: [
    "[1,]", "[1,,2]", #"{"a":1,}"#, "01", "-01", "00", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10",
    #""\x""#, #""\u12""#, #""\u12G4""#, #""\u+041""#, #""\u-000""#, #""\ud83d""#, #""\ud83d\u0041""#,
    #""\udc00""#, #"{"a":1,"a":2}"#, "\"abc", "[1, 2", #"{"a": 1"#, #"{"a" 1}"#, "{1: 2}", "", "   ",
    "tru", "nul", "[1] [2]", "\"tab\there\"", "NaN", "Infinity", "[1 2]", #"{"a":}"#,
  ])
  func invalidDocuments(text: String) {
    #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
  }

  @Test func errorsNameTheByteOffset() {
    do {
      _ = try JSONValue.parse(#"{"a": 1, "a": 2}"#)
      Issue.record("duplicate key accepted")
    } catch let error as JSONSyntaxError {
      #expect(error.description.contains("duplicate key \"a\""))
      #expect(error.description.contains("at byte"))
    } catch {
      Issue.record("\(error)")
    }
    do {
      _ = try JSONValue.parse("[1, 2,]")
      Issue.record("trailing comma accepted")
    } catch let error as JSONSyntaxError {
      #expect(error.offset == 6)
    } catch {
      Issue.record("\(error)")
    }
    // Deep nesting is refused rather than overflowing the stack.
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(deep) }
  }

  @Test func exactIntegers() throws {
    let text = "[123456789012345678901234567890, -9223372036854775808, 9223372036854775807, 9007199254740993]"
    let value = try JSONValue.parse(text)
    let items = try #require(value.arrayValue)
    // Kept as written: no rounding through Double.
    #expect(items[0] == .number("123456789012345678901234567890"))
    #expect(items[0].intValue == nil)  // does not fit Int
    #expect(items[1].intValue == Int.min)
    #expect(items[2].intValue == Int.max)
    #expect(items[3].intValue == 9_007_199_254_740_993)  // 2^53 + 1
    #expect(value.compact() == text.replacingOccurrences(of: " ", with: ""))
    // Integers written with a fraction or an exponent count only when exact.
    #expect(JSONValue.number("1.0").intValue == 1)
    #expect(JSONValue.number("1.000").intValue == 1)
    #expect(JSONValue.number("12e1").intValue == 120)
    #expect(JSONValue.number("1.5e1").intValue == 15)
    #expect(JSONValue.number("-2.50E+1").intValue == -25)
    #expect(JSONValue.number("100e-2").intValue == 1)
    #expect(JSONValue.number("0e-5").intValue == 0)
    #expect(JSONValue.number("-9223372036854775808.0").intValue == Int.min)
    #expect(JSONValue.number("1.5").intValue == nil)
    #expect(JSONValue.number("15e-1").intValue == nil)
    #expect(JSONValue.number("1.00000000000000001").intValue == nil)
    #expect(JSONValue.number("4611686018427387904.5").intValue == nil)
    #expect(JSONValue.number("9223372036854775808").intValue == nil)
    #expect(JSONValue.number("1e19").intValue == nil)
    #expect(JSONValue.number("1e400").intValue == nil)
    #expect(JSONValue.string("1").intValue == nil)
    #expect(JSONValue.integer(-42) == .number("-42"))
  }

  @Test func doublesWriteBackExactly() throws {
    var rng = SeededGenerator(seed: 0xD0B)
    for _ in 0..<2000 {
      let x = Double(bitPattern: rng.next())
      guard x.isFinite else {
        #expect(JSONValue.double(x) == .null)
        continue
      }
      let json = JSONValue.double(x)
      let parsed = try JSONValue.parse(json.compact())
      #expect(parsed.doubleValue == x, "\(x) -> \(json.compact())")
    }
    #expect(JSONValue.double(3) == .number("3"))
    #expect(JSONValue.double(-0.0).compact() == "0")
    #expect(JSONValue.double(.infinity) == .null)
    #expect(JSONValue.double(.nan) == .null)
  }

  /// A random value tree: formatted() and compact() both parse back to the same value.
  @Test func roundTrip() throws {
    var rng = SeededGenerator(seed: 0x150)
    func random(_ depth: Int) -> JSONValue {
      switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &rng) {
      case 0: return .null
      case 1: return .bool(Bool.random(using: &rng))
      case 2: return .integer(Int.random(in: Int.min...Int.max, using: &rng))
      case 3: return .double(Double.random(in: -1e6...1e6, using: &rng))
      case 4:
        let scalars = (0..<Int.random(in: 0...8, using: &rng)).map { _ -> Character in
          let pool: [Character] = ["a", "\"", "\\", "\n", "\t", "\u{01}", "\u{7F}", "é", "😀", "/", " "]
          return pool[Int.random(in: 0..<pool.count, using: &rng)]
        }
        return .string(String(scalars))
      case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in random(depth + 1) })
      default:
        return .object((0..<Int.random(in: 0...4, using: &rng)).map { ("k\($0)\u{0A}", random(depth + 1)) })
      }
    }
    for _ in 0..<300 {
      let value = random(0)
      #expect(try JSONValue.parse(value.formatted()) == value)
      #expect(try JSONValue.parse(value.compact()) == value)
      #expect(!value.compact().contains("\n"))
    }
  }

  @Test func formattedLayout() {
    let value = JSONValue.object([
      ("name", .string("x")), ("list", .array([.integer(1), .integer(2)])),
      ("nested", .array([.object([("a", .null)])])), ("empty", .object([])),
    ])
    let expected = """
      {
        "name": "x",
        "list": [1, 2],
        "nested": [
          {
            "a": null
          }
        ],
        "empty": {}
      }
      """
    #expect(value.formatted() == expected)
    #expect(value.compact() == #"{"name":"x","list":[1,2],"nested":[{"a":null}],"empty":{}}"#)
    #expect(jsonQuoted("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
  }
}
