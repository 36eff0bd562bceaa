/// An error in a block format's parameters.
public struct BlockFormatError: Error, CustomStringConvertible, Equatable {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// The layout of one BlockDialect block: n elements sharing a `w`-bit exponent field with
/// bias `b` and one dialect of a formatbook.
public struct BlockFormat: Hashable, Sendable {
  /// The block sizes allowed: powers of two from 8 to 256.
  public static let blockSizes = [8, 16, 32, 64, 128, 256]
  /// The exponent widths allowed.
  public static let exponentWidths = 2...8

  /// Elements per block (a power of two, 8...256).
  public let blockSize: Int
  /// Width `w` of the shared exponent field.
  public let exponentWidth: Int
  /// Bias `b` of the shared exponent field.
  public let exponentBias: Int
  /// The dialects a block may choose from.
  public let formatbook: Formatbook

  /// Creates a block format and validates it.
  ///
  /// - Throws: ``BlockFormatError`` naming the parameter at fault and what is allowed.
  public init(
    blockSize: Int = 32, exponentWidth: Int = 5, exponentBias: Int? = nil,
    formatbook: Formatbook = .dialectFP4
  ) throws {
    guard Self.blockSizes.contains(blockSize) else {
      throw BlockFormatError(
        "block size \(blockSize) is not allowed; use a power of two from 8 to 256 (\(Self.blockSizes.map(String.init).joined(separator: ", ")))"
      )
    }
    guard Self.exponentWidths.contains(exponentWidth) else {
      throw BlockFormatError(
        "exponent width \(exponentWidth) is not allowed; use \(Self.exponentWidths.lowerBound) to \(Self.exponentWidths.upperBound) bits"
      )
    }
    let maximumField = (1 << exponentWidth) - 1
    let bias = exponentBias ?? (maximumField >> 1)
    guard (0...maximumField).contains(bias) else {
      throw BlockFormatError(
        "exponent bias \(bias) is not allowed for a \(exponentWidth)-bit exponent; use 0 to \(maximumField)")
    }
    self.blockSize = blockSize
    self.exponentWidth = exponentWidth
    self.exponentBias = bias
    self.formatbook = formatbook
  }

  /// The default format: DialectFP4, 32 elements, a 5-bit exponent with bias 15.
  public static let `default` = try! BlockFormat()

  /// The largest exponent field, `2^w - 1`.
  public var maximumExponentField: Int { (1 << exponentWidth) - 1 }

  /// Storage cost: 4 bits per element plus the exponent field and dialect id per block.
  public var bitsPerElement: Double {
    4 + Double(exponentWidth + formatbook.idWidth) / Double(blockSize)
  }

  /// The largest |P| of a block dot product: (largest magnitude)^2 * n.
  public var largestBlockProduct: Int {
    formatbook.largestMagnitude * formatbook.largestMagnitude * blockSize
  }

  /// Bits of the signed block product P: enough for +-``largestBlockProduct``.
  public var blockProductWidth: Int { bitWidth(of: largestBlockProduct) + 1 }

  /// Bits of the exponent sum S = E_w + E_a.
  public var exponentSumWidth: Int { exponentWidth + 1 }

  /// The default accumulator width: holds any sum of 2^16 block values `P << S` without
  /// overflow.
  public var defaultAccumulatorWidth: Int {
    bitWidth(of: largestBlockProduct) + 2 * maximumExponentField + 16 + 1
  }
}

/// The number of bits needed to write the non-negative integer `value` (0 needs 0 bits).
@inlinable public func bitWidth(of value: Int) -> Int {
  precondition(value >= 0)
  return Int.bitWidth - value.leadingZeroBitCount
}
