import Foundation

/// A liberty file (a standard-cell library's timing, power and area), checked before the
/// standard-cell flow runs: what the flow needs to know of it is read here, the rest is left to
/// Yosys and OpenSTA.
///
/// The product never ships or reads a library of its own: the file is always the one given
/// with `--liberty`.
public struct LibertyLibrary: Sendable {
  /// The file.
  public let path: String
  /// The name in `library (NAME)`.
  public let name: String
  /// Every cell, by name.
  public let cells: Set<String>
  /// The cells holding state (a `ff` or `latch` group), with their areas: flip-flops in the
  /// cell counts.
  public let sequentialCellAreas: [String: Double]
  /// A cell driving a constant 0 and its output pin, for Yosys's `hilomap`, if any.
  public let tieLow: (cell: String, pin: String)?
  /// A cell driving a constant 1 and its output pin, if any.
  public let tieHigh: (cell: String, pin: String)?
  /// The nominal process corner, voltage and temperature, as the file states them.
  public let corner: String
  /// The logic of every cell whose functions could be read, for simulating mapped netlists.
  let logic: [String: CellLogic]

  /// Reads and checks `path`.
  ///
  /// - Throws: ``FlowError`` naming the file when it cannot be read or is not a liberty
  ///   library with cells and areas.
  public init(path: String) throws {
    guard FileManager.default.fileExists(atPath: path) else {
      throw FlowError(description: "--liberty \(path): no such file; give a liberty (.lib) cell library")
    }
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
    else {
      throw FlowError(description: "--liberty \(path): cannot be read as text; give a liberty (.lib) cell library")
    }
    try self.init(text: text, path: path)
  }

  /// Parses the text of a liberty file (`path` names it in errors).
  public init(text: String, path: String) throws {
    self.path = path
    guard let name = Self.groupName("library", in: Substring(text)) else {
      throw FlowError(
        description: "--liberty \(path): not a liberty library (no 'library (NAME) {' group); give a .lib cell library")
    }
    self.name = name
    var cells: Set<String> = []
    var sequential: [String: Double] = [:]
    var low: (String, String)?
    var high: (String, String)?
    var hasArea = false
    var logic: [String: CellLogic] = [:]
    for (cell, body) in Self.groups("cell", in: Substring(text)) {
      cells.insert(cell)
      let area = Self.attribute("area", in: body).flatMap { Double($0) }
      if area != nil { hasArea = true }
      if Self.groupName("ff", in: body) != nil || Self.groupName("latch", in: body) != nil {
        sequential[cell] = area ?? 0
      }
      var cellLogic = CellLogic(outputs: [], state: nil)
      var readable = true
      for (pin, pinBody) in Self.groups("pin", in: body) {
        let function = Self.attribute("function", in: pinBody)
        if function == "0", low == nil { low = (cell, pin) }
        if function == "1", high == nil { high = (cell, pin) }
        guard Self.attribute("direction", in: pinBody) == "output", let function else { continue }
        if let parsed = try? CellFunction(parsing: function) {
          cellLogic.outputs.append((pin, parsed))
        } else {
          readable = false
        }
      }
      if let ff = Self.groups("ff", in: body, limit: 1).first {
        let names = ff.name.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"")) }
        if names.count == 2, let next = Self.attribute("next_state", in: ff.body),
          let function = try? CellFunction(parsing: next)
        {
          cellLogic.state = (names[0], names[1], function)
        } else {
          readable = false
        }
      }
      if readable, !cellLogic.outputs.isEmpty { logic[cell] = cellLogic }
    }
    guard !cells.isEmpty, hasArea else {
      throw FlowError(
        description: "--liberty \(path): library '\(name)' has no cells with an area; give a cell library")
    }
    self.cells = cells
    self.logic = logic
    sequentialCellAreas = sequential
    tieLow = low
    tieHigh = high
    let process = Self.attribute("nom_process", in: Substring(text)) ?? "?"
    let voltage = Self.attribute("nom_voltage", in: Substring(text)) ?? "?"
    let temperature = Self.attribute("nom_temperature", in: Substring(text)) ?? "?"
    corner = "process \(process), \(voltage) V, \(temperature) °C"
  }

  /// The name of the first `keyword (NAME)` group in `text`.
  static func groupName(_ keyword: String, in text: Substring) -> String? {
    groups(keyword, in: text, limit: 1).first?.name
  }

  /// Every `keyword (NAME) { ... }` group directly or deeply inside `text`, with its body
  /// (braces matched; comments and strings are not special, which liberty files allow).
  static func groups(_ keyword: String, in text: Substring, limit: Int = .max) -> [(name: String, body: Substring)] {
    var found: [(String, Substring)] = []
    var position = text.startIndex
    while found.count < limit, let range = text.range(of: keyword, range: position..<text.endIndex) {
      position = range.upperBound
      // A whole word: not part of a longer identifier.
      if range.lowerBound > text.startIndex, isIdentifier(text[text.index(before: range.lowerBound)]) { continue }
      var cursor = range.upperBound
      while cursor < text.endIndex, text[cursor] == " " || text[cursor] == "\t" { cursor = text.index(after: cursor) }
      guard cursor < text.endIndex, text[cursor] == "(",
        let close = text[cursor...].firstIndex(of: ")")
      else { continue }
      let name = text[text.index(after: cursor)..<close].trimmingCharacters(in: CharacterSet(charactersIn: " \t\""))
      guard let open = text[text.index(after: close)...].firstIndex(where: { !$0.isWhitespace }), text[open] == "{"
      else { continue }
      var depth = 0
      var end = open
      for index in text[open...].indices {
        if text[index] == "{" { depth += 1 }
        if text[index] == "}" {
          depth -= 1
          if depth == 0 {
            end = index
            break
          }
        }
      }
      guard depth == 0 else { break }
      found.append((name, text[text.index(after: open)..<end]))
      position = end
    }
    return found
  }

  /// The value of the simple attribute `name : value ;` in `text` (quotes removed).
  static func attribute(_ name: String, in text: Substring) -> String? {
    var position = text.startIndex
    while let range = text.range(of: name, range: position..<text.endIndex) {
      position = range.upperBound
      if range.lowerBound > text.startIndex, isIdentifier(text[text.index(before: range.lowerBound)]) { continue }
      let rest = text[range.upperBound...].drop { $0 == " " || $0 == "\t" }
      guard rest.first == ":" else { continue }
      let value = rest.dropFirst().prefix { $0 != ";" && $0 != "\n" }
      return value.trimmingCharacters(in: CharacterSet(charactersIn: " \t\""))
    }
    return nil
  }

  static func isIdentifier(_ character: Character) -> Bool {
    character.isLetter || character.isNumber || character == "_"
  }
}
