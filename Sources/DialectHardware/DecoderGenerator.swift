import BlockDialect
import HDL

/// The scaled-integer decoders: (dialect id, 4-bit code) to a signed half-unit integer
/// `+-m_D[k]` (docs/numerics.md, Decoding).
///
/// - ``oneLane()``: one code.
/// - ``blockDecoder()``: n codes of one block; the dialect's magnitudes are looked up once and
///   shared by every lane, each lane then only picks one of eight.
public struct DecoderGenerator: Sendable {
  public let configuration: HardwareConfiguration
  /// The book to decode.
  public var book: Formatbook { configuration.format.formatbook }

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
  }

  var table: MagnitudeTable { MagnitudeTable(book: book, style: configuration.datapathStyle) }
  /// Width of a decoded value: sign plus magnitude.
  public var valueWidth: Int { table.magnitudeWidth + 1 }

  /// The one-lane decoder `bd_decoder`.
  public func oneLane() throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("bd_decoder"))
    let dialect =
      book.idWidth > 0 ? m.input("dialect_i", width: book.idWidth, comment: "dialect id of the block") : nil
    let code = m.input("code_i", width: 4, comment: "code: bit 3 sign, bits 2..0 magnitude index")
    let (sign, index) = MagnitudeTable.fields(of: code)
    let shared = table.shared(in: m, dialect: dialect, prefix: "magnitude")
    let magnitude = table.magnitude(in: m, "magnitude", dialect: dialect, index: index, shared: shared)
    m.output(
      "value_o", table.signedValue(sign: sign, magnitude: magnitude),
      comment: "signed value in half-units: +-m_D[k]")
    return try m.generated(
      .decoder, generator: "DecoderGenerator.oneLane",
      summary: "Decoder, one lane: (dialect id, 4-bit code) to a signed half-unit value",
      throughput: "1 code per evaluation",
      parameters: [configuration.bookParameter()] + configuration.datapathParameters)
  }

  /// The n-lane decoder `bd_block_decoder`: one table lookup per block, shared.
  public func blockDecoder() throws -> GeneratedModule {
    let n = configuration.format.blockSize
    let m = ModuleBuilder(configuration.moduleName("bd_block_decoder"))
    let dialect =
      book.idWidth > 0 ? m.input("dialect_i", width: book.idWidth, comment: "dialect id of the block") : nil
    let codes = m.input("codes_i", width: 4 * n, comment: "n codes, element i in bits 4i+3..4i")
    let shared = table.shared(in: m, dialect: dialect, prefix: "magnitude")
    let values = (0..<n).map { lane -> Signal in
      let (sign, index) = MagnitudeTable.fields(of: codes[(4 * lane)...(4 * lane + 3)])
      let magnitude = table.magnitude(in: m, "lane\(lane)_magnitude", dialect: dialect, index: index, shared: shared)
      return table.signedValue(sign: sign, magnitude: magnitude)
    }
    m.output(
      "values_o", concatenate(values.reversed()),
      comment: "n signed values, lane i in bits \(valueWidth)i+\(valueWidth - 1)..\(valueWidth)i")
    return try m.generated(
      .blockDecoder, generator: "DecoderGenerator.blockDecoder",
      summary: "Decoder, \(n) lanes sharing one dialect table: a block's codes to signed half-unit values",
      throughput: "1 block per evaluation",
      parameters: [configuration.bookParameter(), configuration.blockSizeParameter] + configuration.datapathParameters)
  }
}
