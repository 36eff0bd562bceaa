/// A safetensors file, mapped read-only: an 8-byte little-endian header length, a JSON
/// header naming every tensor's dtype, shape and byte range, then the data.
public final class SafetensorsFile: TensorSource, @unchecked Sendable {
  /// The largest header dialectgen accepts (the format's reference reader uses 100 MB).
  static let largestHeader = 100_000_000

  public let path: String
  public let entries: [TensorEntry]
  /// The header's `__metadata__` strings.
  public let metadata: [String: String]
  let file: MappedFile
  let dataStart: Int

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
    file = try MappedFile(path: path)
    let bytes = file.bytes
    guard bytes.count >= 8 else {
      throw TensorFileError(
        path, "too short for a safetensors file (\(bytes.count) bytes; the header length alone is 8)")
    }
    let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
    guard headerLength <= UInt64(Self.largestHeader), Int(headerLength) <= bytes.count - 8 else {
      throw TensorFileError(
        path, "header length \(headerLength) is larger than the file (\(bytes.count) bytes); not a safetensors file?")
    }
    dataStart = 8 + Int(headerLength)
    let header: JSONValue
    do {
      header = try JSONValue.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]))
    } catch {
      throw TensorFileError(path, "the header is not valid JSON (\(error))")
    }
    guard case .object(let members) = header else {
      throw TensorFileError(path, "the header must be a JSON object")
    }
    let dataSize = bytes.count - dataStart
    var entries: [TensorEntry] = []
    var metadata: [String: String] = [:]
    for (name, value) in members {
      if name == "__metadata__" {
        guard case .object(let pairs) = value else {
          throw TensorFileError(path, "__metadata__ must be an object of strings")
        }
        for (key, text) in pairs {
          guard let string = text.stringValue else {
            throw TensorFileError(path, "__metadata__ value of \"\(key)\" must be a string")
          }
          metadata[key] = string
        }
        continue
      }
      entries.append(try Self.entry(name: name, value: value, dataSize: dataSize, dataStart: dataStart, path: path))
    }
    self.entries = entries
    self.metadata = metadata
  }

  private static func entry(name: String, value: JSONValue, dataSize: Int, dataStart: Int, path: String)
    throws -> TensorEntry
  {
    func fail(_ problem: String) -> TensorFileError {
      TensorFileError(path, "tensor \"\(name)\": \(problem)")
    }
    guard let dtype = value["dtype"]?.stringValue else { throw fail("missing string field \"dtype\"") }
    guard let dims = value["shape"]?.arrayValue else { throw fail("missing array field \"shape\"") }
    var shape: [Int] = []
    for dim in dims {
      guard let size = dim.intValue, size >= 0 else {
        throw fail("shape entries must be non-negative integers, not \(dim.compact())")
      }
      shape.append(size)
    }
    guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
      let begin = offsets[0].intValue, let end = offsets[1].intValue
    else { throw fail("\"data_offsets\" must be [begin, end]") }
    guard 0 <= begin, begin <= end, end <= dataSize else {
      throw fail("data_offsets [\(begin), \(end)] lie outside the data (\(dataSize) bytes)")
    }
    guard let count = checkedElementCount(shape) else { throw fail("shape \(shapeText(shape)) is too large") }
    if let size = elementSizes[dtype] {
      let (expected, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow, expected == end - begin else {
        throw fail(
          "shape \(shapeText(shape)) of \(dtype) needs \(count) x \(size) bytes, but data_offsets span \(end - begin)")
      }
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
      byteCount: end - begin)
  }

  public func floats(_ entry: TensorEntry) throws -> [Float] {
    guard let format = entry.elementFormat else {
      throw TensorFileError(
        path, "tensor \"\(entry.name)\" is \(entry.dtype); dialectgen reads F32, F16 and BF16 tensors")
    }
    let data = UnsafeRawBufferPointer(rebasing: file.bytes[entry.offset..<entry.offset + entry.byteCount])
    return decodeFloats(data, format: format, count: entry.elementCount)
  }

  /// A tensor's bytes as stored (any dtype), for copying it unchanged.
  public func rawBytes(_ entry: TensorEntry) -> [UInt8] {
    Array(file.bytes[entry.offset..<entry.offset + entry.byteCount])
  }
}
