/// A NumPy `.npy` file holding one little-endian `float32` (`<f4`) or `float16` (`<f2`)
/// array in C order, mapped read-only. The tensor is named after the file.
public final class NumpyFile: TensorSource, @unchecked Sendable {
  public let path: String
  public let entries: [TensorEntry]
  let file: MappedFile

  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
  static let formats: [String: ElementFormat] = ["<f4": .float32, "<f2": .float16]

  /// Opens and validates an `.npy` file.
  ///
  /// - Throws: ``TensorFileError`` naming the file and the header field at fault.
  public init(path: String) throws {
    self.path = path
    file = try MappedFile(path: path)
    let bytes = file.bytes
    guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else {
      throw TensorFileError(path, "not a NumPy .npy file (missing the \\x93NUMPY magic)")
    }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else { throw TensorFileError(path, "truncated .npy header") }
      headerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
      headerStart = 12
    default:
      throw TensorFileError(path, ".npy format version \(major) is not supported; versions 1, 2 and 3 are")
    }
    guard headerStart + headerLength <= bytes.count else {
      throw TensorFileError(path, "truncated .npy header (\(headerLength) bytes declared)")
    }
    let text = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
    let header = try NumpyHeader(text, path: path)
    guard let format = Self.formats[header.descr] else {
      let hint = header.descr.hasPrefix(">") ? " (big-endian data is not supported)" : ""
      throw TensorFileError(
        path, "dtype '\(header.descr)' is not supported\(hint); allowed: '<f4' (float32), '<f2' (float16)")
    }
    guard !header.fortranOrder else {
      throw TensorFileError(path, "fortran_order is True; save the array in C order (numpy.ascontiguousarray)")
    }
    guard let count = checkedElementCount(header.shape) else {
      throw TensorFileError(path, "shape \(shapeText(header.shape)) is too large")
    }
    let dataStart = headerStart + headerLength
    let needed = count * (format.bitWidth / 8)
    guard bytes.count - dataStart == needed else {
      throw TensorFileError(
        path,
        "shape \(shapeText(header.shape)) of '\(header.descr)' needs \(needed) data bytes, the file has \(bytes.count - dataStart)"
      )
    }
    let stem = path.split(separator: "/").last.map(String.init) ?? path
    let name = stem.lowercased().hasSuffix(".npy") ? String(stem.dropLast(4)) : stem
    entries = [
      TensorEntry(
        name: name, dtype: header.descr, shape: header.shape, elementFormat: format,
        offset: dataStart, byteCount: needed)
    ]
  }

  public func floats(_ entry: TensorEntry) throws -> [Float] {
    let data = UnsafeRawBufferPointer(rebasing: file.bytes[entry.offset..<entry.offset + entry.byteCount])
    return decodeFloats(data, format: entry.elementFormat!, count: entry.elementCount)
  }
}

/// The Python dictionary literal at the start of an `.npy` file, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NumpyHeader {
  var descr = ""
  var fortranOrder = false
  var shape: [Int] = []

  init(_ text: String, path: String) throws {
    var scanner = LiteralScanner(text: Array(text.utf8), path: path)
    try scanner.expect("{")
    var seen = Set<String>()
    while true {
      scanner.skipSpace()
      if scanner.take("}") { break }
      let key = try scanner.quoted()
      try scanner.expect(":")
      switch key {
      case "descr": descr = try scanner.quoted()
      case "fortran_order": fortranOrder = try scanner.boolean()
      case "shape": shape = try scanner.tuple()
      default: throw scanner.fail("unknown header key '\(key)'")
      }
      seen.insert(key)
      scanner.skipSpace()
      if scanner.take("}") { break }
      try scanner.expect(",")
    }
    for key in ["descr", "fortran_order", "shape"] where !seen.contains(key) {
      throw scanner.fail("the header lacks '\(key)'")
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

  func fail(_ problem: String) -> TensorFileError { TensorFileError(path, ".npy header: \(problem)") }

  mutating func skipSpace() {
    while index < text.count, text[index] == 0x20 || text[index] == 0x0A || text[index] == 0x09 {
      index += 1
    }
  }

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

  mutating func quoted() throws -> String {
    skipSpace()
    guard index < text.count, text[index] == UInt8(ascii: "'") || text[index] == UInt8(ascii: "\"") else {
      throw fail("expected a quoted string")
    }
    let quote = text[index]
    index += 1
    let start = index
    while index < text.count, text[index] != quote { index += 1 }
    guard index < text.count else { throw fail("unterminated string") }
    defer { index += 1 }
    return String(decoding: text[start..<index], as: UTF8.self)
  }

  mutating func boolean() throws -> Bool {
    if take("True") { return true }
    if take("False") { return false }
    throw fail("expected True or False")
  }

  mutating func tuple() throws -> [Int] {
    try expect("(")
    var values: [Int] = []
    while true {
      if take(")") { return values }
      skipSpace()
      let start = index
      while index < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) { index += 1 }
      guard index > start, let value = Int(String(decoding: text[start..<index], as: UTF8.self)) else {
        throw fail("shape entries must be non-negative integers")
      }
      values.append(value)
      if take(")") { return values }
      try expect(",")
    }
  }
}
