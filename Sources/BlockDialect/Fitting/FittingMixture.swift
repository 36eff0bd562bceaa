import Foundation

/// The built-in data for fitting without files: a seeded mixture of blocks, each drawn whole
/// from one of normal(0, 1), Laplace(0, 1) and Student t with 3 degrees of freedom (a third
/// each, chosen per block), times a per-block scale `2^u` with `u` uniform in [-2, 2].
public enum FittingMixture {
  /// The seed of the independent held-out sample that goes with training seed `seed`.
  public static func independentSeed(for seed: UInt64) -> UInt64 { seed ^ 0x1DE9_E4DE_47C0_FFEE }

  /// `count` values in runs of `blockSize` (a block of the mixture each; the last may be
  /// short), as a one-dimensional tensor.
  public static func values(count: Int, blockSize: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    var values: [Float] = []
    values.reserveCapacity(count)
    let distributions = SampleDistribution.allCases
    while values.count < count {
      let distribution = distributions[generator.below(distributions.count)]
      let scale = exp2(4 * generator.unit() - 2)
      for _ in 0..<min(blockSize, count - values.count) {
        values.append(Float(distribution.sample(&generator) * scale))
      }
    }
    return values
  }
}
