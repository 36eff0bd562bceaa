import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_group_select`: selector stage 1.
  public static let groupSelect = ModuleKind("group_select")
}

/// Stage 1 of the online selectors: the dialect group for a block's truncated maximum h.
/// Vectors: every h. Formal: proved equal to a truth table of every h.
struct GroupSelectModule: ModuleDescription {
  var kind: ModuleKind { .groupSelect }
  var summary: String { "selector stage 1: the dialect group for a block's maximum" }
  var testbench: String? { "tb_group_select" }
  var reportRole: ReportRole { [.gateMapped] }

  func applies(to book: Formatbook) -> Bool { book.dialects.count > 1 }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try SelectorGenerator(configuration: design.configuration).groupSelect()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    var vectors = ModuleVectors(
      module: module, mode: .combinational, inputs: request.fields(module, ["maximum_i"]),
      outputs: request.fields(module, ["group_o"]))
    vectors.section("every maximum")
    for h in 0...Dialect.largestMagnitude { vectors.add([h], [request.book.groupIndex(forTruncatedMaximum: h)]) }
    return vectors
  }

  func formalReference(
    for module: GeneratedModule, named name: String, configuration: HardwareConfiguration
  ) -> String? {
    FormalReferences(book: configuration.format.formatbook).groupSelect(name: name)
  }
}
