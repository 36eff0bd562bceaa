/// Text taken from a file or the command line, made safe to show in a one-line message.
///
/// Every error that echoes a tensor name, a dtype, a header key, a book name, an option value
/// or a path passes it through ``escape(_:limit:)`` (or ``path(_:)``), so that a newline cannot
/// split the one-line error, a terminal escape sequence from a file never reaches the user's
/// terminal, and a 50,000-digit number does not become a 50 kB line. ``line(_:)`` is the last
/// guard, applied to the whole message where it is printed.
public enum SafeText {
  /// The most characters of a value shown before it is shortened.
  public static let valueLimit = 80
  /// The most characters of a path shown before it is shortened.
  public static let pathLimit = 240
  /// The most characters of a whole message line.
  public static let lineLimit = 2000

  /// `text` with every character that is not safe on a terminal written as an escape, and
  /// shortened to about `limit` characters.
  ///
  /// Control characters become `\n`, `\r`, `\t` or `\u{1B}`; line and paragraph separators,
  /// invisible format characters (bidirectional overrides, zero-width joiners) and unassigned
  /// code points become `\u{...}` too; a backslash becomes `\\`, so an escape is never
  /// ambiguous. Longer text keeps its first `limit` characters and ends in
  /// `...(N characters)`, N being the length of the whole original text.
  public static func escape(_ text: some StringProtocol, limit: Int = valueLimit) -> String {
    var out = ""
    var shown = 0
    var total = 0
    for scalar in text.unicodeScalars {
      total += 1
      guard shown < limit else { continue }
      let piece = escaped(scalar, backslash: true)
      out += piece
      shown += piece.unicodeScalars.count
    }
    return shown < limit || total <= limit ? out : out + "...(\(total) characters)"
  }

  /// A path for a message: escaped as ``escape(_:limit:)`` does, shortened at ``pathLimit``.
  public static func path(_ path: String) -> String { escape(path, limit: pathLimit) }

  /// A whole message made one safe line: control and invisible characters escaped (a
  /// backslash is kept as it is, since the values in the message were escaped already) and
  /// the line shortened in the middle to at most about ``lineLimit`` characters, so that both
  /// its start (what is at fault) and its end (what is allowed) stay.
  public static func line(_ message: String) -> String {
    var pieces: [String] = []
    for scalar in message.unicodeScalars { pieces.append(escaped(scalar, backslash: false)) }
    guard pieces.count > lineLimit else { return pieces.joined() }
    let keep = lineLimit / 2
    return pieces[..<keep].joined() + " ...(\(pieces.count - 2 * keep) characters left out)... "
      + pieces[(pieces.count - keep)...].joined()
  }

  /// One scalar, escaped when it is not safe to print.
  private static func escaped(_ scalar: Unicode.Scalar, backslash: Bool) -> String {
    switch scalar {
    case "\n": return "\\n"
    case "\r": return "\\r"
    case "\t": return "\\t"
    case "\\": return backslash ? "\\\\" : "\\"
    default:
      switch scalar.properties.generalCategory {
      case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse:
        return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      default:
        return String(scalar)
      }
    }
  }
}
