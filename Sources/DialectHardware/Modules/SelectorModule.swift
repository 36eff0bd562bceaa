import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_selector`: the two-stage selector.
  public static let selector = ModuleKind("selector")
}

/// The activation path's two-stage selector on n rounded views. Vectors: the edge cases, then
/// random views.
struct SelectorModule: ModuleDescription {
  var kind: ModuleKind { .selector }
  var summary: String { "two-stage selector: group from the maximum, member by beneficial-range counts" }
  var testbench: String? { "tb_selector" }
  var reportRole: ReportRole { [.large] }

  func applies(to book: Formatbook) -> Bool { book.dialects.count > 1 }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try SelectorGenerator(configuration: design.configuration).selector(
      groupSelect: design.module(.groupSelect).module, membership: design.moduleIfApplicable(.membership)?.module)
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    selectorVectors(for: module, in: request) { request.book.twoStageDialect(views: $0) }
  }
}

/// Vectors for a selector on n rounded views (`views_i` to `dialect_o`): the edge cases and
/// random views of ``Stimuli/viewBlocks(_:size:seed:)``, each with `choice(views)`.
func selectorVectors(
  for module: GeneratedModule, in request: VectorRequest, choice: ([Int]) -> Int
) -> ModuleVectors {
  var vectors = ModuleVectors(
    module: module, mode: .combinational, inputs: request.fields(module, ["views_i"]),
    outputs: request.fields(module, ["dialect_o"]))
  vectors.section("edge cases, then random views")
  for views in Stimuli.viewBlocks(request.count, size: request.format.blockSize, seed: request.seed &+ 2) {
    vectors.add(
      [VectorRequest.packed(views, width: 5)], [BitVector(UInt64(choice(views)), width: request.book.idWidth)])
  }
  return vectors
}
