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
      throw FormatbookError("\(source): \(error)")
    }
    try self.init(jsonValue: root, source: source)
  }

  /// Validates a formatbook given as an already-parsed JSON value (a configuration file may
  /// embed one).
  public init(jsonValue root: JSONValue, source: String) throws {
    guard root.isObject else {
      throw FormatbookError("\(source): a formatbook is a JSON object with a \"dialects\" array")
    }
    if let unknown = root.keys.first(where: { !Self.knownKeys.contains($0) }) {
      throw FormatbookError(
        "\(source): unknown field \"\(unknown)\"; allowed: \(Self.knownKeys.sorted().joined(separator: ", "))")
    }
    let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
    let name = try Self.string(root, "name", source: source) ?? stem
    let description = try Self.string(root, "description", source: source) ?? ""
    if let unit = try Self.string(root, "unit", source: source), unit != "half" {
      throw FormatbookError("\(source): field \"unit\" is \"\(unit)\"; the only unit is \"half\"")
    }
    var ties = TieRule.up
    if let text = try Self.string(root, "ties", source: source) {
      guard let rule = TieRule(rawValue: text) else {
        throw FormatbookError("\(source): field \"ties\" is \"\(text)\"; allowed: up, even")
      }
      ties = rule
    }
    guard let list = root["dialects"] else {
      throw FormatbookError("\(source): missing field \"dialects\" (an array of 1 to 16 dialects)")
    }
    guard let rows = list.arrayValue else {
      throw FormatbookError("\(source): field \"dialects\" must be an array of dialects")
    }
    var dialects: [Dialect] = []
    for (id, row) in rows.enumerated() {
      guard let values = row.arrayValue else {
        throw FormatbookError("\(source): dialect \(id): must be an array of 8 integers")
      }
      var magnitudes: [Int] = []
      for (k, value) in values.enumerated() {
        guard let integer = value.intValue else {
          throw FormatbookError(
            "\(source): dialect \(id): magnitude \(k) is \(value.compact()); magnitudes are integers (half-units)")
        }
        magnitudes.append(integer)
      }
      dialects.append(Dialect(magnitudes))
    }
    do {
      try self.init(name: name, description: description, ties: ties, dialects: dialects)
    } catch let error as FormatbookError {
      throw FormatbookError("\(source): \(error.description)")
    }
  }

  /// Loads and validates a formatbook file.
  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw FormatbookError("\(path): cannot read the formatbook file")
    }
    try self.init(json: data, source: path)
  }

  private static func string(_ root: JSONValue, _ key: String, source: String) throws
    -> String?
  {
    guard let value = root[key] else { return nil }
    guard let text = value.stringValue else {
      throw FormatbookError("\(source): field \"\(key)\" must be a string")
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
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case let s where s.value < 0x20: out += String(format: "\\u%04x", s.value)
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}
