/// A safetensors file: an 8-byte little-endian header length, a JSON header naming every
/// tensor's dtype, shape and byte range, then the data.
///
/// Validated as the format's reference reader defines it: the header is a JSON object (its
/// first byte `{`, no duplicate keys, at most 100 MB); every dtype is one the format defines;
/// shapes are arrays of non-negative integers written as integers (`2.0` or `3.2e1` is
/// refused), whose product does not overflow; `data_offsets` are `[begin, end]` integers, the
/// span matching the shape, and the tensors, taken in offset order, are contiguous from byte 0,
/// never overlap and cover the data exactly (no bytes after the last tensor). Only the header
/// is read when the file is opened; tensors are read on demand.
public final class SafetensorsFile: TensorSource, @unchecked Sendable {
  /// The largest header dialectgen accepts (the reference reader's limit, 100 MB).
  static let largestHeader = 100_000_000

  public let path: String
  public let entries: [TensorEntry]
  /// The header's `__metadata__` strings.
  public let metadata: [String: String]
  public let file: InputFile

  /// Bytes per element of the dtypes the format defines.
  public static let elementSizes: [String: Int] = [
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
    "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
  ]

  /// Opens and validates a safetensors file.
  ///
  /// - Throws: ``TensorFileError`` naming the file and, where there is one, the tensor and
  ///   field at fault.
  public init(path: String) throws {
    self.path = path
    file = try InputFile(path: path)
    let size = file.size
    guard size >= 8 else {
      throw TensorFileError(path, "too short for a safetensors file (\(size) bytes; the header length alone is 8)")
    }
    let lengthBytes = try file.bytes(at: 0, count: 8)
    let declared = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard declared <= UInt64(size - 8) else {
      throw TensorFileError(
        path, "header length \(declared) is larger than the file (\(size) bytes); not a safetensors file?")
    }
    guard declared <= UInt64(Self.largestHeader) else {
      throw TensorFileError(path, "header length \(declared) is over the format's limit of \(Self.largestHeader) bytes")
    }
    let headerLength = Int(declared)
    let dataStart = 8 + headerLength
    let headerBytes = try file.bytes(at: 8, count: headerLength)
    guard headerBytes.first == UInt8(ascii: "{") else {
      throw TensorFileError(path, "the header must be a JSON object starting with '{' at byte 8")
    }
    let header: JSONValue
    do {
      header = try JSONValue.parse(headerBytes)
    } catch let error as JSONSyntaxError {
      throw TensorFileError(path, "the header is not valid JSON (\(error))")
    }
    guard case .object(let members) = header else {
      throw TensorFileError(path, "the header must be a JSON object")
    }
    let dataSize = size - dataStart
    var entries: [TensorEntry] = []
    entries.reserveCapacity(members.count)
    var metadata: [String: String] = [:]
    for (name, value) in members {
      if name == "__metadata__" {
        guard case .object(let pairs) = value else {
          throw TensorFileError(path, "__metadata__ must be an object of strings")
        }
        for (key, text) in pairs {
          guard let string = text.stringValue else {
            throw TensorFileError(path, "__metadata__ value of \"\(SafeText.escape(key))\" must be a string")
          }
          metadata[key] = string
        }
        continue
      }
      entries.append(
        try Self.entry(name: name, value: value, dataStart: dataStart, dataSize: dataSize, path: path))
    }
    try Self.checkLayout(entries, dataStart: dataStart, dataSize: dataSize, path: path)
    self.entries = entries
    self.metadata = metadata
  }

  /// A JSON number written as a plain non-negative integer (digits only), or nil.
  static func plainInteger(_ value: JSONValue) -> Int? {
    guard case .number(let text) = value, !text.isEmpty,
      text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
    else { return nil }
    return Int(text)
  }

  private static func entry(name: String, value: JSONValue, dataStart: Int, dataSize: Int, path: String) throws
    -> TensorEntry
  {
    func fail(_ problem: String) -> TensorFileError {
      TensorFileError(path, "tensor \"\(SafeText.escape(name))\": \(problem)")
    }
    guard value.isObject else { throw fail("must be an object with dtype, shape and data_offsets") }
    guard let dtype = value["dtype"]?.stringValue else { throw fail("missing string field \"dtype\"") }
    guard let size = elementSizes[dtype] else {
      throw fail(
        "dtype '\(SafeText.escape(dtype))' is not a safetensors dtype; known: \(elementSizes.keys.sorted().joined(separator: ", "))"
      )
    }
    guard let dims = value["shape"]?.arrayValue else { throw fail("missing array field \"shape\"") }
    var shape: [Int] = []
    shape.reserveCapacity(dims.count)
    for dim in dims {
      guard let size = plainInteger(dim) else {
        throw fail("shape entries must be non-negative integers, not \(SafeText.escape(dim.compact()))")
      }
      shape.append(size)
    }
    guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
      let begin = plainInteger(offsets[0]), let end = plainInteger(offsets[1])
    else { throw fail("\"data_offsets\" must be [begin, end], two non-negative integers") }
    guard begin <= end else { throw fail("data_offsets [\(begin), \(end)] end before they begin") }
    guard end <= dataSize else {
      throw fail("data_offsets [\(begin), \(end)] lie outside the data (\(dataSize) bytes)")
    }
    guard let count = checkedElementCount(shape), let expected = checkedByteCount(count, elementSize: size) else {
      throw fail("shape \(shapeText(shape)) is too large (its element or byte count overflows)")
    }
    guard expected == end - begin else {
      throw fail(
        "shape \(shapeText(shape)) of \(dtype) needs \(count) x \(size) bytes, but data_offsets span \(end - begin)")
    }
    let format: ElementFormat? =
      switch dtype {
      case "F32": .float32
      case "F16": .float16
      case "BF16": .bfloat16
      default: nil
      }
    return TensorEntry(
      name: name, dtype: dtype, shape: shape, elementFormat: format, offset: dataStart + begin,
      byteCount: end - begin, elementCount: count)
  }

  /// The tensors in offset order must tile the data exactly: from byte 0, no gap, no overlap,
  /// nothing after the last one.
  private static func checkLayout(_ entries: [TensorEntry], dataStart: Int, dataSize: Int, path: String) throws {
    let ordered = entries.sorted { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }
    var covered = 0
    var previous: TensorEntry? = nil
    for entry in ordered {
      let begin = entry.offset - dataStart
      let end = begin + entry.byteCount
      if begin < covered, let previous {
        throw TensorFileError(
          path,
          "tensor \"\(SafeText.escape(entry.name))\": data_offsets [\(begin), \(end)] overlap tensor \"\(SafeText.escape(previous.name))\", which ends at \(covered)"
        )
      }
      guard begin == covered else {
        throw TensorFileError(
          path,
          "tensor \"\(SafeText.escape(entry.name))\": data_offsets [\(begin), \(end)] leave bytes \(covered) to \(begin) unused; tensors must be contiguous"
        )
      }
      covered = end
      previous = entry
    }
    guard covered == dataSize else {
      throw TensorFileError(
        path,
        "the tensors cover \(covered) data bytes but the file holds \(dataSize) after the header (\(dataSize - covered) trailing bytes)"
      )
    }
  }
}
