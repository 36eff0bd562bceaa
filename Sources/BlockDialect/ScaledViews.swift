/// Which way, if any, a block's shared exponent was clamped.
public enum ExponentClamp: UInt8, Sendable, Hashable {
  case none
  /// floor(log2(amax)) - 2 + b was below 0: E = 0 and the block's elements are small.
  case low
  /// floor(log2(amax)) - 2 + b was above the largest field: E = 2^w - 1 and elements saturate.
  case high
}

/// The shared exponent rule: `E = clamp(floor(log2(amax)) - 2 + b, 0, maximumField)`,
/// `E = 0` for an all-zero block.
public struct SharedExponentRule: Hashable, Sendable {
  /// The bias b.
  public let bias: Int
  /// The largest field value: 2^w - 1 for BlockDialect, 254 for MXFP4's E8M0.
  public let maximumField: Int

  public init(bias: Int, maximumField: Int) {
    self.bias = bias
    self.maximumField = maximumField
  }

  /// The exponent field and clamp for a block whose largest finite magnitude is `amax`.
  @inlinable public func field(forMaximum amax: Float) -> (field: Int, clamp: ExponentClamp) {
    guard amax > 0 else { return (0, .none) }
    let unclamped = Int(amax.exponent) - 2 + bias
    if unclamped < 0 { return (0, .low) }
    if unclamped > maximumField { return (maximumField, .high) }
    return (unclamped, .none)
  }

  /// The factor that turns |x| into 4a (quarter-units): `2^(b - E + 2)`, exact in Double.
  @inlinable public func quarterUnitScale(field: Int) -> Double {
    Double(sign: .plus, exponent: bias - field + 2, significand: 1)
  }
}

/// The fixed-point views of one element, as the hardware keeps them (docs/numerics.md).
public struct ScaledView: Hashable, Sendable {
  /// t = min(floor(4a), 31): the truncated view, for encoding.
  public let truncated: Int
  /// q = min(floor(4a + 1/2), 31): the rounded view, for selection.
  public let rounded: Int
  /// Whether 4a is a whole number (the sticky bit is clear): needed for ties-to-even.
  public let isWhole: Bool

  /// The views of `quarterUnits` = 4a >= 0.
  @inlinable public init(quarterUnits: Double) {
    let limited = min(quarterUnits, 32)
    let whole = Int(limited)
    truncated = min(whole, 31)
    rounded = min(Int(limited + 0.5), 31)
    isWhole = Double(whole) == limited
  }

  /// The encoding key of `quarterUnits` = 4a >= 0 (see ``encodingKey``), for the kernels.
  @inline(__always) @usableFromInline
  static func encodingKey(_ quarterUnits: Double) -> Int {
    let limited = min(quarterUnits, 32)
    let whole = Int(limited)
    return min(whole, 31) << 1 | (Double(whole) == limited ? 1 : 0)
  }

  /// The encoding key and the rounded view q of `quarterUnits` = 4a >= 0, for the kernels.
  @inline(__always) @usableFromInline
  static func encodingKeyAndRoundedView(_ quarterUnits: Double) -> (key: Int, rounded: Int) {
    // Branch-free: two truncating conversions instead of comparing the fraction.
    let limited = min(quarterUnits, 32)
    let whole = Int(limited)
    let rounded = Int(limited + 0.5)
    let key = min(whole, 31) &<< 1 | (Double(whole) == limited ? 1 : 0)
    return (key, min(rounded, 31))
  }

  /// The encoding key: `t << 1 | isWhole`, the only thing element encoding depends on.
  @inlinable public var encodingKey: Int { truncated << 1 | (isWhole ? 1 : 0) }
}

extension Formatbook {
  /// The number of encoding keys: 32 truncated views times the sticky bit.
  public static let encodingKeyCount = 64

  /// The index dialect `dialect` gives an element with truncated view `t`: nearest magnitude,
  /// saturating at index 7, with the book's tie rule (`isWhole` tells an exact tie at a
  /// midpoint from a value just above it).
  public func encodingIndex(dialect: Int, truncated t: Int, isWhole: Bool) -> Int {
    var index = 0
    for (offset, midpoint) in midpoints[dialect].enumerated() {
      let k = offset + 1
      if t > midpoint || (t == midpoint && (!isWhole || ties == .up || k % 2 == 0)) {
        index = k
      }
    }
    return index
  }

  /// The index nearest to `a` (a real magnitude, in units), straight from the definition:
  /// used to test that encoding from t equals nearest-from-a.
  public func nearestIndex(dialect: Int, value a: Double) -> Int {
    let m = dialects[dialect].magnitudes.map { Double($0) / 2 }
    var best = 0
    for k in 1..<m.count {
      let distance = abs(a - m[k])
      let bestDistance = abs(a - m[best])
      if distance < bestDistance {
        best = k
      } else if distance == bestDistance {
        // An exact tie between neighbours best = k - 1 and k.
        if ties == .up || k % 2 == 0 { best = k }
      }
    }
    return best
  }
}
