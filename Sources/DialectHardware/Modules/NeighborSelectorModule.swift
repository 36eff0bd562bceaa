import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_neighbor_selector`: the neighbour-group selector.
  public static let neighborSelector = ModuleKind("neighbor_selector")
}

/// The neighbour-group online selector on n rounded views. Vectors: the edge cases, then random
/// views, each with the numerics library's choice.
struct NeighborSelectorModule: ModuleDescription {
  var kind: ModuleKind { .neighborSelector }
  var summary: String { "neighbour-group selector: stage-1 group and the next lower, least saturated squared error" }
  var testbench: String? { "tb_selector" }
  var reportRole: ReportRole { [.large, .fastMapping] }

  func applies(to book: Formatbook) -> Bool { book.dialects.count > 1 }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try NeighborSelectorGenerator(configuration: design.configuration).selector(
      groupSelect: design.module(.groupSelect).module, errors: design.module(.neighborErrors).module)
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    selectorVectors(for: module, in: request) {
      request.book.neighborGroupDialect(views: $0, cost: request.configuration.neighborCost)
    }
  }
}
