import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Standard error, for messages and the progress bar.
enum StandardError {
  /// Writes `text` with write(2): a closed or full standard error loses the text rather than
  /// stopping the process (FileHandle would trap).
  static func write(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
      let count = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + done, $0.count - done) }
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { return }
      done += count
    }
  }

  static func line(_ text: String) { write(text + "\n") }

  /// Whether standard error is a terminal (so a progress bar can redraw itself).
  static var isTerminal: Bool { isatty(2) != 0 }
}

/// A one-line progress bar on standard error, shown only on a terminal and only once a job has
/// run for more than half a second; redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
  private let lock = NSLock()
  private let label: String
  private let total: Int
  private var done = 0
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false
  private let enabled: Bool

  init(_ label: String, total: Int) {
    self.label = label
    self.total = max(total, 1)
    enabled = StandardError.isTerminal && ProcessInfo.processInfo.environment["DIALECTGEN_NO_PROGRESS"] == nil
  }

  /// Records `amount` more units of work done (from any thread).
  func advance(by amount: Int) {
    lock.lock()
    defer { lock.unlock() }
    done += amount
    guard enabled else { return }
    let now = Date()
    guard now.timeIntervalSince(start) > 0.5, now.timeIntervalSince(lastDraw) > 0.1 else { return }
    lastDraw = now
    let fraction = min(1, Double(done) / Double(total))
    let width = 30
    let filled = Int(fraction * Double(width))
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let elapsed = now.timeIntervalSince(start)
    let remaining = fraction > 0 ? elapsed / fraction - elapsed : 0
    StandardError.write(String(format: "\r%@ [%@] %3.0f%%  %.0fs left ", label, bar, fraction * 100, remaining))
    drawn = true
  }

  /// Clears the bar.
  func finish() {
    lock.lock()
    defer { lock.unlock() }
    if drawn { StandardError.write("\r" + String(repeating: " ", count: label.count + 50) + "\r") }
  }
}

/// Formats rows as a left-aligned first column and right-aligned other columns.
func renderTable(_ header: [String], _ rows: [[String]], indent: String = "") -> String {
  let all = [header] + rows
  let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
  return all.map { row in
    indent
      + row.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return column == 0 ? cell + padding : padding + cell
      }.joined(separator: "  ")
  }.joined(separator: "\n")
}

/// A count with a metric suffix: 1.2k, 45.1M.
func humanCount(_ value: Double) -> String {
  switch value {
  case 1e9...: return String(format: "%.1fG", value / 1e9)
  case 1e6...: return String(format: "%.1fM", value / 1e6)
  case 1e3...: return String(format: "%.1fk", value / 1e3)
  default: return String(format: "%.0f", value)
  }
}

/// Matches a shell-style glob (`*` any run, `?` one character) against the whole text.
func globMatches(_ pattern: String, _ text: String) -> Bool {
  let p = Array(pattern)
  let t = Array(text)
  var pi = 0
  var ti = 0
  var star = -1
  var mark = 0
  while ti < t.count {
    if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
      pi += 1
      ti += 1
    } else if pi < p.count, p[pi] == "*" {
      star = pi
      mark = ti
      pi += 1
    } else if star >= 0 {
      pi = star + 1
      mark += 1
      ti = mark
    } else {
      return false
    }
  }
  while pi < p.count, p[pi] == "*" { pi += 1 }
  return pi == p.count
}
