import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_neighbor_errors`: the neighbour-group selector's per-element unit.
  public static let neighborErrors = ModuleKind("neighbor_errors")
}

/// The neighbour-group selector for one element: every candidate slot's residual error, a
/// table on (group, q) from ``NeighborGroupTables``. Vectors: every (group, q). Formal: proved
/// equal to a truth table of every (group, q).
struct NeighborErrorsModule: ModuleDescription {
  var kind: ModuleKind { .neighborErrors }
  var summary: String { "neighbour-group selector for one element: each candidate's residual error" }
  var testbench: String? { "tb_neighbor_errors" }
  var reportRole: ReportRole { [.gateMapped] }

  func applies(to book: Formatbook) -> Bool { book.dialects.count > 1 }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try NeighborSelectorGenerator(configuration: design.configuration).errors()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let tables = NeighborGroupTables(book: request.book, cost: request.configuration.neighborCost)
    var vectors = ModuleVectors(
      module: module, mode: .combinational, inputs: request.fields(module, ["group_i", "view_i"]),
      outputs: request.fields(module, ["residuals_o"]))
    vectors.section("every (group, q)")
    for group in request.book.groups.indices {
      for q in 0..<Formatbook.quarterUnitViewCount {
        let residuals = (0..<tables.slotCount).map { tables.residuals[group][$0][q] }
        vectors.add(
          [BitVector(UInt64(group), width: vectors.inputs[0].width), BitVector(UInt64(q), width: 5)],
          [VectorRequest.packed(residuals, width: tables.residualWidth)])
      }
    }
    return vectors
  }

  func formalReference(
    for module: GeneratedModule, named name: String, configuration: HardwareConfiguration
  ) -> String? {
    FormalReferences(book: configuration.format.formatbook).neighborErrors(
      name: name, cost: configuration.neighborCost)
  }
}
