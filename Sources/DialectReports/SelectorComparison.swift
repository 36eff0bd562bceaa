import BlockDialect
import DialectHardware
import Foundation

/// The accuracy side of the online-selector comparison: each selector's SQNR gap to the
/// offline weight path on the distributions of docs/numerics.md (2^20 seeded samples each),
/// computed with the numerics library (the golden model of every selector's hardware).
public struct SelectorAccuracy: Sendable {
  /// A selector measured: its name in the report, the hardware module that implements it, and
  /// the rule.
  public struct Selector: Sendable {
    public let name: String
    public let kind: ModuleKind
    public let rule: DialectSelector
    /// The neighbour-group cost (the specified one unless this is an alternative).
    public let cost: NeighborCost
    /// The report variant whose `kind` entry is this selector's hardware.
    public var variant: String {
      cost == .specified ? "design" : "neighbor-\(Self.variantName(cost))"
    }

    static func variantName(_ cost: NeighborCost) -> String {
      switch cost {
      case .squared(let limit): return "squared\(limit)"
      case .absolute(let limit): return "absolute\(limit)"
      }
    }
  }

  /// The selectors: the two-stage, the neighbour-group (as specified, and the alternative costs
  /// measured against it) and the view-MSE selector.
  public static let selectors: [Selector] =
    [
      Selector(name: "two-stage", kind: .selector, rule: .twoStage, cost: .specified),
      Selector(
        name: "neighbour-group, min(err, 7)^2 (specified)", kind: .neighborSelector, rule: .neighborGroups,
        cost: .specified),
    ]
    + alternativeCosts.map {
      Selector(name: "neighbour-group, \($0) (alternative)", kind: .neighborSelector, rule: .neighborGroups, cost: $0)
    } + [Selector(name: "view-MSE (whole book)", kind: .mseSelector, rule: .viewMeanSquare, cost: .specified)]

  /// The neighbour-group costs measured against the specified one: a lower saturation, and the
  /// error itself instead of its square.
  public static let alternativeCosts: [NeighborCost] = [.squared(limit: 3), .absolute(limit: 7), .absolute(limit: 3)]

  /// Samples per distribution, and their seed.
  public static let sampleCount = 1 << 20
  public static let seed: UInt64 = 5

  /// Per distribution: the weight path's SQNR and each selector's gap to it (dB), in the order
  /// of ``selectors``.
  public let rows: [(distribution: SampleDistribution, weight: Double, gaps: [Double])]

  /// Measures every selector on every distribution for `format`.
  public static func measure(format: BlockFormat) -> SelectorAccuracy {
    SelectorAccuracy(
      rows: SampleDistribution.allCases.map { distribution in
        let values = distribution.samples(sampleCount, seed: seed)
        func sqnr(_ rule: DialectSelector, _ cost: NeighborCost) -> Double {
          BlockQuantizer(format: format, selector: rule, neighborCost: cost).errorStatistics(of: values).sqnr
        }
        let weight = sqnr(.leastSquares, .specified)
        return (distribution, weight, selectors.map { weight - sqnr($0.rule, $0.cost) })
      })
  }
}
