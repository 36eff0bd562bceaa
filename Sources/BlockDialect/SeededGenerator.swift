import Foundation

/// A fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64), so that
/// every generated data set, vector file and benchmark is reproducible from its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var mix = seed
    func splitMix() -> UInt64 {
      mix &+= 0x9E37_79B9_7F4A_7C15
      var z = mix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public mutating func next() -> UInt64 {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3 << 45 | state.3 >> 19
    return result
  }

  /// A uniform Double in [0, 1) with 53 random bits.
  public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A uniform Double in (0, 1): never 0, safe for logarithms.
  public mutating func openUnit() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

  /// A standard normal sample (Box-Muller; one of the pair is used, so each call is
  /// independent of call order).
  public mutating func normal() -> Double {
    sqrt(-2 * log(openUnit())) * cos(2 * Double.pi * unit())
  }

  /// A Laplace(0, 1) sample.
  public mutating func laplace() -> Double {
    let u = unit() - 0.5
    return u < 0 ? log(1 + 2 * u + 0x1p-60) : -log(1 - 2 * u)
  }

  /// A Student t sample with `degrees` degrees of freedom.
  public mutating func studentT(degrees: Int) -> Double {
    let z = normal()
    var chiSquared = 0.0
    for _ in 0..<degrees {
      let g = normal()
      chiSquared += g * g
    }
    return z / (chiSquared / Double(degrees)).squareRoot()
  }
}

/// The distributions dialectgen generates test and benchmark data from.
public enum SampleDistribution: String, Sendable, CaseIterable {
  case normal
  case laplace
  /// Student t with 3 degrees of freedom: heavy-tailed.
  case studentT = "student-t"

  /// `count` seeded samples as Float.
  public func samples(_ count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float(sample(&generator)) }
  }

  /// One sample.
  public func sample(_ generator: inout SeededGenerator) -> Double {
    switch self {
    case .normal: return generator.normal()
    case .laplace: return generator.laplace()
    case .studentT: return generator.studentT(degrees: 3)
    }
  }
}
