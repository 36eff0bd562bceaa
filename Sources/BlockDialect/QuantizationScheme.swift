/// A number format a tensor can be quantized to: BlockDialect (with one of its selection
/// rules) or one of the baselines.
public enum QuantizationScheme: Hashable, Sendable, CustomStringConvertible {
  /// BlockDialect with a block format and a dialect-selection rule.
  case blockDialect(BlockFormat, DialectSelector)
  /// OCP MXFP4: 32 E2M1 elements sharing an E8M0 scale.
  case mxfp4
  /// NVFP4: 16 E2M1 elements with an E4M3 block scale and an FP32 tensor scale.
  case nvfp4

  /// MXFP4 as a BlockDialect-shaped format: E2M1 book, 8-bit exponent with bias 127.
  public static let mxfp4Format = try! BlockFormat(
    blockSize: 32, exponentWidth: 8, exponentBias: 127, formatbook: .e2m1)
  /// MXFP4's E8M0 scale never uses 255 (NaN).
  public static let mxfp4MaximumExponentField = 254

  /// A short name: `blockdialect-weight`, `blockdialect-activation`, `mxfp4`, `nvfp4`.
  public var description: String {
    switch self {
    case .blockDialect(_, let selector): return "blockdialect-\(selector.rawValue)"
    case .mxfp4: return "mxfp4"
    case .nvfp4: return "nvfp4"
    }
  }

  /// Elements per block.
  public var blockSize: Int {
    switch self {
    case .blockDialect(let format, _): return format.blockSize
    case .mxfp4: return 32
    case .nvfp4: return NVFP4Quantizer.blockSize
    }
  }

  /// Storage bits per element (NVFP4's single tensor scale is not counted).
  public var bitsPerElement: Double {
    switch self {
    case .blockDialect(let format, _): return format.bitsPerElement
    case .mxfp4: return 4.25
    case .nvfp4: return 4.5
    }
  }

  /// Whether blocks carry a dialect id.
  public var hasDialects: Bool {
    if case .blockDialect = self { return true }
    return false
  }
}
