import BlockDialect

/// Inputs for testing the generated modules: seeded random data from the distributions LLM
/// tensors resemble, and the directed corner cases of docs/numerics.md.
public enum Stimuli {
  /// Random blocks of raw FP16 or BF16 bits: normal, Laplace and Student-t data over 2^48 of
  /// scale, with infinities, NaNs, negative zeros and subnormals mixed in, and one block in
  /// nine of arbitrary bit patterns.
  public static func randomElementBlocks(_ count: Int, size: Int, input: ElementFormat, seed: UInt64) -> [[UInt16]] {
    var random = SeededGenerator(seed: seed)
    let infinity: UInt16 = input == .float16 ? 0x7C00 : 0x7F80
    let nan: UInt16 = input == .float16 ? 0x7E01 : 0x7FC1
    return (0..<count).map { index in
      if index % 9 == 0 { return (0..<size).map { _ in UInt16(truncatingIfNeeded: random.next()) } }
      let scale = Float(sign: .plus, exponent: Int(random.next() % 48) - 24, significand: 1)
      let distribution = SampleDistribution.allCases[index % 3]
      return (0..<size).map { _ in
        let x = Float(distribution.sample(&random)) * scale
        switch random.next() % 200 {
        case 0: return infinity | (random.next() % 2 == 0 ? 0 : 0x8000)
        case 1: return nan
        case 2: return 0x8000
        case 3: return UInt16(random.next() & 0x3F)
        default: return bits(x, input)
        }
      }
    }
  }

  /// Blocks of real-looking values for measuring switching activity: LLM-like data (normal,
  /// Laplace and Student-t in turn) at a scale that drifts from block to block over 2^-8 to
  /// 2^4, with one block in eight holding an outlier eight times larger. Finite and non-zero
  /// scale: what a layer's weights or activations look like, not corner cases.
  public static func realLookingBlocks(_ count: Int, size: Int, seed: UInt64) -> [[Float]] {
    var random = SeededGenerator(seed: seed)
    var scale = 0
    return (0..<count).map { index in
      if random.next() % 4 == 0 { scale = min(4, max(-8, scale + Int(random.next() % 3) - 1)) }
      let distribution = SampleDistribution.allCases[index % 3]
      var block = (0..<size).map { _ in
        Float(distribution.sample(&random)) * Float(sign: .plus, exponent: scale, significand: 1)
      }
      if index % 8 == 7 { block[Int(random.next() % UInt64(size))] *= 8 }
      return block
    }
  }

  static func bits(_ x: Float, _ input: ElementFormat) -> UInt16 {
    input == .float16 ? floatToFloat16(x) : floatToBFloat16(x)
  }

  /// The corner cases of docs/numerics.md as blocks of raw bits: all zero, negative zeros, a single
  /// non-zero element, the largest finite value, subnormals only, infinities and NaNs, exact
  /// ties at every midpoint of every dialect (both signs), and every exponent of the block
  /// maximum.
  public static func edgeElementBlocks(size: Int, input: ElementFormat) -> [[UInt16]] {
    let largest: UInt16 = input == .float16 ? 0x7BFF : 0x7F7F
    let infinity: UInt16 = input == .float16 ? 0x7C00 : 0x7F80
    let nan: UInt16 = input == .float16 ? 0x7E00 : 0x7FC0
    var blocks: [[UInt16]] = [
      Array(repeating: 0, count: size),
      Array(repeating: 0x8000, count: size),
      (0..<size).map { $0 == 5 % size ? bits(3.25, input) : 0 },
      (0..<size).map { $0 == 0 ? bits(-0.001, input) : 0 },
      Array(repeating: largest, count: size),
      (0..<size).map { $0 % 2 == 0 ? largest : 0x8000 | largest },
      (0..<size).map { UInt16(1 + $0) },
      (0..<size).map { $0 == 1 ? infinity : bits(Float($0) / 8, input) },
      (0..<size).map { $0 == 2 ? 0x8000 | infinity : bits(Float($0) / 8, input) },
      (0..<size).map { $0 == 3 ? nan : bits(Float($0) / 8, input) },
      Array(repeating: nan, count: size),
    ]
    // With a maximum of 7.75 (or 7.5), 4a = 4|x|: x = k/4 puts 4a on every quarter-unit.
    for sign: Float in [1, -1] {
      blocks.append((0..<size).map { $0 == 0 ? bits(7.75, input) : bits(sign * Float($0 % 32) / 4, input) })
      blocks.append((0..<size).map { $0 == 0 ? bits(7.5, input) : bits(sign * Float(($0 + 7) % 31) / 4, input) })
    }
    for exponent in 0..<((1 << input.exponentWidth) - 1) {
      let top = UInt16(exponent) << UInt16(input.fractionWidth) | UInt16((1 << input.fractionWidth) - 1)
      blocks.append((0..<size).map { $0 == size / 2 ? top : UInt16($0 * 37 % Int(max(top, 1))) })
    }
    return blocks
  }

  /// Blocks of rounded views q (0...31) for the selectors: the edge cases (all zero, all 31,
  /// every possible maximum, a single non-zero view) and random blocks, some drawn from
  /// quantizing normal data.
  public static func viewBlocks(_ count: Int, size: Int, seed: UInt64) -> [[Int]] {
    var random = SeededGenerator(seed: seed)
    var blocks: [[Int]] = [Array(repeating: 0, count: size), Array(repeating: 31, count: size)]
    for maximum in 0..<32 {
      blocks.append((0..<size).map { $0 == 3 % size ? maximum : Int(random.next() % UInt64(maximum + 1)) })
      blocks.append((0..<size).map { $0 == size - 1 ? maximum : 0 })
    }
    for _ in 0..<count {
      let top = Int(random.next() % 32)
      switch random.next() % 3 {
      case 0: blocks.append((0..<size).map { _ in Int(random.next() % UInt64(top + 1)) })
      case 1: blocks.append((0..<size).map { _ in top - Int(random.next() % UInt64(min(top, 4) + 1)) })
      default:
        let values = (0..<size).map { _ in Float(random.normal()) }
        blocks.append(Formatbook.dialectFP4.roundedViews(of: values, format: .default))
      }
    }
    return blocks
  }

  /// A packed block pair with its place in an accumulation.
  public struct DotStep: Sendable {
    public let weight: PackedBlock
    public let activation: PackedBlock
    public let first: Bool
    public let last: Bool
  }

  /// Random block pairs in accumulations of 1 to 12 blocks. `largeExponents` favours exponent
  /// fields near the top, which pushes a narrow accumulator into overflow.
  public static func dotSteps(_ count: Int, format: BlockFormat, seed: UInt64, largeExponents: Bool = false)
    -> [DotStep]
  {
    var random = SeededGenerator(seed: seed)
    func block() -> PackedBlock {
      let top = format.maximumExponentField
      let exponent =
        largeExponents && random.next() % 2 == 0 ? top - Int(random.next() % 3) : Int(random.next() % UInt64(top + 1))
      let dialect = Int(random.next() % UInt64(format.formatbook.dialects.count))
      let extreme = random.next() % 5 == 0
      let codes = (0..<format.blockSize).map { _ -> UInt8 in
        if extreme { return 7 | (random.next() % 2 == 0 ? 0 : 8) }
        let code = UInt8(random.next() % 16)
        return code == 8 ? 0 : code
      }
      return try! PackedBlock(exponentField: exponent, dialect: dialect, rawCodes: codes, format: format)
    }
    var steps: [DotStep] = []
    while steps.count < count {
      let length = 1 + Int(random.next() % 12)
      for position in 0..<length {
        steps.append(DotStep(weight: block(), activation: block(), first: position == 0, last: position == length - 1))
      }
    }
    return Array(steps.prefix(count))
  }

  /// An accumulation that overflows any accumulator narrower than the sum of `count` blocks of
  /// the largest value: every block holds the book's largest magnitude at the top exponent.
  public static func overflowingAccumulation(_ count: Int, format: BlockFormat, negative: Bool) -> [DotStep] {
    let book = format.formatbook
    let dialect = book.dialects.indices.first { book.dialects[$0].maximum == book.largestMagnitude }!
    let code: UInt8 = negative ? 0xF : 0x7
    let block = try! PackedBlock(
      exponentField: format.maximumExponentField, dialect: dialect,
      rawCodes: Array(repeating: code, count: format.blockSize), format: format)
    let positive = try! PackedBlock(
      exponentField: format.maximumExponentField, dialect: dialect,
      rawCodes: Array(repeating: 7, count: format.blockSize),
      format: format)
    return (0..<count).map { DotStep(weight: block, activation: positive, first: $0 == 0, last: $0 == count - 1) }
  }
}
