/// A plain integer block format, MXINT-like: n two's-complement elements of `elementBits`
/// bits sharing one exponent field E of the same width and bias as a ``BlockFormat``. An element
/// q stands for `q * 2^(E - bias - f)` with `f = elementBits - 2` fraction bits, so a block spans
/// [-2, 2) times `2^(E - bias)` (MXINT8's 1.6 fixed point; INT4 is 1.2).
///
/// It is the baseline the BlockDialect block dot product is compared with: the same block
/// size, exponent and accumulator, integer elements instead of dialect codes.
public struct IntegerBlockFormat: Hashable, Sendable {
  /// Elements per block.
  public let blockSize: Int
  /// Bits per element (4 or 8 in the baselines; 2 to 16 allowed).
  public let elementBits: Int
  /// The shared exponent field's width and bias.
  public let exponentWidth: Int
  public let exponentBias: Int

  /// Creates a format with the block size and exponent of `layout` and `elementBits`-bit
  /// elements.
  ///
  /// - Throws: ``BlockFormatError`` for an element width outside 2 to 16 bits.
  public init(elementBits: Int, like layout: BlockFormat) throws {
    guard (2...16).contains(elementBits) else {
      throw BlockFormatError("integer element width \(elementBits) is not allowed; use 2 to 16 bits")
    }
    self.elementBits = elementBits
    blockSize = layout.blockSize
    exponentWidth = layout.exponentWidth
    exponentBias = layout.exponentBias
  }

  /// Fraction bits of an element.
  public var fractionBits: Int { elementBits - 2 }
  /// The smallest and largest element.
  public var elementRange: ClosedRange<Int> { -(1 << (elementBits - 1))...((1 << (elementBits - 1)) - 1) }
  /// The largest exponent field.
  public var maximumExponentField: Int { (1 << exponentWidth) - 1 }
  /// The largest |P| of a block dot product: n * 2^(2 * elementBits - 2) (both elements at
  /// their most negative).
  public var largestBlockProduct: Int { blockSize << (2 * elementBits - 2) }
  /// Bits of the signed block product P.
  public var blockProductWidth: Int { bitWidth(of: largestBlockProduct) + 1 }
  /// The weight of the accumulator's least significant bit, as a power of two: a product of
  /// two elements at exponent fields summing to S weighs `2^(S - 2 * bias - 2f)`.
  public var scaleExponent: Int { -2 * exponentBias - 2 * fractionBits }

  /// One block: its exponent field and its elements.
  public struct Block: Hashable, Sendable {
    public let exponentField: Int
    public let elements: [Int]

    public init(exponentField: Int, elements: [Int]) {
      self.exponentField = exponentField
      self.elements = elements
    }
  }

  /// Quantizes up to n finite values (missing ones are 0): E puts the largest magnitude in
  /// [1, 2) times `2^(E - bias)` (clamped to the field's range; 0 for a block of zeros), each element is rounded to the
  /// nearest multiple of `2^(E - bias - f)`, ties to even, and clamped to the element range.
  public func quantize(_ values: [Float]) -> Block {
    precondition(values.count <= blockSize, "a block holds at most \(blockSize) elements")
    let largest = values.map { Double($0).magnitude }.filter(\.isFinite).max() ?? 0
    let field = largest > 0 ? min(max(Int(largest.exponent) + exponentBias, 0), maximumExponentField) : 0
    let step = Double(sign: .plus, exponent: field - exponentBias - fractionBits, significand: 1)
    let elements = (0..<blockSize).map { index -> Int in
      guard index < values.count, values[index].isFinite else { return 0 }
      let scaled = (Double(values[index]) / step).rounded(.toNearestOrEven)
      return Int(min(max(scaled, Double(elementRange.lowerBound)), Double(elementRange.upperBound)))
    }
    return Block(exponentField: field, elements: elements)
  }

  /// The dot product of two blocks: P = the sum of the element products, S = E_w + E_a; the
  /// value is `P * 2^(S + scaleExponent)`.
  public func product(weight: Block, activation: Block) -> BlockProduct {
    BlockProduct(
      sum: zip(weight.elements, activation.elements).reduce(0) { $0 + $1.0 * $1.1 },
      exponentSum: weight.exponentField + activation.exponentField)
  }
}
