/// A JSON value with object keys kept in file order, exact integers, and a strict parser.
///
/// Foundation's `JSONSerialization` cannot tell `true` from `1` on Linux and rounds large
/// integers through `Double`; formatbooks, safetensors headers and configuration files need
/// both to be exact, so dialectgen reads and writes JSON with this small type.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  /// A number, kept as its source text so integers of any size stay exact.
  case number(String)
  case string(String)
  case array([JSONValue])
  /// An object; keys keep their order (the writer emits them in this order).
  case object([(key: String, value: JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.number(let a), .number(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  /// Creates a number from an integer.
  public static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

  /// Creates a number from a double, written with enough digits to read back exactly;
  /// non-finite values become `null`, which JSON has no number for.
  public static func double(_ value: Double) -> JSONValue {
    guard value.isFinite else { return .null }
    if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int(value))) }
    return .number("\(value)")
  }

  /// The value of `key` when this is an object.
  public subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  /// The keys when this is an object, in order.
  public var keys: [String] {
    guard case .object(let members) = self else { return [] }
    return members.map(\.key)
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  /// The number as an exact integer; nil for fractions, exponents out of range or non-numbers.
  ///
  /// `1.0` and `1e2` are integers; `1.00000000000000001` is not (decided on the decimal digits,
  /// not through `Double`, which would round it to 1).
  public var intValue: Int? {
    guard case .number(let text) = self else { return nil }
    if let value = Int(text) { return value }
    var mantissa = Substring(text)
    var exponent = 0
    if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      guard let power = Int(mantissa[mantissa.index(after: e)...]), abs(power) <= 10_000 else { return nil }
      exponent = power
      mantissa = mantissa[..<e]
    }
    let negative = mantissa.hasPrefix("-")
    if negative { mantissa = mantissa.dropFirst() }
    var digits = String(mantissa)
    if let point = mantissa.firstIndex(of: ".") {
      let fraction = mantissa[mantissa.index(after: point)...]
      digits = String(mantissa[..<point]) + fraction
      exponent -= fraction.count
    }
    guard !digits.isEmpty else { return nil }
    // The value is digits * 10^exponent: an integer when every digit it drops is 0.
    if exponent < 0 {
      guard digits.suffix(-exponent).allSatisfy({ $0 == "0" }) else { return nil }
      digits = String(digits.dropLast(-exponent))
    } else if digits.contains(where: { $0 != "0" }) {
      guard exponent <= 20 else { return nil }
      digits += String(repeating: "0", count: exponent)
    }
    return Int((negative ? "-" : "") + (digits.isEmpty ? "0" : digits))
  }

  public var doubleValue: Double? {
    guard case .number(let text) = self else { return nil }
    return Double(text)
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var isObject: Bool {
    if case .object = self { return true }
    return false
  }
}

/// A JSON syntax error with its byte offset.
public struct JSONSyntaxError: Error, CustomStringConvertible {
  public let offset: Int
  public let reason: String
  public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
  /// Parses JSON text (UTF-8 bytes). Duplicate keys are an error.
  public static func parse<Bytes: Collection>(_ bytes: Bytes) throws -> JSONValue
  where Bytes.Element == UInt8 {
    var parser = JSONParser(bytes: Array(bytes))
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else {
      throw JSONSyntaxError(offset: parser.index, reason: "unexpected text after the value")
    }
    return value
  }

  /// Parses JSON text from a string.
  public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

  /// The value as JSON text: objects and arrays indented by two spaces, except arrays of
  /// scalars, which stay on one line; deterministic for a given value.
  public func formatted(indent: Int = 0) -> String {
    let pad = String(repeating: " ", count: indent)
    let inner = String(repeating: " ", count: indent + 2)
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n
    case .string(let s): return jsonQuoted(s)
    case .array(let items):
      if items.isEmpty { return "[]" }
      if items.allSatisfy({ !$0.isContainer }) {
        return "[" + items.map { $0.formatted() }.joined(separator: ", ") + "]"
      }
      return "[\n" + items.map { inner + $0.formatted(indent: indent + 2) }.joined(separator: ",\n")
        + "\n" + pad + "]"
    case .object(let members):
      if members.isEmpty { return "{}" }
      return "{\n"
        + members.map { inner + jsonQuoted($0.key) + ": " + $0.value.formatted(indent: indent + 2) }
        .joined(separator: ",\n") + "\n" + pad + "}"
    }
  }

  /// The value as compact JSON text on one line.
  public func compact() -> String {
    var bytes: [UInt8] = []
    appendCompact(to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the compact text to `bytes` (linear in the size of the value, however many
  /// members it has).
  func appendCompact(to bytes: inout [UInt8]) {
    switch self {
    case .null: bytes += Array("null".utf8)
    case .bool(let b): bytes += Array((b ? "true" : "false").utf8)
    case .number(let n): bytes += Array(n.utf8)
    case .string(let s): appendJSONQuoted(s, to: &bytes)
    case .array(let items):
      bytes.append(UInt8(ascii: "["))
      for (index, item) in items.enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        item.appendCompact(to: &bytes)
      }
      bytes.append(UInt8(ascii: "]"))
    case .object(let members):
      bytes.append(UInt8(ascii: "{"))
      for (index, member) in members.enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        appendJSONQuoted(member.key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        member.value.appendCompact(to: &bytes)
      }
      bytes.append(UInt8(ascii: "}"))
    }
  }

  private var isContainer: Bool {
    switch self {
    case .array, .object: return true
    default: return false
    }
  }
}

/// Whether `byte` is an ASCII hex digit (0-9, a-f, A-F).
private func isHexDigit(_ byte: UInt8) -> Bool {
  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
}

private struct JSONParser {
  let bytes: [UInt8]
  var index = 0
  static let maximumDepth = 256

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func skipWhitespace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

  mutating func parseValue(depth: Int) throws -> JSONValue {
    guard depth < Self.maximumDepth else { throw fail("nested too deeply") }
    skipWhitespace()
    guard index < bytes.count else { throw fail("unexpected end of text") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectWord("null"); return .null
    default: return try parseNumber()
    }
  }

  mutating func expectWord(_ word: String) throws {
    let w = Array(word.utf8)
    guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
      throw fail("expected \(word)")
    }
    index += w.count
  }

  mutating func parseObject(depth: Int) throws -> JSONValue {
    index += 1
    var members: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw fail("expected a string key")
      }
      let key = try parseString()
      guard seen.insert(key).inserted else { throw fail("duplicate key \"\(SafeText.escape(key))\"") }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
      index += 1
      members.append((key, try parseValue(depth: depth + 1)))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of text in an object") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
      index += 1
      return .object(members)
    }
  }

  mutating func parseArray(depth: Int) throws -> JSONValue {
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      items.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unexpected end of text in an array") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
        continue
      }
      guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
      index += 1
      return .array(items)
    }
  }

  mutating func parseString() throws -> String {
    index += 1
    var scalars = String.UnicodeScalarView()
    var raw: [UInt8] = []
    func flush() throws {
      guard !raw.isEmpty else { return }
      guard let text = String(validating: raw, as: UTF8.self) else {
        throw JSONSyntaxError(offset: index, reason: "invalid UTF-8 in a string")
      }
      scalars.append(contentsOf: text.unicodeScalars)
      raw.removeAll(keepingCapacity: true)
    }
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        index += 1
        try flush()
        return String(scalars)
      }
      if byte < 0x20 { throw fail("control character in a string") }
      if byte != UInt8(ascii: "\\") {
        raw.append(byte)
        index += 1
        continue
      }
      try flush()
      index += 1
      guard index < bytes.count else { break }
      let escape = bytes[index]
      index += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        var code = try parseHex4()
        if (0xD800..<0xDC00).contains(code) {
          guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
          else { throw fail("unpaired surrogate") }
          index += 2
          let low = try parseHex4()
          guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
        scalars.append(scalar)
      default: throw fail("invalid escape")
      }
    }
    throw fail("unterminated string")
  }

  mutating func parseHex4() throws -> UInt32 {
    // Exactly four hex digits: UInt32(_:radix:) alone would also take a sign, as in \u+041.
    guard index + 4 <= bytes.count,
      bytes[index..<index + 4].allSatisfy(isHexDigit),
      let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
    else { throw fail("invalid \\u escape") }
    index += 4
    return value
  }

  mutating func parseNumber() throws -> JSONValue {
    let start = index
    func digits() -> Int {
      let from = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        index += 1
      }
      return index - from
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
    let integerStart = index
    guard digits() > 0 else { throw fail("expected a value") }
    if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 {
      throw fail("leading zero in a number")
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      guard digits() > 0 else { throw fail("expected digits after '.'") }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
        index += 1
      }
      guard digits() > 0 else { throw fail("expected digits in the exponent") }
    }
    return .number(String(decoding: bytes[start..<index], as: UTF8.self))
  }
}
