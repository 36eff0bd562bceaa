/// A tensor stored in a file: its name, type, shape and where its bytes are.
///
/// Entries are made only by the readers, after every size in them was checked: the element
/// count, the row count and the byte range cannot overflow.
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
  /// The number of elements: the product of the shape (1 for a scalar).
  public let elementCount: Int

  init(
    name: String, dtype: String, shape: [Int], elementFormat: ElementFormat?, offset: Int, byteCount: Int,
    elementCount: Int
  ) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.elementFormat = elementFormat
    self.offset = offset
    self.byteCount = byteCount
    self.elementCount = elementCount
  }

  /// Rows (the product of all dimensions but the last; 1 for a scalar or a vector) and
  /// columns (the last dimension), as ``QuantizedTensor`` blocks them.
  public var rowsAndColumns: (rows: Int, columns: Int) {
    guard let columns = shape.last else { return (1, 1) }
    // The product of a prefix of the shape: it cannot overflow, the whole product was checked.
    return (shape.dropLast().reduce(1, *), columns)
  }
}

/// A file of tensors: safetensors or NumPy `.npy`, read through an ``InputFile``.
public protocol TensorSource: AnyObject, Sendable {
  /// The file's path.
  var path: String { get }
  /// The tensors, in file order.
  var entries: [TensorEntry] { get }
  /// The open file.
  var file: InputFile { get }
}

extension TensorSource {
  /// The tensors dialectgen can quantize: those stored as F32, F16 or BF16.
  public var floatEntries: [TensorEntry] { entries.filter { $0.elementFormat != nil } }

  /// Reads elements `range` (flat, row-major indices) of a float tensor into `output`, which
  /// holds exactly `range.count` Floats: exact conversions, one read and no other memory.
  ///
  /// - Throws: ``TensorFileError`` when the tensor is not F32, F16 or BF16 or the file cannot
  ///   be read.
  public func readFloats(
    _ entry: TensorEntry, elements range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>
  )
    throws
  {
    guard let format = entry.elementFormat else {
      throw TensorFileError(
        path,
        "tensor \"\(SafeText.escape(entry.name))\" is \(SafeText.escape(entry.dtype)); dialectgen reads F32, F16 and BF16 tensors"
      )
    }
    precondition(
      range.lowerBound >= 0 && range.upperBound <= entry.elementCount && output.count == range.count,
      "elements \(range) of a tensor of \(entry.elementCount)")
    let count = range.count
    guard count > 0 else { return }
    let raw = UnsafeMutableRawBufferPointer(output)
    switch format {
    case .float32:
      try file.read(into: raw, at: entry.offset + 4 * range.lowerBound)
      #if _endian(big)
        for i in 0..<count { output[i] = Float(bitPattern: UInt32(littleEndian: output[i].bitPattern)) }
      #endif
    case .float16, .bfloat16:
      // The halves go into the upper half of the buffer and are widened in place, front to
      // back: Float i (bytes 4i..4i+3) never reaches half i + 1 (bytes 2count+2i+2...).
      let halves = UnsafeMutableRawBufferPointer(rebasing: raw[(2 * count)...])
      try file.read(into: halves, at: entry.offset + 2 * range.lowerBound)
      for i in 0..<count {
        let bits = UInt16(littleEndian: halves.load(fromByteOffset: 2 * i, as: UInt16.self))
        output[i] = format.decode(UInt32(bits))
      }
    }
  }

  /// Reads a whole float tensor (for small tensors and tests; the commands read in chunks).
  public func floats(_ entry: TensorEntry) throws -> [Float] {
    try [Float](unsafeUninitializedCapacity: entry.elementCount) { buffer, initialized in
      try readFloats(entry, elements: 0..<entry.elementCount, into: buffer)
      initialized = entry.elementCount
    }
  }

  /// A tensor's bytes as stored (any dtype), for copying it unchanged.
  public func rawBytes(_ entry: TensorEntry) throws -> [UInt8] {
    try file.bytes(at: entry.offset, count: entry.byteCount)
  }
}

/// Opens a tensor file, choosing the reader by the file's extension: `.npy` for NumPy,
/// anything else as safetensors.
public func openTensorFile(_ path: String) throws -> any TensorSource {
  if path.lowercased().hasSuffix(".npy") { return try NumpyFile(path: path) }
  return try SafetensorsFile(path: path)
}

/// The index of the first infinity or NaN in `values`, if any.
public func firstNonfiniteIndex(_ values: UnsafeBufferPointer<Float>) -> Int? {
  for i in values.indices where !values[i].isFinite { return i }
  return nil
}

/// The index of the first infinity or NaN in `values`, if any.
public func firstNonfiniteIndex(_ values: [Float]) -> Int? {
  values.withUnsafeBufferPointer { firstNonfiniteIndex($0) }
}

/// The product of `shape`, or nil when a dimension is negative or the running product
/// overflows (as the safetensors reference reader computes it: `[0, huge]` is 0 elements,
/// `[huge, huge, 0]` overflows before it reaches the 0 and is refused).
public func checkedElementCount(_ shape: [Int]) -> Int? {
  var product = 1
  for dimension in shape {
    guard dimension >= 0 else { return nil }
    let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
    if overflow { return nil }
    product = result
  }
  return product
}

/// The bytes of `count` elements of `size` bytes each, or nil when that overflows.
func checkedByteCount(_ count: Int, elementSize size: Int) -> Int? {
  let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
  return overflow ? nil : bytes
}

/// Formats a shape as `[2, 3]` (dimensions come from files, so a long shape is shortened).
public func shapeText(_ shape: [Int]) -> String {
  let shown = shape.prefix(16).map(String.init).joined(separator: ", ")
  return "[" + shown + (shape.count > 16 ? ", ...(\(shape.count) dimensions)" : "") + "]"
}
