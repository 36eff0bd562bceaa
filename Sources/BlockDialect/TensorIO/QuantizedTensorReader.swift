/// Reads a BlockDialect-quantized tensor back from a file `dialectgen quantize` wrote: its
/// block format from the header metadata, and its blocks from `NAME.codes`, `NAME.exponents`
/// and `NAME.dialects`. Every size and value is checked against the format: the file is
/// untrusted.
public enum QuantizedTensorReader {
  /// A quantized matrix: rows x columns (the original shape's leading dimensions flattened),
  /// its blocks row-major, `columns` padded up to whole blocks.
  public struct Matrix: Sendable {
    public let format: BlockFormat
    public let rows: Int
    /// The original last dimension.
    public let columns: Int
    public let blocks: [PackedBlock]
    /// Blocks per row.
    public var blocksPerRow: Int { (columns + format.blockSize - 1) / format.blockSize }
  }

  /// The names of the quantized tensors in `file` (from its metadata).
  public static func tensorNames(in file: SafetensorsFile) throws -> [String] {
    try originals(in: file).map(\.name)
  }

  /// The BlockDialect format the file was quantized with.
  ///
  /// - Throws: ``TensorFileError`` when the metadata is missing or not BlockDialect.
  public static func format(of file: SafetensorsFile) throws -> BlockFormat {
    guard let text = file.metadata["quantization"] else {
      throw TensorFileError(file.path, "no \"quantization\" metadata: not a file written by dialectgen quantize")
    }
    let value: JSONValue
    do {
      value = try JSONValue.parse(Array(text.utf8))
    } catch {
      throw TensorFileError(file.path, "the \"quantization\" metadata is not valid JSON (\(error))")
    }
    guard let scheme = value["scheme"]?.stringValue, scheme.hasPrefix("blockdialect") else {
      throw TensorFileError(file.path, "not a BlockDialect-quantized file (quantization scheme is not blockdialect)")
    }
    guard let blockSize = value["block_size"]?.intValue, let width = value["exponent_width"]?.intValue,
      let bias = value["exponent_bias"]?.intValue, let bookValue = value["formatbook"]
    else {
      throw TensorFileError(
        file.path, "the \"quantization\" metadata lacks block_size, exponent_width, exponent_bias or formatbook")
    }
    do {
      let book = try Formatbook(jsonValue: bookValue, source: "\(file.path): quantization metadata: formatbook")
      return try BlockFormat(blockSize: blockSize, exponentWidth: width, exponentBias: bias, formatbook: book)
    } catch let error as FormatbookError {
      throw TensorFileError(file.path, error.description)
    } catch let error as BlockFormatError {
      throw TensorFileError(file.path, "quantization metadata: \(error.description)")
    }
  }

  static func originals(in file: SafetensorsFile) throws -> [(name: String, shape: [Int])] {
    guard let text = file.metadata["tensors"], let value = try? JSONValue.parse(Array(text.utf8)),
      case .object(let members) = value
    else {
      throw TensorFileError(file.path, "no \"tensors\" metadata: not a file written by dialectgen quantize")
    }
    return try members.map { name, entry in
      guard let dims = entry["shape"]?.arrayValue else {
        throw TensorFileError(file.path, "tensors metadata: no shape for a tensor")
      }
      let shape = try dims.map { dim -> Int in
        guard let size = dim.intValue, size >= 0 else {
          throw TensorFileError(file.path, "tensors metadata: a shape holds something other than a size")
        }
        return size
      }
      return (name, shape)
    }
  }

  /// The matrix shape of the quantized tensor `name` (its leading dimensions flattened into
  /// rows), from the metadata alone: to check it against a limit before reading the blocks.
  ///
  /// - Throws: ``TensorFileError`` when the tensor is missing or its shape overflows.
  public static func shape(of name: String, in file: SafetensorsFile) throws -> (rows: Int, columns: Int) {
    guard let original = try originals(in: file).first(where: { $0.name == name }) else {
      throw TensorFileError(file.path, "no quantized tensor named \"\(SafeText.escape(name))\"")
    }
    var rows = 1
    for dimension in original.shape.dropLast() {
      let (product, overflow) = rows.multipliedReportingOverflow(by: dimension)
      guard !overflow else {
        throw TensorFileError(file.path, "tensor \"\(SafeText.escape(name))\": its shape is too large")
      }
      rows = product
    }
    return (rows, original.shape.last ?? 1)
  }

  /// The quantized tensor `name` as a matrix.
  ///
  /// - Throws: ``TensorFileError`` naming the file and the tensor when a part is missing, has the
  ///   wrong dtype or shape, or holds a value the format does not allow.
  public static func matrix(_ name: String, in file: SafetensorsFile) throws -> Matrix {
    let format = try format(of: file)
    let (rows, columns) = try shape(of: name, in: file)
    let shown = SafeText.escape(name)
    let n = format.blockSize
    let blocksPerRow = (columns + n - 1) / n
    let (blockCount, overflow) = rows.multipliedReportingOverflow(by: blocksPerRow)
    guard !overflow, blockCount <= 1 << 32 else {
      throw TensorFileError(file.path, "tensor \"\(shown)\": its shape is too large")
    }
    func part(_ suffix: String, bytes: Int) throws -> [UInt8] {
      guard let entry = file.entries.first(where: { $0.name == name + suffix }) else {
        throw TensorFileError(file.path, "tensor \"\(shown)\": the part \"\(shown)\(suffix)\" is missing")
      }
      guard entry.dtype == "U8", entry.byteCount == bytes else {
        throw TensorFileError(
          file.path,
          "tensor \"\(shown)\(suffix)\": expected \(bytes) bytes of U8, found \(entry.byteCount) of \(entry.dtype)")
      }
      return try file.rawBytes(entry)
    }
    let codes = try part(".codes", bytes: blockCount * n / 2)
    let exponents = try part(".exponents", bytes: blockCount)
    let dialects = try part(".dialects", bytes: blockCount)
    var blocks: [PackedBlock] = []
    blocks.reserveCapacity(blockCount)
    for block in 0..<blockCount {
      let raw = (0..<n).map { i -> UInt8 in
        let byte = codes[(block * n + i) / 2]
        return i % 2 == 0 ? byte & 0xF : byte >> 4
      }
      do {
        blocks.append(
          try PackedBlock(
            exponentField: Int(exponents[block]), dialect: Int(dialects[block]), rawCodes: raw, format: format))
      } catch let error as BlockFormatError {
        throw TensorFileError(file.path, "tensor \"\(shown)\", block \(block): \(error.description)")
      }
    }
    return Matrix(format: format, rows: rows, columns: columns, blocks: blocks)
  }
}
