/// A NumPy `.npy` file holding one little-endian `float32` (`<f4`) or `float16` (`<f2`)
/// array in C order. The tensor is named after the file.
///
/// The header is read as NumPy reads it (`numpy.lib.format`): versions 1.0, 2.0 and 3.0, at
/// most 10,000 header bytes, and a Python dictionary literal with exactly the keys `descr`,
/// `fortran_order` and `shape`, where `shape` is a tuple of integers (`(64,)`; `(64)` is an
/// integer, not a tuple, and NumPy refuses it), followed by nothing but the spaces and newline
/// NumPy pads it with. The data must be exactly the bytes the shape needs.
public final class NumpyFile: TensorSource, @unchecked Sendable {
  public let path: String
  public let entries: [TensorEntry]
  public let file: InputFile

  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
  static let formats: [String: ElementFormat] = ["<f4": .float32, "<f2": .float16]
  /// NumPy's default `max_header_size`.
  static let largestHeader = 10_000

  /// Opens and validates an `.npy` file.
  ///
  /// - Throws: ``TensorFileError`` naming the file and the header field at fault.
  public init(path: String) throws {
    self.path = path
    file = try InputFile(path: path)
    let size = file.size
    let prefix = try file.bytes(at: 0, count: min(size, 12))
    guard prefix.count >= 10, Array(prefix[0..<6]) == Self.magic else {
      throw TensorFileError(path, "not a NumPy .npy file (missing the \\x93NUMPY magic)")
    }
    let (major, minor) = (prefix[6], prefix[7])
    let headerLength: Int
    let headerStart: Int
    switch (major, minor) {
    case (1, 0):
      headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
      headerStart = 10
    case (2, 0), (3, 0):
      guard prefix.count >= 12 else { throw TensorFileError(path, "truncated .npy header") }
      headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
      headerStart = 12
    default:
      throw TensorFileError(
        path, ".npy format version \(major).\(minor) is not supported; versions 1.0, 2.0 and 3.0 are")
    }
    guard headerLength <= size - headerStart else {
      throw TensorFileError(
        path, "truncated .npy header (\(headerLength) bytes declared, the file has \(size - headerStart))")
    }
    guard headerLength <= Self.largestHeader else {
      throw TensorFileError(
        path, ".npy header of \(headerLength) bytes is over NumPy's limit of \(Self.largestHeader)")
    }
    let header = try NumpyHeader(try file.bytes(at: headerStart, count: headerLength), path: path)
    guard let format = Self.formats[header.descr] else {
      let hint = header.descr.hasPrefix(">") ? " (big-endian data is not supported)" : ""
      throw TensorFileError(
        path,
        "dtype '\(SafeText.escape(header.descr))' is not supported\(hint); allowed: '<f4' (float32), '<f2' (float16)")
    }
    guard !header.fortranOrder else {
      throw TensorFileError(path, "fortran_order is True; save the array in C order (numpy.ascontiguousarray)")
    }
    guard let count = checkedElementCount(header.shape),
      let needed = checkedByteCount(count, elementSize: format.bitWidth / 8)
    else {
      throw TensorFileError(path, "shape \(shapeText(header.shape)) is too large (its element or byte count overflows)")
    }
    let dataStart = headerStart + headerLength
    guard size - dataStart == needed else {
      throw TensorFileError(
        path,
        "shape \(shapeText(header.shape)) of '\(header.descr)' needs \(needed) data bytes, the file has \(size - dataStart)"
      )
    }
    let stem = path.split(separator: "/").last.map(String.init) ?? path
    let name = stem.lowercased().hasSuffix(".npy") ? String(stem.dropLast(4)) : stem
    entries = [
      TensorEntry(
        name: name, dtype: header.descr, shape: header.shape, elementFormat: format,
        offset: dataStart, byteCount: needed, elementCount: count)
    ]
  }
}

/// The Python dictionary literal at the start of an `.npy` file, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` followed by padding spaces and
/// a newline.
struct NumpyHeader {
  static let keys: Set<String> = ["descr", "fortran_order", "shape"]

  var descr = ""
  var fortranOrder = false
  var shape: [Int] = []

  init(_ text: [UInt8], path: String) throws {
    var scanner = LiteralScanner(text: text, path: path)
    scanner.skip(" \t")
    try scanner.expect("{")
    var seen = Set<String>()
    while true {
      scanner.skipSpace()
      if scanner.take("}") { break }
      let key = try scanner.quoted()
      guard Self.keys.contains(key) else {
        throw scanner.fail(
          "unknown header key '\(SafeText.escape(key))'; the keys are 'descr', 'fortran_order', 'shape'")
      }
      guard seen.insert(key).inserted else { throw scanner.fail("header key '\(key)' appears twice") }
      try scanner.expect(":")
      switch key {
      case "descr": descr = try scanner.quoted()
      case "fortran_order": fortranOrder = try scanner.boolean()
      default: shape = try scanner.tuple()
      }
      scanner.skipSpace()
      if scanner.take("}") { break }
      try scanner.expect(",")
    }
    for key in ["descr", "fortran_order", "shape"] where !seen.contains(key) {
      throw scanner.fail("the header lacks '\(key)'")
    }
    scanner.skip(" \n")
    guard scanner.atEnd else {
      throw scanner.fail("unexpected text after the dictionary (only padding spaces and a newline may follow it)")
    }
  }
}

/// Reads the few Python literal forms an `.npy` header uses.
private struct LiteralScanner {
  let text: [UInt8]
  let path: String
  var index = 0

  init(text: [UInt8], path: String) {
    self.text = text
    self.path = path
  }

  var atEnd: Bool { index == text.count }

  func fail(_ problem: String) -> TensorFileError {
    TensorFileError(path, ".npy header: \(problem) (at byte \(index) of the header)")
  }

  mutating func skip(_ characters: String) {
    let set = Array(characters.utf8)
    while index < text.count, set.contains(text[index]) { index += 1 }
  }

  /// Whitespace Python allows between the tokens of a bracketed literal.
  mutating func skipSpace() { skip(" \t\n\r") }

  mutating func take(_ token: String) -> Bool {
    skipSpace()
    let bytes = Array(token.utf8)
    guard index + bytes.count <= text.count, Array(text[index..<index + bytes.count]) == bytes else {
      return false
    }
    index += bytes.count
    return true
  }

  mutating func expect(_ token: String) throws {
    guard take(token) else { throw fail("expected '\(token)'") }
  }

  /// A plain string literal in single or double quotes, without escapes.
  mutating func quoted() throws -> String {
    skipSpace()
    guard index < text.count, text[index] == UInt8(ascii: "'") || text[index] == UInt8(ascii: "\"") else {
      throw fail("expected a quoted string")
    }
    let quote = text[index]
    index += 1
    let start = index
    while index < text.count, text[index] != quote {
      guard text[index] != UInt8(ascii: "\\"), text[index] >= 0x20 else {
        throw fail("a header string holds a backslash or a control character")
      }
      index += 1
    }
    guard index < text.count else { throw fail("unterminated string") }
    defer { index += 1 }
    return String(decoding: text[start..<index], as: UTF8.self)
  }

  mutating func boolean() throws -> Bool {
    if take("True") { return true }
    if take("False") { return false }
    throw fail("fortran_order must be True or False")
  }

  /// A non-negative decimal integer, as NumPy writes it (no sign, no leading zeros).
  mutating func integer() throws -> Int {
    skipSpace()
    let start = index
    while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) { index += 1 }
    let digits = text[start..<index]
    guard !digits.isEmpty, digits.count == 1 || digits.first != UInt8(ascii: "0") else {
      throw fail("shape entries must be non-negative integers")
    }
    guard let value = Int(String(decoding: digits, as: UTF8.self)) else {
      throw fail("shape entry \(SafeText.escape(String(decoding: digits, as: UTF8.self))) is too large")
    }
    return value
  }

  /// A tuple of integers: `()`, `(n,)`, `(n, m)` or `(n, m,)`; `(n)` is not a tuple.
  mutating func tuple() throws -> [Int] {
    guard take("(") else { throw fail("shape must be a tuple such as (3, 4) or (64,)") }
    var values: [Int] = []
    if take(")") { return values }
    while true {
      values.append(try integer())
      if take(")") {
        guard values.count > 1 else {
          throw fail(
            "shape (\(values[0])) is an integer, not a tuple; a one-dimensional shape is written (\(values[0]),)")
        }
        return values
      }
      guard take(",") else { throw fail("expected ',' or ')' in the shape") }
      if take(")") { return values }
    }
  }
}
