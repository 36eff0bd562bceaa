import Foundation

/// Writes a safetensors file as a stream: the header is built from the declared tensors, then
/// each tensor's bytes are asked for in order, so that only one tensor is in memory at a time.
/// The file is written to a temporary name beside the destination and renamed over it when
/// complete, so a failed run leaves no partial output.
public struct SafetensorsWriter {
  /// A tensor to be written: its name, dtype and shape.
  public struct Declaration: Sendable {
    public let name: String
    public let dtype: String
    public let shape: [Int]

    public init(name: String, dtype: String, shape: [Int]) {
      self.name = name
      self.dtype = dtype
      self.shape = shape
    }

    /// The data size in bytes.
    public var byteCount: Int {
      shape.reduce(1, *) * (SafetensorsFile.elementSizes[dtype] ?? 1)
    }
  }

  /// The tensors, in file order.
  public private(set) var declarations: [Declaration] = []
  /// String metadata for the header's `__metadata__`.
  public var metadata: [(key: String, value: String)] = []

  public init() {}

  /// Declares the next tensor.
  public mutating func declare(name: String, dtype: String, shape: [Int]) {
    precondition(!declarations.contains { $0.name == name }, "duplicate tensor name \(name)")
    precondition(SafetensorsFile.elementSizes[dtype] != nil, "unknown dtype \(dtype)")
    declarations.append(Declaration(name: name, dtype: dtype, shape: shape))
  }

  /// The header bytes: its length as 8 little-endian bytes, then the JSON, padded with spaces
  /// so that the data starts at a multiple of 8.
  public func headerBytes() -> [UInt8] {
    var members: [(key: String, value: JSONValue)] = []
    if !metadata.isEmpty {
      members.append(("__metadata__", .object(metadata.map { ($0.key, JSONValue.string($0.value)) })))
    }
    var offset = 0
    for tensor in declarations {
      members.append(
        (
          tensor.name,
          .object([
            ("dtype", .string(tensor.dtype)),
            ("shape", .array(tensor.shape.map { .integer($0) })),
            ("data_offsets", .array([.integer(offset), .integer(offset + tensor.byteCount)])),
          ])
        ))
      offset += tensor.byteCount
    }
    var header = Array(JSONValue.object(members).compact().utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    return withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
  }

  /// Writes the file: `produce(i)` returns the bytes of the i-th declared tensor.
  ///
  /// - Throws: ``TensorFileError`` naming `path` when it cannot be written, or whatever
  ///   `produce` throws; in either case no file is left at `path` or beside it.
  public func write(to path: String, produce: (Int) throws -> [UInt8]) throws {
    try AtomicFile.write(to: path) { handle in
      try handle.write(contentsOf: headerBytes())
      for (index, tensor) in declarations.enumerated() {
        let bytes = try produce(index)
        precondition(
          bytes.count == tensor.byteCount, "tensor \(tensor.name): \(bytes.count) bytes for \(tensor.byteCount)")
        try handle.write(contentsOf: bytes)
      }
    }
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

/// Writes files atomically: into a temporary file in the destination's directory, renamed to
/// the destination only when everything was written.
public enum AtomicFile {
  /// Writes through `body`, then renames into place; on any error the temporary is removed.
  public static func write(to path: String, _ body: (FileHandle) throws -> Void) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw TensorFileError(path, "cannot write: directory \(directory) does not exist")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw TensorFileError(path, "cannot write: it is a directory")
    }
    let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: nil),
      let handle = FileHandle(forWritingAtPath: temporary)
    else {
      throw TensorFileError(path, "cannot write: directory \(directory) is not writable")
    }
    do {
      try body(handle)
      try handle.close()
    } catch {
      try? handle.close()
      unlink(temporary)
      throw error
    }
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw TensorFileError(path, "cannot write: \(reason)")
    }
  }

  /// Writes `bytes` atomically.
  public static func write(_ bytes: [UInt8], to path: String) throws {
    try write(to: path) { try $0.write(contentsOf: bytes) }
  }

  /// Writes `text` atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }
}
