import BlockDialect
import HDL

/// The online selectors the block quantizer can be built with (`--selector`, config key
/// `selector`).
public enum OnlineSelector: String, Sendable, CaseIterable {
  /// The paper's two-stage selector: the group from the block maximum, then the member whose
  /// beneficial range holds the most elements.
  case twoStage = "two-stage"
  /// The neighbour-group selector: the stage-1 group and the next lower group, by the least sum
  /// of saturated squared view errors.
  case neighbor

  /// The numerics library's rule for this selector: the golden model.
  public var dialectSelector: DialectSelector {
    switch self {
    case .twoStage: return .twoStage
    case .neighbor: return .neighborGroups
    }
  }
}

/// An online selector as logic inside a module: the block quantizer builds whichever the
/// configuration names through this, with the selector's two pipeline boundaries.
protocol OnlineSelectorLogic {
  /// Its boundaries, in datapath order: after the per-element stage, after the block sums.
  var boundaries: (perElement: String, sums: String) { get }

  /// The dialect for the rounded views, carrying `carried` across the boundaries.
  func choose<Carried: SignalBundle>(
    in m: ModuleBuilder, views: [Signal], pipeline: Pipeline?, carrying carried: Carried
  ) -> (dialect: Signal, carried: Carried)
}

/// The two-stage selector's logic (``SelectorGenerator/selectorLogic(in:views:groupSelect:membership:pipeline:carrying:)``).
struct TwoStageLogic: OnlineSelectorLogic {
  let generator: SelectorGenerator
  let groupSelect: Module
  let membership: Module?

  var boundaries: (perElement: String, sums: String) { ("membership", "count") }

  func choose<Carried: SignalBundle>(
    in m: ModuleBuilder, views: [Signal], pipeline: Pipeline?, carrying carried: Carried
  ) -> (dialect: Signal, carried: Carried) {
    generator.selectorLogic(
      in: m, views: views, groupSelect: groupSelect, membership: membership, pipeline: pipeline, carrying: carried)
  }
}

/// The neighbour-group selector's logic (``NeighborSelectorGenerator/selectorLogic(in:views:groupSelect:errors:pipeline:carrying:)``).
struct NeighborLogic: OnlineSelectorLogic {
  let generator: NeighborSelectorGenerator
  let groupSelect: Module
  let errors: Module

  var boundaries: (perElement: String, sums: String) { ("errors", "sums") }

  func choose<Carried: SignalBundle>(
    in m: ModuleBuilder, views: [Signal], pipeline: Pipeline?, carrying carried: Carried
  ) -> (dialect: Signal, carried: Carried) {
    generator.selectorLogic(
      in: m, views: views, groupSelect: groupSelect, errors: errors, pipeline: pipeline, carrying: carried)
  }
}

extension DesignBuilder {
  /// The logic of the configured online selector, with the units it instantiates; nil for a
  /// book of one dialect (nothing to select).
  func onlineSelector() throws -> (any OnlineSelectorLogic)? {
    guard configuration.format.formatbook.dialects.count > 1 else { return nil }
    let groupSelect = try module(.groupSelect).module
    switch configuration.selector {
    case .twoStage:
      return TwoStageLogic(
        generator: SelectorGenerator(configuration: configuration), groupSelect: groupSelect,
        membership: try moduleIfApplicable(.membership)?.module)
    case .neighbor:
      return NeighborLogic(
        generator: NeighborSelectorGenerator(configuration: configuration), groupSelect: groupSelect,
        errors: try module(.neighborErrors).module)
    }
  }
}
