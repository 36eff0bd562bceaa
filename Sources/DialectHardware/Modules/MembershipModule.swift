import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_membership`: selector stage 2 for one element.
  public static let membership = ModuleKind("membership")
}

/// Stage 2 of the two-stage selector for one element: for each member of the group, whether
/// q lies in its beneficial range. Vectors: every (group, q). Formal: proved equal to a truth
/// table of every (group, q).
struct MembershipModule: ModuleDescription {
  var kind: ModuleKind { .membership }
  var summary: String { "selector stage 2 for one element: beneficial-range membership" }
  var testbench: String? { "tb_membership" }

  func applies(to book: Formatbook) -> Bool { book.groups.contains { $0.members.count > 1 } }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try SelectorGenerator(configuration: design.configuration).membership()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let book = request.book
    var vectors = ModuleVectors(
      module: module, mode: .combinational, inputs: request.fields(module, ["group_i", "view_i"]),
      outputs: request.fields(module, ["members_o"]))
    vectors.section("every (group, q)")
    for (index, group) in book.groups.enumerated() {
      for q in 0..<Formatbook.quarterUnitViewCount {
        vectors.add([index, q], [book.memberBits(group: index, view: q)])
      }
    }
    return vectors
  }

  func formalReference(
    for module: GeneratedModule, named name: String, configuration: HardwareConfiguration
  ) -> String? {
    FormalReferences(book: configuration.format.formatbook).membership(name: name)
  }
}
