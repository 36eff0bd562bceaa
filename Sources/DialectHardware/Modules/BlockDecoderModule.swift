import BlockDialect
import HDL

extension ModuleKind {
  /// `bd_block_decoder`: a block's n codes to signed half-unit values.
  public static let blockDecoder = ModuleKind("block_decoder")
}

/// The n-lane decoder sharing one dialect table. Vectors: every code in every lane for each
/// dialect, then random blocks.
struct BlockDecoderModule: ModuleDescription {
  var kind: ModuleKind { .blockDecoder }
  var summary: String { "a block's n codes to signed half-unit values, one shared dialect table" }
  var testbench: String? { "tb_block_decoder" }
  var reportRole: ReportRole { [.datapathStyles] }

  func build(in design: DesignBuilder) throws -> GeneratedModule {
    try DecoderGenerator(configuration: design.configuration).blockDecoder()
  }

  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)? {
    let book = request.book
    let n = request.format.blockSize
    var vectors = ModuleVectors(
      module: module, mode: .combinational, inputs: request.fields(module, ["dialect_i", "codes_i"]),
      outputs: request.fields(module, ["values_o"]))
    let valueWidth = DecoderGenerator(configuration: request.configuration).valueWidth
    func add(_ dialect: Int, _ codes: [Int]) {
      let values = codes.map { book.halfUnits(dialect: dialect, code: UInt8($0)) }
      var inputs = [VectorRequest.packed(codes, width: 4)]
      if book.idWidth > 0 { inputs.insert(BitVector(UInt64(dialect), width: book.idWidth), at: 0) }
      vectors.add(inputs, [VectorRequest.packed(values, width: valueWidth)])
    }
    vectors.section("every code in every lane, each dialect")
    for dialect in book.dialects.indices {
      for shift in 0..<16 { add(dialect, (0..<n).map { ($0 + shift) % 16 }) }
    }
    vectors.section("random blocks")
    var random = SeededGenerator(seed: request.seed)
    for _ in 0..<min(request.count, 20_000) {
      add(Int(random.next() % UInt64(book.dialects.count)), (0..<n).map { _ in Int(random.next() % 16) })
    }
    return vectors
  }
}
