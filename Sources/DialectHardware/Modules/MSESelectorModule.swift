import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_mse_selector`: the view-MSE selector.
  public static let mseSelector = ModuleKind("mse_selector")
}

/// The view-MSE selector: least sum of squared quarter-unit errors on the rounded views q,
/// over the whole book, ties to the lowest id. The reference the paper compares the two-stage
/// selector against; not the offline weight path, which measures the error of the real
/// encoding (the two agree on about 74 % of real blocks). Vectors: as the two-stage selector's.
struct MSESelectorModule: ModuleDescription {
  var kind: ModuleKind { .mseSelector }
  var summary: String { "view-MSE selector: least squared error on the rounded views, over the whole book" }
  var testbench: String? { "tb_selector" }
  var reportRole: ReportRole { [.large] }

  func applies(to book: Formatbook) -> Bool { book.dialects.count > 1 }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try SelectorGenerator(configuration: design.configuration).mseSelector()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    selectorVectors(for: module, in: request) { request.book.meanSquareDialect(views: $0) }
  }
}
