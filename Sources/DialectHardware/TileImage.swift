import BlockDialect
import HDL

/// The weights of a quantized tensor as the accelerator tile holds them: the load command,
/// the weight-stream beats in order (row-major blocks), and each weight bank's memory image.
/// This is how the weights a user quantized with `dialectgen quantize` become the ones the
/// hardware runs.
public struct TileImage: Sendable {
  public let configuration: HardwareConfiguration
  /// The weights as a layer of the numerics library.
  public let layer: BlockLinearLayer

  /// The image of `matrix` for the tile of `configuration`.
  ///
  /// - Throws: ``ConfigurationError`` when the matrix was quantized with another block format
  ///   than the tile's, or does not fit the tile (K not a multiple of the block size, M or K
  ///   above the tile's maxima).
  public init(matrix: QuantizedTensorReader.Matrix, configuration: HardwareConfiguration) throws {
    let format = configuration.format
    let tile = configuration.tile
    guard matrix.format == format else {
      throw ConfigurationError(
        "the weights were quantized with formatbook '\(matrix.format.formatbook.name)', block size \(matrix.format.blockSize), exponent \(matrix.format.exponentWidth) bits bias \(matrix.format.exponentBias); the tile is configured for formatbook '\(format.formatbook.name)', block size \(format.blockSize), exponent \(format.exponentWidth) bits bias \(format.exponentBias) (pass the same --formatbook, --block-size and exponent options)"
      )
    }
    guard matrix.columns % format.blockSize == 0 else {
      throw ConfigurationError(
        "the weights have K = \(matrix.columns) columns, not a multiple of the block size \(format.blockSize); pad the rows with zeros first"
      )
    }
    guard matrix.rows <= tile.maximumRows, matrix.columns <= tile.maximumColumns else {
      throw ConfigurationError(
        "the weights are \(matrix.rows) x \(matrix.columns); the tile holds at most \(tile.maximumRows) x \(tile.maximumColumns) (--tile-max-rows, --tile-max-columns)"
      )
    }
    self.configuration = configuration
    do {
      layer = try BlockLinearLayer(format: format, rows: matrix.rows, columns: matrix.columns, weights: matrix.blocks)
    } catch let error as BlockFormatError {
      throw ConfigurationError(error.description)
    }
  }

  /// The load command word.
  public var loadCommand: UInt64 {
    TileVectors.command(TileGenerator.Opcode.load.rawValue, rows: layer.rows, columns: layer.columns)
  }

  /// The weight-stream beats, in the order the tile takes them (row-major blocks).
  public var beats: [BitVector] {
    layer.weights.map { TileVectors.weightBeat($0, blockSize: configuration.format.blockSize) }
  }

  /// The weight stream as bytes in AXI4-Stream order: each beat's byte 0 first.
  public var streamBytes: [UInt8] { layer.weights.flatMap(TileVectors.weightBytes) }

  /// Each bank's memory image for `$readmemh`: one word per line, every address (words no
  /// row uses are 0); a word is (exponent, dialect id, codes) as `bd_tile_weight_memory` stores it.
  public var bankImages: [String] {
    let generator = TileGenerator(configuration: configuration)
    let format = configuration.format
    let depth = 1 << (generator.groupBits + generator.blockBits)
    var banks = [[BitVector]](
      repeating: [BitVector](repeating: BitVector(zeroOfWidth: generator.blockWidth), count: depth),
      count: configuration.tile.rows)
    for row in 0..<layer.rows {
      for block in 0..<layer.blocksPerRow {
        let weight = layer.weights[row * layer.blocksPerRow + block]
        var fields = [BitVector(UInt64(weight.exponentField), width: format.exponentWidth)]
        if format.formatbook.idWidth > 0 {
          fields.append(BitVector(UInt64(weight.dialect), width: format.formatbook.idWidth))
        }
        fields.append(VectorRequest.packed(weight.rawCodes.map(Int.init), width: 4))
        let address = (row / configuration.tile.rows) << generator.blockBits | block
        var words = [UInt64](repeating: 0, count: (generator.blockWidth + 63) / 64)
        var position = generator.blockWidth
        for field in fields {
          position -= field.width
          ModuleVectors.place(field, at: position, into: &words)
        }
        banks[row % configuration.tile.rows][address] = BitVector(width: generator.blockWidth, words: words)
      }
    }
    return banks.map { words in words.map(\.hexDigits).joined(separator: "\n") + "\n" }
  }
}
