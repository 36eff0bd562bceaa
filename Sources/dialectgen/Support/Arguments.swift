import BlockDialect

/// A mistake on the command line: printed as one line, exit status 2.
struct UsageError: Error {
  let message: String
  init(_ message: String) { self.message = message }
}

/// A failure while running a command (bad input file, failed check): one line, exit status 1.
struct CommandFailure: Error {
  let message: String
  init(_ message: String) { self.message = message }
}

/// One option a command accepts.
struct OptionSpec {
  enum Kind {
    /// `--name` alone.
    case flag
    /// `--name VALUE` or `--name=VALUE`; the last one given wins.
    case value(String)
    /// `--name VALUE ...`: may be repeated, and takes every following word that is not an
    /// option.
    case list(String)
  }

  let name: String
  var short: String? = nil
  let kind: Kind
  let help: String

  var takesValue: Bool {
    if case .flag = kind { return false }
    return true
  }
}

/// The command-line interface of one (sub)command: its options, positional arguments and
/// help text.
struct CommandSpec {
  /// The full command, e.g. `dialectgen formatbook show`.
  let name: String
  /// One line: what the command does.
  let summary: String
  /// The positional arguments in the usage line, e.g. `IN.safetensors`.
  let positionals: String
  /// How many positional arguments are allowed.
  let positionalCount: ClosedRange<Int>
  let options: [OptionSpec]
  /// Extra paragraphs after the option list.
  var details: String = ""

  /// The help text.
  var help: String {
    var lines = ["usage: \(name)\(positionals.isEmpty ? "" : " " + positionals) [options]", "", summary, ""]
    if !options.isEmpty {
      lines.append("options:")
      let rows = options.map { option -> (String, String) in
        var left = option.name
        if let short = option.short { left = "\(short), \(left)" }
        switch option.kind {
        case .flag: break
        case .value(let valueName): left += " \(valueName)"
        case .list(let valueName): left += " \(valueName)..."
        }
        return (left, option.help)
      }
      let width = min(32, rows.map(\.0.count).max() ?? 0)
      for (left, right) in rows {
        let padding = String(repeating: " ", count: max(1, width + 2 - left.count))
        lines.append("  " + left + padding + right)
      }
      lines.append("  -h, --help" + String(repeating: " ", count: max(1, width + 2 - 10)) + "show this help")
    }
    if !details.isEmpty { lines += ["", details] }
    return lines.joined(separator: "\n")
  }

  /// Parses `arguments` (without the command words).
  ///
  /// - Throws: ``UsageError`` for an unknown option, a missing value or a wrong number of
  ///   positional arguments.
  func parse(_ arguments: [String]) throws -> ParsedArguments {
    var parsed = ParsedArguments(command: name)
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
      let word = arguments[index]
      index += 1
      if onlyPositionals || !word.hasPrefix("-") || word == "-" {
        parsed.positionals.append(word)
        continue
      }
      if word == "--" {
        onlyPositionals = true
        continue
      }
      var key = word
      var inlineValue: String? = nil
      if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
        key = String(word[..<equals])
        inlineValue = String(word[word.index(after: equals)...])
      }
      guard let option = options.first(where: { $0.name == key || $0.short == key }) else {
        throw UsageError("unknown option '\(SafeText.escape(key))' (see \(name) --help)")
      }
      switch option.kind {
      case .flag:
        guard inlineValue == nil else { throw UsageError("option \(option.name) takes no value") }
        parsed.flags.insert(option.name)
      case .value(let valueName):
        if let inlineValue {
          parsed.values[option.name] = [inlineValue]
        } else {
          guard index < arguments.count, !arguments[index].hasPrefix("--") else {
            throw UsageError("option \(option.name) needs a value (\(valueName))")
          }
          parsed.values[option.name] = [arguments[index]]
          index += 1
        }
      case .list(let valueName):
        var items = parsed.values[option.name] ?? []
        if let inlineValue {
          items.append(inlineValue)
        } else {
          let start = items.count
          while index < arguments.count, !arguments[index].hasPrefix("-") || arguments[index] == "-" {
            items.append(arguments[index])
            index += 1
          }
          guard items.count > start else { throw UsageError("option \(option.name) needs at least one \(valueName)") }
        }
        parsed.values[option.name] = items
      }
    }
    guard positionalCount.contains(parsed.positionals.count) else {
      if parsed.positionals.count > positionalCount.upperBound {
        let extra = parsed.positionals[positionalCount.upperBound]
        throw UsageError("unexpected argument '\(SafeText.escape(extra))' (usage: \(name) \(positionals) [options])")
      }
      throw UsageError("missing \(positionals) (usage: \(name) \(positionals) [options])")
    }
    return parsed
  }
}

/// What the command line said, with typed accessors that name the option in every error.
struct ParsedArguments {
  let command: String
  var positionals: [String] = []
  var values: [String: [String]] = [:]
  var flags: Set<String> = []

  init(command: String) { self.command = command }

  func flag(_ name: String) -> Bool { flags.contains(name) }

  func has(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

  func string(_ name: String) -> String? { values[name]?.last }

  /// All the values of a list option, split at commas as well.
  func list(_ name: String) -> [String]? {
    values[name]?.flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
  }

  /// An integer option, checked against `range`.
  func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
    guard let text = string(name) else { return defaultValue }
    guard let value = Int(text) else { throw UsageError("\(name) '\(SafeText.escape(text))' is not an integer") }
    guard range.contains(value) else {
      throw UsageError("\(name) \(value) is out of range; allowed: \(range.lowerBound) to \(range.upperBound)")
    }
    return value
  }

  /// An optional integer option, checked against `range`.
  func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
    guard has(name) else { return nil }
    return try integer(name, default: 0, in: range)
  }

  /// A 64-bit seed.
  func seed(_ name: String, default defaultValue: UInt64) throws -> UInt64 {
    guard let text = string(name) else { return defaultValue }
    guard let value = UInt64(text) else {
      throw UsageError("\(name) '\(SafeText.escape(text))' is not a non-negative integer")
    }
    return value
  }

  /// A fraction in the open or closed interval given.
  func fraction(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Double {
    guard let text = string(name) else { return defaultValue }
    guard let value = Double(text), range.contains(value) else {
      throw UsageError(
        "\(name) '\(SafeText.escape(text))' is not a number in \(range.lowerBound)...\(range.upperBound)")
    }
    return value
  }

  /// An option whose value must be one of `choices`.
  func choice<T: RawRepresentable>(_ name: String, default defaultValue: T, _ choices: [T]) throws -> T
  where T.RawValue == String {
    guard let text = string(name) else { return defaultValue }
    guard let value = choices.first(where: { $0.rawValue == text }) else {
      throw UsageError(
        "\(name) '\(SafeText.escape(text))' is not allowed; allowed: \(choices.map(\.rawValue).joined(separator: ", "))"
      )
    }
    return value
  }
}
