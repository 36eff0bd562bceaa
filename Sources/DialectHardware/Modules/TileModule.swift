import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_tile`: the accelerator tile.
  public static let tile = ModuleKind("tile")
}

/// The accelerator tile: R block-dot units around weight banks and a double-buffered,
/// online-quantized activation buffer, behind AXI4-Stream interfaces (``TileGenerator``).
/// Vectors: a command sequence (loads, runs of several vectors, refused commands) with random
/// weights and activations, every result and status from the numerics library's model of the
/// tile (``TileModel``).
struct TileModule: ModuleDescription {
  var kind: ModuleKind { .tile }
  var summary: String { "accelerator tile: y = W x on R block-dot units, AXI4-Stream interfaces" }
  var testbench: String? { "tb_tile" }
  var reportRole: ReportRole { [.large, .memories] }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try TileGenerator(configuration: design.configuration).build(
      dot: design.module(.blockDot).module, quantizer: design.module(.blockQuantizer).module)
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    TileVectors.randomSession(for: module, configuration: request.configuration, seed: request.seed)
  }
}
