/// How a quantized tensor is stored in safetensors, so that PyTorch can load it:
///
/// - `NAME.codes` (U8): the 4-bit codes, two per byte, element 2j in the low nibble and 2j+1
///   in the high nibble; shape = the original shape with the last dimension replaced by
///   `blocks per row * block size / 2` (each row's last block is padded with zero codes);
/// - BlockDialect: `NAME.exponents` (U8, the exponent field E) and `NAME.dialects` (U8, the
///   dialect id), shape = leading dimensions + [blocks per row];
/// - MXFP4: `NAME.scales` (U8, E8M0: the scale is 2^(E - 127));
/// - NVFP4: `NAME.scales` (F8_E4M3) and `NAME.tensor_scale` (F32, a scalar).
///
/// The header's metadata records the format (block size, exponent width and bias, the whole
/// formatbook, the selection path) and every tensor's original shape and dtype.
public enum QuantizedTensorLayout {
  /// One stored tensor of a quantized tensor.
  public struct Part: Sendable {
    public let name: String
    public let dtype: String
    public let shape: [Int]

    /// The data size in bytes, or nil when it overflows.
    public var byteCount: Int? {
      checkedElementCount(shape).flatMap { checkedByteCount($0, elementSize: SafetensorsFile.elementSizes[dtype]!) }
    }
  }

  /// The tensors stored for one quantized tensor named `name` of `shape` (whose element count
  /// must not overflow).
  public static func declarations(name: String, shape: [Int], scheme: QuantizationScheme) -> [Part] {
    let n = scheme.blockSize
    let geometry = BlockGeometry(shape: shape, blockSize: n)
    let leading = Array(shape.dropLast())
    // blocksPerRow * n could overflow for a last dimension near Int.max; n / 2 cannot.
    var parts = [Part(name: name + ".codes", dtype: "U8", shape: leading + [geometry.blocksPerRow * (n / 2)])]
    switch scheme {
    case .blockDialect:
      parts.append(Part(name: name + ".exponents", dtype: "U8", shape: leading + [geometry.blocksPerRow]))
      parts.append(Part(name: name + ".dialects", dtype: "U8", shape: leading + [geometry.blocksPerRow]))
    case .mxfp4:
      parts.append(Part(name: name + ".scales", dtype: "U8", shape: leading + [geometry.blocksPerRow]))
    case .nvfp4:
      parts.append(Part(name: name + ".scales", dtype: "F8_E4M3", shape: leading + [geometry.blocksPerRow]))
      parts.append(Part(name: name + ".tensor_scale", dtype: "F32", shape: []))
    }
    return parts
  }

  /// The bytes of part `part` (an index into ``declarations(name:shape:scheme:)``).
  public static func bytes(of tensor: QuantizedTensor, part: Int) -> [UInt8] {
    switch part {
    case 0: return tensor.packedCodes()
    case 1: return tensor.scales
    default:
      if case .nvfp4 = tensor.scheme { return littleEndianBytes([tensor.tensorScale]) }
      return tensor.dialects
    }
  }

  /// The header metadata describing the format and the original tensors.
  public static func metadata(
    scheme: QuantizationScheme, tensors: [(name: String, shape: [Int], dtype: String)],
    version: String
  ) -> [(key: String, value: String)] {
    var format: [(key: String, value: JSONValue)] = [
      ("scheme", .string(scheme.description)),
      ("block_size", .integer(scheme.blockSize)),
      ("code_packing", .string("two 4-bit codes per byte, element 2j in the low nibble")),
    ]
    switch scheme {
    case .blockDialect(let blockFormat, let selector):
      format += [
        ("path", .string(selector.rawValue)),
        ("exponent_width", .integer(blockFormat.exponentWidth)),
        ("exponent_bias", .integer(blockFormat.exponentBias)),
        ("formatbook", blockFormat.formatbook.jsonValue),
      ]
    case .mxfp4:
      format += [("scale", .string("E8M0: 2^(scale - 127)")), ("element", .string("E2M1"))]
    case .nvfp4:
      format += [
        ("scale", .string("F8_E4M3 block scale times the F32 tensor_scale")), ("element", .string("E2M1")),
      ]
    }
    let originals = JSONValue.object(
      tensors.map { tensor in
        (
          tensor.name,
          JSONValue.object([("shape", .array(tensor.shape.map { .integer($0) })), ("dtype", .string(tensor.dtype))])
        )
      })
    return [
      ("format", scheme.description),
      ("dialectgen", version),
      ("quantization", JSONValue.object(format).compact()),
      ("tensors", originals.compact()),
    ]
  }
}
