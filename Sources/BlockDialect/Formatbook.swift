import Foundation

/// How an element that lies exactly halfway between two magnitudes is encoded.
public enum TieRule: String, Sendable, Hashable, CaseIterable {
  /// An exact tie goes to the larger magnitude (the default).
  case up
  /// An exact tie goes to the even index; for E2M1 this is OCP round-to-nearest-even.
  case even
}

/// One dialect: eight magnitudes in half-units (the integer `m` stands for `m / 2`),
/// strictly increasing, starting at 0, at most 15.
public struct Dialect: Hashable, Sendable {
  /// The number of magnitudes in every dialect (a 3-bit index).
  public static let magnitudeCount = 8
  /// The largest magnitude a dialect may hold, in half-units (7.5).
  public static let largestMagnitude = 15

  /// The magnitudes in half-units, index 0 first.
  public let magnitudes: [Int]

  /// Creates a dialect without validating it; ``Formatbook/init(name:description:ties:dialects:)``
  /// validates every dialect it is given.
  public init(_ magnitudes: [Int]) {
    self.magnitudes = magnitudes
  }

  /// The largest magnitude, which decides the dialect's group.
  public var maximum: Int { magnitudes[magnitudes.count - 1] }

  /// The distance in quarter-units from the rounded view `q` to the nearest magnitude:
  /// `min over k of |q - 2 m_k|`.
  public func quarterUnitError(_ q: Int) -> Int {
    var best = Int.max
    for magnitude in magnitudes { best = min(best, abs(q - 2 * magnitude)) }
    return best
  }
}

/// The dialects of a book that share the same largest magnitude.
public struct DialectGroup: Hashable, Sendable {
  /// The shared largest magnitude, in half-units.
  public let maximum: Int
  /// The member dialect ids, ascending.
  public let members: [Int]
}

/// An error in a formatbook: names the book, the dialect (when there is one) and the rule.
public struct FormatbookError: Error, CustomStringConvertible, Equatable {
  /// The one-line message.
  public let description: String
  init(_ description: String) { self.description = description }
}

/// An ordered list of dialects; a dialect's id is its position in the book.
///
/// A valid book has 1 to 16 dialects, each with exactly eight strictly increasing magnitudes
/// in 0...15 half-units with 0 first. Everything the quantizers and the hardware generators
/// need (groups, beneficial ranges, midpoints) is derived here, once, from the magnitudes.
public struct Formatbook: Hashable, Sendable {
  /// The largest number of dialects a book may hold (a 4-bit id).
  public static let maximumDialectCount = 16
  /// The number of distinct rounded views `q` (5 bits, quarter-units).
  public static let quarterUnitViewCount = 32

  /// The book's name, e.g. `dialectfp4`.
  public let name: String
  /// A free-text description.
  public let description: String
  /// The rule for exact ties between two magnitudes.
  public let ties: TieRule
  /// The dialects; a dialect's id is its index.
  public let dialects: [Dialect]

  /// The groups of dialects sharing a largest magnitude, ordered by that magnitude.
  public let groups: [DialectGroup]
  /// For each dialect, the index of its group in ``groups``.
  public let groupOfDialect: [Int]
  /// For each dialect, its beneficial range within its group as a 32-bit mask over `q`:
  /// bit `q` is set when the dialect's quarter-unit error at `q` is strictly smaller than
  /// that of every other member. A group of one has an empty range (it needs no count).
  public let beneficialRanges: [UInt32]
  /// For each dialect, the seven encoding thresholds `m_{k-1} + m_k` (k = 1...7) in
  /// quarter-units: the midpoints between neighbouring magnitudes.
  public let midpoints: [[Int]]
  /// For each dialect, the squared quarter-unit error `(min_k |q - 2 m_k|)^2` for every q in
  /// 0...31: the MSE selector's table.
  public let squaredViewErrors: [[Int]]

  /// Creates a book and validates it.
  ///
  /// - Throws: ``FormatbookError`` naming the dialect and the rule it breaks.
  public init(name: String, description: String = "", ties: TieRule = .up, dialects: [Dialect])
    throws
  {
    try Self.checkName(name)
    try Self.checkDescription(description, name: name)
    let label = "formatbook '\(name)'"
    guard (1...Self.maximumDialectCount).contains(dialects.count) else {
      throw FormatbookError(
        "\(label): has \(dialects.count) dialects; a book holds 1 to \(Self.maximumDialectCount)")
    }
    for (id, dialect) in dialects.enumerated() {
      try Self.validate(dialect, id: id, label: label)
    }
    self.name = name
    self.description = description
    self.ties = ties
    self.dialects = dialects

    let maxima = Set(dialects.map(\.maximum)).sorted()
    groups = maxima.map { maximum in
      DialectGroup(maximum: maximum, members: dialects.indices.filter { dialects[$0].maximum == maximum })
    }
    groupOfDialect = dialects.map { dialect in maxima.firstIndex(of: dialect.maximum)! }
    midpoints = dialects.map { dialect in
      (1..<Dialect.magnitudeCount).map { dialect.magnitudes[$0 - 1] + dialect.magnitudes[$0] }
    }
    squaredViewErrors = dialects.map { dialect in
      (0..<Self.quarterUnitViewCount).map { dialect.quarterUnitError($0) * dialect.quarterUnitError($0) }
    }
    var ranges = [UInt32](repeating: 0, count: dialects.count)
    for group in groups where group.members.count > 1 {
      for member in group.members {
        for q in 0..<Self.quarterUnitViewCount {
          let own = dialects[member].quarterUnitError(q)
          let others = group.members.filter { $0 != member }
          if others.allSatisfy({ own < dialects[$0].quarterUnitError(q) }) {
            ranges[member] |= 1 << UInt32(q)
          }
        }
      }
    }
    beneficialRanges = ranges
  }

  /// The longest book name.
  public static let maximumNameLength = 64
  /// The longest description.
  public static let maximumDescriptionLength = 4096

  /// Whether `name` is a valid book name: a letter, then up to 63 letters, digits, `_` or `-`
  /// (ASCII). Names are written into Verilog comments, YAML (the FuseSoC core), JSON and
  /// Markdown, so nothing else is allowed.
  public static func isValidName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= maximumNameLength, isASCIILetter(first) else { return false }
    return bytes.allSatisfy { isASCIILetter($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2D }
  }

  private static func isASCIILetter(_ byte: UInt8) -> Bool {
    (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
  }

  /// The rule for names, for messages.
  public static let nameRule = "a letter followed by up to 63 letters, digits, '_' or '-'"

  static func checkName(_ name: String) throws {
    guard isValidName(name) else {
      throw FormatbookError("formatbook name '\(SafeText.escape(name))' is not allowed; use \(nameRule)")
    }
  }

  /// A description is free text on one line: no control or invisible format characters, at
  /// most ``maximumDescriptionLength`` characters.
  static func checkDescription(_ description: String, name: String) throws {
    let scalars = description.unicodeScalars
    guard scalars.count <= maximumDescriptionLength else {
      throw FormatbookError(
        "formatbook '\(name)': the description has \(scalars.count) characters; at most \(maximumDescriptionLength) are allowed"
      )
    }
    if let bad = scalars.first(where: {
      [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
    }) {
      throw FormatbookError(
        "formatbook '\(name)': the description holds the control character \(SafeText.escape(String(bad))); it must be one line of text"
      )
    }
  }

  private static func validate(_ dialect: Dialect, id: Int, label: String) throws {
    let where_ = "\(label): dialect \(id)"
    let m = dialect.magnitudes
    guard m.count == Dialect.magnitudeCount else {
      throw FormatbookError(
        "\(where_): has \(m.count) magnitudes; every dialect has exactly \(Dialect.magnitudeCount)")
    }
    guard m[0] == 0 else {
      throw FormatbookError("\(where_): the first magnitude is \(m[0]); it must be 0")
    }
    for (k, value) in m.enumerated() where !(0...Dialect.largestMagnitude).contains(value) {
      throw FormatbookError(
        "\(where_): magnitude \(k) is \(value); magnitudes are half-units in 0...\(Dialect.largestMagnitude)")
    }
    for k in 1..<m.count where m[k] <= m[k - 1] {
      throw FormatbookError(
        "\(where_): magnitudes must be strictly increasing, but magnitude \(k) is \(m[k]) after \(m[k - 1])")
    }
  }

  /// The width of a dialect id in bits: ceil(log2(count)), 0 for a book of one.
  public var idWidth: Int { dialects.count <= 1 ? 0 : Int.bitWidth - (dialects.count - 1).leadingZeroBitCount }

  /// The largest magnitude of any dialect, in half-units.
  public var largestMagnitude: Int { dialects.map(\.maximum).max()! }

  /// Stage 1 of the activation-path selector: the group for a block whose truncated maximum
  /// in half-units is `h` (`h = floor(max q / 2)`): the group whose largest magnitude is the
  /// smallest one at least `h`, or the group with the largest magnitude if none is.
  public func groupIndex(forTruncatedMaximum h: Int) -> Int {
    groups.firstIndex { $0.maximum >= h } ?? (groups.count - 1)
  }

  /// Whether a dialect's group has more than one member (and so needs a stage-2 count).
  public func needsCount(group: Int) -> Bool { groups[group].members.count > 1 }
}
