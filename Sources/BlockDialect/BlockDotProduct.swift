/// The result of a block dot product: the block's value is `P * 2^(S - 2b - 2)`.
public struct BlockProduct: Hashable, Sendable {
  /// P: the exact sum of the signed half-unit products.
  public let sum: Int
  /// S = E_w + E_a.
  public let exponentSum: Int

  public init(sum: Int, exponentSum: Int) {
    self.sum = sum
    self.exponentSum = exponentSum
  }
}

extension BlockFormat {
  /// The dot product of a weight block and an activation block of this format:
  /// P = sum of (-1)^(s_w xor s_a) * m_Dw[k_w] * m_Da[k_a], S = E_w + E_a.
  public func product(weight: PackedBlock, activation: PackedBlock) -> BlockProduct {
    var sum = 0
    for (w, a) in zip(weight.codes, activation.codes) {
      sum += halfUnits(of: w, dialect: weight.dialect) * halfUnits(of: a, dialect: activation.dialect)
    }
    return BlockProduct(sum: sum, exponentSum: weight.exponentField + activation.exponentField)
  }

  /// The exact value of a block product as a Double (exact: P has at most 16 significant
  /// bits and the exponent stays within Double's range).
  public func value(of product: BlockProduct) -> Double {
    Double(product.sum) * Double(sign: .plus, exponent: product.exponentSum - 2 * exponentBias - 2, significand: 1)
  }
}

/// The exact multi-block accumulator: a two's-complement fixed-point register of `width` bits
/// whose least significant bit weighs `2^(-2b - 2)`; each block adds `P << S`.
///
/// An addition whose exact result does not fit saturates the register to the nearest bound
/// and sets the sticky `overflow` flag; while the flag is set the register holds its value
/// (later blocks are ignored), and the FP32 readout is an infinity of the overflow's sign.
/// It never wraps.
public struct BlockAccumulator: Hashable, Sendable {
  /// The register width in bits.
  public let width: Int
  /// The weight of the least significant bit: `-2b - 2`.
  public let scaleExponent: Int
  /// The register's value, in units of its least significant bit.
  public private(set) var value: BigInteger = .zero
  /// Set when a sum did not fit; cleared only by ``reset()``.
  public private(set) var overflow = false

  /// The smallest width allowed: enough for one block product with S = 0.
  public static func minimumWidth(for format: BlockFormat) -> Int { format.blockProductWidth }

  /// Creates an empty accumulator for `format`, `width` bits wide (default: any sum of 2^16
  /// blocks fits).
  public init(format: BlockFormat, width: Int? = nil) {
    self.width = width ?? format.defaultAccumulatorWidth
    scaleExponent = -2 * format.exponentBias - 2
  }

  /// Creates an empty accumulator of `width` bits whose least significant bit weighs
  /// `2^scaleExponent` (for an ``IntegerBlockFormat``, its ``IntegerBlockFormat/scaleExponent``).
  public init(width: Int, scaleExponent: Int) {
    self.width = width
    self.scaleExponent = scaleExponent
  }

  /// The largest value the register holds, 2^(width-1) - 1.
  public var upperBound: BigInteger { BigInteger.powerOfTwo(width - 1) - BigInteger(1) }
  /// The smallest value the register holds, -2^(width-1).
  public var lowerBound: BigInteger { -BigInteger.powerOfTwo(width - 1) }

  /// Adds one block's value, `P << S`.
  public mutating func add(_ product: BlockProduct) {
    guard !overflow else { return }
    let sum = value + BigInteger(product.sum).shiftedLeft(product.exponentSum)
    if sum > upperBound {
      value = upperBound
      overflow = true
    } else if sum < lowerBound {
      value = lowerBound
      overflow = true
    } else {
      value = sum
    }
  }

  /// Empties the register and clears the overflow flag.
  public mutating func reset() {
    value = .zero
    overflow = false
  }

  /// The accumulated sum as FP32, rounded to nearest, ties to even; an infinity after an
  /// overflow.
  public var float32: Float {
    if overflow { return value.isNegative ? -.infinity : .infinity }
    return value.float32(scaleExponent: scaleExponent)
  }
}
