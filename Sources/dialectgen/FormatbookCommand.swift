import BlockDialect

/// `dialectgen formatbook show`: a book with everything derived from it.
enum FormatbookShowCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen formatbook show",
    summary: "Prints a formatbook: its dialects, groups, beneficial ranges and encoding midpoints.",
    positionals: "[FILE|NAME]",
    positionalCount: 0...1,
    options: [OptionSpec(name: "--json", kind: .flag, help: "print the book and its derived tables as JSON")],
    details: "NAME is a built-in book: dialectfp4 (the default) or e2m1.")

  static func run(_ arguments: ParsedArguments) throws {
    let book = try Formatbook.named(arguments.positionals.first ?? Formatbook.dialectFP4.name)
    if arguments.flag("--json") {
      print(json(book).formatted())
    } else {
      print(describe(book))
    }
  }

  /// The q values of a beneficial range as runs: `21-23, 27`.
  static func runs(_ mask: UInt32) -> String {
    var parts: [String] = []
    var q = 0
    while q < Formatbook.quarterUnitViewCount {
      guard mask >> UInt32(q) & 1 == 1 else {
        q += 1
        continue
      }
      var end = q
      while end + 1 < Formatbook.quarterUnitViewCount, mask >> UInt32(end + 1) & 1 == 1 { end += 1 }
      parts.append(end == q ? "\(q)" : "\(q)-\(end)")
      q = end + 1
    }
    return parts.isEmpty ? "none" : parts.joined(separator: ", ")
  }

  static func describe(_ book: Formatbook) -> String {
    var lines = [
      "formatbook \(book.name): \(book.dialects.count) dialect(s), \(book.idWidth)-bit id, ties \(book.ties.rawValue)"
    ]
    if !book.description.isEmpty { lines.append(book.description) }
    lines.append("")
    let rows = book.dialects.enumerated().map { id, dialect -> [String] in
      [
        "\(id)",
        dialect.magnitudes.map(String.init).joined(separator: " "),
        dialect.magnitudes.map { value in
          value % 2 == 0 ? String(value / 2) : String(format: "%.1f", Double(value) / 2)
        }.joined(separator: " "),
        book.midpoints[id].map(String.init).joined(separator: " "),
        "\(book.groupOfDialect[id])",
        book.needsCount(group: book.groupOfDialect[id]) ? runs(book.beneficialRanges[id]) : "(group of one)",
      ]
    }
    lines.append(
      renderTable(
        ["id", "half-units", "values", "midpoints (quarter-units)", "group", "beneficial range (q)"], rows))
    lines.append("")
    lines.append("groups (stage 1 picks the first whose maximum is >= floor(max q / 2), else the last):")
    for (index, group) in book.groups.enumerated() {
      let truncated = (0...Dialect.largestMagnitude).filter { book.groupIndex(forTruncatedMaximum: $0) == index }
      let members = group.members.map(String.init).joined(separator: ", ")
      lines.append(
        "  \(index): maximum \(group.maximum) half-units, dialects \(members); chosen for h = \(truncated.first!)...\(truncated.last!)"
      )
    }
    return lines.joined(separator: "\n")
  }

  static func json(_ book: Formatbook) -> JSONValue {
    .object([
      ("formatbook", book.jsonValue),
      ("id_width", .integer(book.idWidth)),
      (
        "groups",
        .array(
          book.groups.map { group in
            .object([("maximum", .integer(group.maximum)), ("members", .array(group.members.map { .integer($0) }))])
          })
      ),
      ("beneficial_ranges", .array(book.beneficialRanges.map { .integer(Int($0)) })),
      ("midpoints", .array(book.midpoints.map { .array($0.map { .integer($0) }) })),
    ])
  }
}

/// `dialectgen formatbook validate`: checks book files, one line each.
enum FormatbookValidateCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen formatbook validate",
    summary: "Checks formatbook files against the rules of docs/numerics.md; exits 1 if any is invalid.",
    positionals: "FILE...",
    positionalCount: 1...Int.max,
    options: [])

  static func run(_ arguments: ParsedArguments) throws {
    var failures: [String] = []
    for path in arguments.positionals {
      do {
        let book = try Formatbook.named(path)
        print(
          "\(SafeText.path(path)): valid: \(book.name), \(book.dialects.count) dialect(s) in \(book.groups.count) group(s), ties \(book.ties.rawValue)"
        )
      } catch {
        failures.append("\(error)")
      }
    }
    guard failures.isEmpty else {
      for failure in failures.dropLast() {
        StandardError.line(SafeText.line("dialectgen formatbook validate: error: \(failure)"))
      }
      throw CommandFailure(failures.last!)
    }
  }
}
