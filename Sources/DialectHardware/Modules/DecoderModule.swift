import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_decoder`: one code to its signed half-unit value.
  public static let decoder = ModuleKind("decoder")
}

/// The one-lane decoder: (dialect id, code) to `+-m_D[k]`. Vectors: every (dialect, code).
/// Formal: proved equal to a truth table of every (dialect, code).
struct DecoderModule: ModuleDescription {
  var kind: ModuleKind { .decoder }
  var summary: String { "one code to its signed half-unit value" }
  var testbench: String? { "tb_decoder" }
  var reportRole: ReportRole { [.gateMapped, .datapathStyles] }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try DecoderGenerator(configuration: design.configuration).oneLane()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let book = request.book
    var vectors = ModuleVectors(
      module: module, mode: .combinational, inputs: request.fields(module, ["dialect_i", "code_i"]),
      outputs: request.fields(module, ["value_o"]))
    vectors.section("every (dialect, code)")
    for dialect in book.dialects.indices {
      for code in 0..<16 {
        let inputs = book.idWidth > 0 ? [dialect, code] : [code]
        vectors.add(inputs, [book.halfUnits(dialect: dialect, code: UInt8(code))])
      }
    }
    return vectors
  }

  func formalReference(
    for module: GeneratedModule, named name: String, configuration: HardwareConfiguration
  ) -> String? {
    FormalReferences(book: configuration.format.formatbook).decoder(name: name)
  }
}
