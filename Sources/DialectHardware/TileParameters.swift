import BlockDialect

/// The accelerator tile's element format for results: FP32 from the exact accumulator, or that
/// FP32 value rounded to FP16 or BF16 (nearest, ties to even).
public enum TileOutput: String, Sendable, CaseIterable {
  case float32 = "fp32"
  case float16 = "fp16"
  case bfloat16 = "bf16"

  /// Bits of one result.
  public var bitWidth: Int { self == .float32 ? 32 : 16 }
}

/// The shape of the accelerator tile (`bd_tile`): how many block-dot units work in parallel,
/// the largest matrix it holds, and the result format.
public struct TileParameters: Sendable, Equatable {
  /// Block-dot units R: rows computed in parallel (a power of two, 1 to 32).
  public var rows = 4
  /// The largest M (output rows) the weight memory holds.
  public var maximumRows = 1024
  /// The largest K (columns: input elements, a multiple of the block size).
  public var maximumColumns = 1024
  /// The result format.
  public var output = TileOutput.float32

  public init() {}

  /// The largest M and K a command can carry (16-bit fields).
  public static let largestDimension = 32768

  /// Checks the parameters against the block size.
  public func validate(blockSize n: Int) throws {
    guard (1...32).contains(rows), rows & (rows - 1) == 0 else {
      throw ConfigurationError("tile rows \(rows) is not allowed; use a power of two from 1 to 32 block-dot units")
    }
    guard (rows...Self.largestDimension).contains(maximumRows) else {
      throw ConfigurationError(
        "tile maximum rows \(maximumRows) is not allowed; use \(rows) (the unit count) to \(Self.largestDimension)")
    }
    guard (n...Self.largestDimension).contains(maximumColumns), maximumColumns % n == 0 else {
      throw ConfigurationError(
        "tile maximum columns \(maximumColumns) is not allowed; use a multiple of the block size \(n) from \(n) to \(Self.largestDimension)"
      )
    }
    // The weight memory must stay a reasonable size: at most 2^28 bits.
    let words = (1 << bitWidth(ofCount: groups(maximumRows))) * (1 << bitWidth(ofCount: maximumColumns / n))
    guard words <= (1 << 28) / (8 * (n / 2 + 2)) else {
      throw ConfigurationError(
        "tile maximum size \(maximumRows) x \(maximumColumns) needs too large a weight memory; at most 2^28 bits")
    }
  }

  /// Row groups for M rows: ceil(M / R).
  public func groups(_ m: Int) -> Int { (m + rows - 1) / rows }

  /// Bits to number `count` things 0...count-1 (at least 1).
  func bitWidth(ofCount count: Int) -> Int { max(1, BlockDialect.bitWidth(of: count - 1)) }

  /// Reads the `tile` object of a configuration file.
  init(jsonValue value: JSONValue, path: String) throws {
    guard value.isObject else {
      throw ConfigurationError(
        "\(path): field \"tile\" must be an object with rows, maximum_rows, maximum_columns, output")
    }
    let known = ["rows", "maximum_rows", "maximum_columns", "output"]
    if let unknown = value.keys.first(where: { !known.contains($0) }) {
      throw ConfigurationError("\(path): tile: unknown field \"\(unknown)\"; allowed: \(known.joined(separator: ", "))")
    }
    func integer(_ key: String) throws -> Int? {
      guard let field = value[key] else { return nil }
      guard let number = field.intValue else {
        throw ConfigurationError("\(path): tile: field \"\(key)\" must be an integer, not \(field.compact())")
      }
      return number
    }
    self.init()
    rows = try integer("rows") ?? rows
    maximumRows = try integer("maximum_rows") ?? maximumRows
    maximumColumns = try integer("maximum_columns") ?? maximumColumns
    if let field = value["output"] {
      guard let name = field.stringValue, let parsed = TileOutput(rawValue: name) else {
        throw ConfigurationError(
          "\(path): tile: field \"output\" is \(field.compact()); allowed: \"fp32\", \"fp16\", \"bf16\"")
      }
      output = parsed
    }
  }
}
