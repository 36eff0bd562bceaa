import Foundation

extension Formatbook {
  /// The JSON keys a formatbook file may hold.
  static let knownKeys: Set<String> = ["name", "description", "unit", "ties", "dialects"]

  /// Parses and validates a formatbook from JSON.
  ///
  /// - Parameters:
  ///   - json: The file's bytes, in the format of the shipped books.
  ///   - source: How to name the input in messages (usually the file path).
  /// - Throws: ``FormatbookError`` with a one-line message naming the source, the field or
  ///   dialect at fault, and what is allowed.
  public init(json: Data, source: String) throws {
    let root: JSONValue
    do {
      root = try JSONValue.parse(json)
    } catch {
      throw FormatbookError("\(SafeText.path(source)): \(error)")
    }
    try self.init(jsonValue: root, source: source)
  }

  /// Validates a formatbook given as an already-parsed JSON value (a configuration file may
  /// embed one).
  public init(jsonValue root: JSONValue, source: String) throws {
    let label = SafeText.path(source)
    guard root.isObject else {
      throw FormatbookError("\(label): a formatbook is a JSON object with a \"dialects\" array")
    }
    if let unknown = root.keys.first(where: { !Self.knownKeys.contains($0) }) {
      throw FormatbookError(
        "\(label): unknown field \"\(SafeText.escape(unknown))\"; allowed: \(Self.knownKeys.sorted().joined(separator: ", "))"
      )
    }
    let name: String
    if let given = try Self.string(root, "name", source: source) {
      name = given
    } else {
      name = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
      guard Self.isValidName(name) else {
        throw FormatbookError(
          "\(SafeText.path(source)): the book has no \"name\" field and the file name '\(SafeText.escape(name))' is not a valid book name (\(Self.nameRule)); add a \"name\" field"
        )
      }
    }
    let description = try Self.string(root, "description", source: source) ?? ""
    if let unit = try Self.string(root, "unit", source: source), unit != "half" {
      throw FormatbookError("\(label): field \"unit\" is \"\(SafeText.escape(unit))\"; the only unit is \"half\"")
    }
    var ties = TieRule.up
    if let text = try Self.string(root, "ties", source: source) {
      guard let rule = TieRule(rawValue: text) else {
        throw FormatbookError("\(label): field \"ties\" is \"\(SafeText.escape(text))\"; allowed: up, even")
      }
      ties = rule
    }
    guard let list = root["dialects"] else {
      throw FormatbookError("\(label): missing field \"dialects\" (an array of 1 to 16 dialects)")
    }
    guard let rows = list.arrayValue else {
      throw FormatbookError("\(label): field \"dialects\" must be an array of dialects")
    }
    guard (1...Self.maximumDialectCount).contains(rows.count) else {
      throw FormatbookError(
        "\(label): has \(rows.count) dialects; a book holds 1 to \(Self.maximumDialectCount)")
    }
    var dialects: [Dialect] = []
    for (id, row) in rows.enumerated() {
      guard let values = row.arrayValue else {
        throw FormatbookError("\(label): dialect \(id): must be an array of \(Dialect.magnitudeCount) integers")
      }
      guard values.count == Dialect.magnitudeCount else {
        throw FormatbookError(
          "\(label): dialect \(id): has \(values.count) magnitudes; every dialect has exactly \(Dialect.magnitudeCount)"
        )
      }
      var magnitudes: [Int] = []
      for (k, value) in values.enumerated() {
        guard let integer = value.intValue else {
          throw FormatbookError(
            "\(label): dialect \(id): magnitude \(k) is \(SafeText.escape(value.compact())); magnitudes are integers (half-units)"
          )
        }
        magnitudes.append(integer)
      }
      dialects.append(Dialect(magnitudes))
    }
    do {
      try self.init(name: name, description: description, ties: ties, dialects: dialects)
    } catch let error as FormatbookError {
      throw FormatbookError("\(label): \(error.description)")
    }
  }

  /// Loads and validates a formatbook file.
  public init(contentsOf path: String) throws {
    let bytes: [UInt8]
    do {
      bytes = try InputFile.contents(of: path, limit: Self.largestFile, what: "formatbook file")
    } catch let error as TensorFileError {
      throw FormatbookError(error.description)
    }
    try self.init(json: Data(bytes), source: path)
  }

  /// The largest formatbook file read (a book is a few hundred bytes).
  public static let largestFile = 1 << 20

  private static func string(_ root: JSONValue, _ key: String, source: String) throws
    -> String?
  {
    guard let value = root[key] else { return nil }
    guard let text = value.stringValue else {
      throw FormatbookError("\(SafeText.path(source)): field \"\(key)\" must be a string")
    }
    return text
  }

  /// The book as a JSON value (for manifests and metadata).
  public var jsonValue: JSONValue {
    .object([
      ("name", .string(name)),
      ("description", .string(description)),
      ("unit", .string("half")),
      ("ties", .string(ties.rawValue)),
      ("dialects", .array(dialects.map { .array($0.magnitudes.map { .integer($0) }) })),
    ])
  }

  /// The book as JSON, in the layout of the shipped books: deterministic, one dialect per line.
  public func jsonText() -> String {
    var lines = ["{"]
    lines.append("  \"name\": \(jsonQuoted(name)),")
    lines.append("  \"description\": \(jsonQuoted(description)),")
    lines.append("  \"unit\": \"half\",")
    lines.append("  \"ties\": \"\(ties.rawValue)\",")
    lines.append("  \"dialects\": [")
    for (id, dialect) in dialects.enumerated() {
      let row = "    [" + dialect.magnitudes.map(String.init).joined(separator: ", ") + "]"
      lines.append(id == dialects.count - 1 ? row : row + ",")
    }
    lines.append("  ]")
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }
}

/// A JSON string literal for `text`, with the escapes JSON requires.
public func jsonQuoted(_ text: String) -> String {
  var bytes: [UInt8] = []
  appendJSONQuoted(text, to: &bytes)
  return String(decoding: bytes, as: UTF8.self)
}

/// Appends the JSON string literal for `text` to `bytes` (UTF-8): `"` and `\` escaped, `\n`,
/// `\r`, `\t`, other control characters as `\u00XX`; everything else as it is (bytes of
/// multi-byte characters are all 0x80 or above, so they are never escaped).
func appendJSONQuoted(_ text: String, to bytes: inout [UInt8]) {
  let hex = Array("0123456789abcdef".utf8)
  bytes.append(UInt8(ascii: "\""))
  for byte in text.utf8 {
    switch byte {
    case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
    case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
    case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
    case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
    case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
    case 0..<0x20:
      bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
    default: bytes.append(byte)
    }
  }
  bytes.append(UInt8(ascii: "\""))
}
