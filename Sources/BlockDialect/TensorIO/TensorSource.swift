/// A tensor stored in a file: its name, type, shape and where its bytes are.
public struct TensorEntry: Hashable, Sendable {
  /// The tensor's name (for `.npy` files, the file name without its extension).
  public let name: String
  /// The element type as the file names it (`F32`, `F16`, `BF16`, `I64`, ...).
  public let dtype: String
  /// The shape; blocks run along the last dimension.
  public let shape: [Int]
  /// The float format dialectgen reads it as, or nil when it is not F32, F16 or BF16.
  public let elementFormat: ElementFormat?
  /// Byte offset of the data in the file.
  public let offset: Int
  /// Byte length of the data.
  public let byteCount: Int

  /// The number of elements.
  public var elementCount: Int { shape.reduce(1, *) }
}

/// A file of tensors: safetensors or NumPy `.npy`.
public protocol TensorSource {
  /// The file's path.
  var path: String { get }
  /// The tensors, in file order.
  var entries: [TensorEntry] { get }
  /// Reads one tensor's values as Floats (one copy out of the mapped file).
  func floats(_ entry: TensorEntry) throws -> [Float]
}

extension TensorSource {
  /// The tensors dialectgen can quantize: those stored as F32, F16 or BF16.
  public var floatEntries: [TensorEntry] { entries.filter { $0.elementFormat != nil } }
}

/// Opens a tensor file, choosing the reader by the file's extension: `.npy` for NumPy,
/// anything else as safetensors.
public func openTensorFile(_ path: String) throws -> any TensorSource {
  if path.lowercased().hasSuffix(".npy") { return try NumpyFile(path: path) }
  return try SafetensorsFile(path: path)
}

/// Converts `count` little-endian elements of `format` at `bytes` to Floats, exactly.
func decodeFloats(_ bytes: UnsafeRawBufferPointer, format: ElementFormat, count: Int) -> [Float] {
  [Float](unsafeUninitializedCapacity: count) { output, initialized in
    switch format {
    case .float32:
      for i in 0..<count {
        output[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      }
    case .float16, .bfloat16:
      for i in 0..<count {
        let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        output[i] = format.decode(UInt32(bits))
      }
    }
    initialized = count
  }
}

/// The index of the first infinity or NaN in `values`, if any.
public func firstNonfiniteIndex(_ values: [Float]) -> Int? {
  values.firstIndex { !$0.isFinite }
}

/// The product of `shape`, or nil when it overflows or a dimension is negative.
func checkedElementCount(_ shape: [Int]) -> Int? {
  var product = 1
  for dimension in shape {
    guard dimension >= 0 else { return nil }
    let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
    if overflow { return nil }
    product = result
  }
  return product
}

/// Formats a shape as `[2, 3]`.
public func shapeText(_ shape: [Int]) -> String {
  "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
