/// Writes a safetensors file: the header is built from the declared tensors, so every tensor's
/// place in the file is known before any data exists, and the data can then be written in any
/// order, by several threads at once (``TensorFileQuantizer`` does), or tensor by tensor with
/// ``write(to:inputs:produce:)``. The file goes through ``OutputFile``: a temporary file
/// renamed into place when complete, so a failed run leaves no partial output.
public struct SafetensorsWriter {
  /// A tensor to be written: its name, dtype, shape and size.
  public struct Declaration: Sendable {
    public let name: String
    public let dtype: String
    public let shape: [Int]
    /// The data size in bytes.
    public let byteCount: Int
  }

  /// The declared sizes overflow: the file would be larger than any file can be.
  public struct TooLarge: Error, CustomStringConvertible {
    public let description: String
  }

  /// The tensors, in file order.
  public private(set) var declarations: [Declaration] = []
  /// Where each tensor's data starts, relative to the start of the data.
  public private(set) var dataOffsets: [Int] = []
  /// The total data size in bytes.
  public private(set) var dataSize = 0
  /// String metadata for the header's `__metadata__`.
  public var metadata: [(key: String, value: String)] = []
  private var names = Set<String>()

  public init() {}

  /// Declares the next tensor.
  ///
  /// - Throws: ``TooLarge`` when its size, or the file's, overflows.
  public mutating func declare(name: String, dtype: String, shape: [Int]) throws {
    precondition(names.insert(name).inserted, "duplicate tensor name \(name)")
    guard let size = SafetensorsFile.elementSizes[dtype] else { preconditionFailure("unknown dtype \(dtype)") }
    guard let count = checkedElementCount(shape), let bytes = checkedByteCount(count, elementSize: size) else {
      throw TooLarge(
        description: "tensor \"\(SafeText.escape(name))\" of shape \(shapeText(shape)) is too large to write")
    }
    let (end, overflow) = dataSize.addingReportingOverflow(bytes)
    guard !overflow else { throw TooLarge(description: "the output would be larger than any file can be") }
    declarations.append(Declaration(name: name, dtype: dtype, shape: shape, byteCount: bytes))
    dataOffsets.append(dataSize)
    dataSize = end
  }

  /// The header bytes: its length as 8 little-endian bytes, then the JSON, padded with spaces
  /// so that the data starts at a multiple of 8.
  public func headerBytes() -> [UInt8] {
    var members: [(key: String, value: JSONValue)] = []
    members.reserveCapacity(declarations.count + 1)
    if !metadata.isEmpty {
      members.append(("__metadata__", .object(metadata.map { ($0.key, JSONValue.string($0.value)) })))
    }
    for (tensor, offset) in zip(declarations, dataOffsets) {
      members.append(
        (
          tensor.name,
          .object([
            ("dtype", .string(tensor.dtype)),
            ("shape", .array(tensor.shape.map { .integer($0) })),
            ("data_offsets", .array([.integer(offset), .integer(offset + tensor.byteCount)])),
          ])
        ))
    }
    var header: [UInt8] = []
    JSONValue.object(members).appendCompact(to: &header)
    while header.count % 8 != 0 { header.append(0x20) }
    return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
  }

  /// Writes the file tensor by tensor: `produce(i)` returns the bytes of the i-th declared
  /// tensor. `path` must not be any of `inputs`.
  ///
  /// - Throws: ``TensorFileError`` naming `path` when it cannot be written, or whatever
  ///   `produce` throws; in either case no file is left at `path` or beside it.
  public func write(to path: String, inputs: [InputFile] = [], produce: (Int) throws -> [UInt8]) throws {
    let file = try OutputFile(path, inputs: inputs)
    do {
      let header = headerBytes()
      try file.write(header, at: 0)
      for (index, tensor) in declarations.enumerated() {
        let bytes = try produce(index)
        precondition(
          bytes.count == tensor.byteCount, "tensor \(tensor.name): \(bytes.count) bytes for \(tensor.byteCount)")
        try file.write(bytes, at: header.count + dataOffsets[index])
      }
    } catch {
      file.discard()
      throw error
    }
    try file.commit()
  }
}

/// Little-endian bytes of Floats, for F32 tensors.
public func littleEndianBytes(_ values: [Float]) -> [UInt8] {
  [UInt8](unsafeUninitializedCapacity: values.count * 4) { buffer, initialized in
    let raw = UnsafeMutableRawBufferPointer(buffer)
    for (i, value) in values.enumerated() {
      raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
    }
    initialized = values.count * 4
  }
}
