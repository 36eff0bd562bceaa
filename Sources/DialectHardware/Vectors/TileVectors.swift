import BlockDialect
import HDL

/// A session for the tile's testbench: a sequence of commands, the weight and activation
/// beats they consume, and the result and status beats the numerics library predicts. The
/// harness `testbenches/tb_tile.v` offers each input stream's beats in order (with random
/// bubbles) and checks each output stream's beats in order (with random back-pressure).
public struct TileVectors: TestbenchData {
  public let module: GeneratedModule
  public let configuration: HardwareConfiguration
  /// Command beats.
  public private(set) var commands: [UInt64] = []
  /// Weight beats: data and tlast.
  public private(set) var weightBeats: [(data: BitVector, last: Bool)] = []
  /// Activation beats: data and tlast.
  public private(set) var activationBeats: [(data: BitVector, last: Bool)] = []
  /// Expected result beats.
  public private(set) var results: [(data: BitVector, keep: BitVector, last: Bool)] = []
  /// Expected status beats.
  public private(set) var statuses: [UInt32] = []
  /// What each command was, for the log.
  public private(set) var descriptions: [String] = []

  /// The weights loaded by the last successful load (what a run computes with).
  var loaded: BlockLinearLayer?
  let generator: TileGenerator
  let quantizer: BlockQuantizer

  public init(module: GeneratedModule, configuration: HardwareConfiguration) {
    self.module = module
    self.configuration = configuration
    generator = TileGenerator(configuration: configuration)
    quantizer = BlockQuantizer(
      format: configuration.format, selector: configuration.selector.dialectSelector, input: configuration.input,
      neighborCost: configuration.neighborCost)
  }

  public var count: Int { results.count + statuses.count }
  public var modeName: String { "tile" }
  var tile: TileParameters { configuration.tile }
  var n: Int { configuration.format.blockSize }

  /// The command word: opcode, M, K and V.
  public static func command(_ opcode: Int, rows: Int, columns: Int, vectors: Int = 0) -> UInt64 {
    UInt64(opcode & 0xF) | UInt64(rows & 0xFFFF) << 16 | UInt64(columns & 0xFFFF) << 32 | UInt64(vectors & 0xFFFF) << 48
  }

  /// The status the tile gives a command word before any data moves (``TileGenerator/Status``).
  func refusal(_ word: UInt64) -> TileGenerator.Status? {
    let opcode = Int(word & 0xF)
    let rows = Int((word >> 16) & 0xFFFF)
    let columns = Int((word >> 32) & 0xFFFF)
    let vectors = Int(word >> 48)
    let isRun = opcode == TileGenerator.Opcode.run.rawValue
    if opcode != TileGenerator.Opcode.load.rawValue && !isRun { return .badOpcode }
    if rows == 0 || rows > tile.maximumRows { return .badRows }
    if columns < n || columns > tile.maximumColumns || columns % n != 0 { return .badColumns }
    if isRun && vectors == 0 { return .noVectors }
    if isRun {
      let loadedColumns = loaded?.columns ?? 0
      let loadedRows = loaded?.rows ?? 0
      if columns != loadedColumns || rows > loadedRows { return .shapeMismatch }
    }
    return nil
  }

  /// A command the tile refuses: no data moves, the status names why.
  public mutating func refused(_ word: UInt64, because expected: TileGenerator.Status) {
    precondition(refusal(word) == expected, "the tile would give \(String(describing: refusal(word))), not \(expected)")
    commands.append(word)
    statuses.append(UInt32(word & 0xF) | UInt32(expected.rawValue) << 4)
    descriptions.append("refused \(expected)")
  }

  /// A weight beat: the codes (two per byte, element 2j in the low nibble), the dialect byte
  /// and the exponent byte: the AXI4-Stream byte order of docs/tile.md.
  public static func weightBeat(_ block: PackedBlock, blockSize n: Int) -> BitVector {
    beat(bytes: weightBytes(block), width: 8 * (n / 2 + 2))
  }

  /// A weight beat's bytes in AXI4-Stream order (byte 0 first): the codes two per byte, then
  /// the dialect byte, then the exponent byte.
  public static func weightBytes(_ block: PackedBlock) -> [UInt8] {
    packedCodes(block.rawCodes) + [UInt8(block.dialect), UInt8(block.exponentField)]
  }

  /// Codes two per byte, element 2j in the low nibble.
  static func packedCodes(_ codes: [UInt8]) -> [UInt8] {
    stride(from: 0, to: codes.count, by: 2).map { codes[$0] | codes[$0 + 1] << 4 }
  }

  /// Bytes as a beat: byte i in bits 8i+7..8i.
  static func beat(bytes: [UInt8], width: Int) -> BitVector {
    var words = [UInt64](repeating: 0, count: (width + 63) / 64)
    for (index, byte) in bytes.enumerated() { words[index / 8] |= UInt64(byte) << UInt64(8 * (index % 8)) }
    return BitVector(width: width, words: words)
  }

  /// Loads `layer`; with `misplacedLast`, tlast is set on that beat instead of the last (the
  /// status reports it; the weights load all the same).
  public mutating func load(_ layer: BlockLinearLayer, misplacedLast: Int? = nil) {
    let word = Self.command(TileGenerator.Opcode.load.rawValue, rows: layer.rows, columns: layer.columns)
    precondition(refusal(word) == nil, "the tile would refuse loading \(layer.rows) x \(layer.columns)")
    commands.append(word)
    let lastIndex = misplacedLast ?? layer.weights.count - 1
    for (index, block) in layer.weights.enumerated() {
      weightBeats.append((Self.weightBeat(block, blockSize: n), index == lastIndex))
    }
    let framing = misplacedLast.map { $0 != layer.weights.count - 1 } ?? false
    statuses.append(UInt32(TileGenerator.Opcode.load.rawValue) | (framing ? 1 << 9 : 0))
    descriptions.append("load \(layer.rows) x \(layer.columns)\(framing ? " (misplaced tlast)" : "")")
    loaded = layer
  }

  /// Runs `vectors` (each K raw input-format elements) through the first `rows` rows of the
  /// loaded weights.
  public mutating func run(rows: Int, vectors: [[UInt16]]) {
    guard let layer = loaded else { preconditionFailure("run before a load") }
    let word = Self.command(
      TileGenerator.Opcode.run.rawValue, rows: rows, columns: layer.columns, vectors: vectors.count)
    precondition(refusal(word) == nil, "the tile would refuse running \(rows) rows")
    commands.append(word)
    let input = configuration.input
    var overflow = false
    let resultWidth = tile.output.bitWidth
    let format: ElementFormat = tile.output == .float32 ? .float32 : (tile.output == .float16 ? .float16 : .bfloat16)
    for vector in vectors {
      precondition(vector.count == layer.columns)
      for block in 0..<layer.blocksPerRow {
        let elements = vector[(block * n)..<(block * n + n)]
        let bytes = elements.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        activationBeats.append(
          (Self.beat(bytes: bytes, width: generator.activationBeatWidth), block == layer.blocksPerRow - 1))
      }
      let y = layer.apply(
        vector.map { input.decode(UInt32($0)) }, quantizer: quantizer, accumulatorWidth: configuration.accumulatorWidth,
        rows: rows)
      let groups = tile.groups(rows)
      for group in 0..<groups {
        var words = [UInt64](repeating: 0, count: (resultWidth * tile.rows + 63) / 64)
        var keep = [UInt64](repeating: 0, count: (resultWidth / 8 * tile.rows + 63) / 64)
        for unit in 0..<tile.rows where group * tile.rows + unit < rows {
          let result = y[group * tile.rows + unit]
          overflow = overflow || result.overflow
          let bits = UInt64(ResultRounding.bits(of: result.float32, as: format))
          let position = unit * resultWidth
          words[position / 64] |= bits << UInt64(position % 64)
          let keepBits = resultWidth / 8
          let keepPosition = unit * keepBits
          keep[keepPosition / 64] |= ((UInt64(1) << UInt64(keepBits)) - 1) << UInt64(keepPosition % 64)
        }
        results.append(
          (
            BitVector(width: resultWidth * tile.rows, words: words),
            BitVector(width: resultWidth / 8 * tile.rows, words: keep), group == groups - 1
          ))
      }
    }
    statuses.append(UInt32(TileGenerator.Opcode.run.rawValue) | (overflow ? 1 << 8 : 0))
    descriptions.append("run \(rows) x \(layer.columns), \(vectors.count) vector(s)")
  }

  // MARK: Files

  public func files(directory: String) -> [(name: String, contents: String)] {
    func hex(_ rows: [[BitVector]], width: Int) -> String { ModuleVectors.hexLines(rows, width: width) }
    let weightWidth = generator.weightBeatWidth
    let activationWidth = generator.activationBeatWidth
    let resultWidth = generator.resultBeatWidth
    let keepWidth = resultWidth / 8
    let header =
      [
        "// Golden session for \(module.module.name), written by dialectgen \(dialectgenVersion); do not edit.",
        "`define DUT \(module.module.name)",
        "`define DUT_NAME \"\(module.module.name)\"",
        "`define COMMAND_COUNT \(commands.count)",
        "`define WEIGHT_COUNT \(weightBeats.count)",
        "`define ACTIVATION_COUNT \(activationBeats.count)",
        "`define RESULT_COUNT \(results.count)",
        "`define STATUS_COUNT \(statuses.count)",
        "`define WEIGHT_BITS \(weightWidth)",
        "`define ACTIVATION_BITS \(activationWidth)",
        "`define RESULT_BITS \(resultWidth)",
        "`define KEEP_BITS \(keepWidth)",
        "`define COMMAND_FILE \"\(directory)/commands.hex\"",
        "`define WEIGHT_FILE \"\(directory)/weights.hex\"",
        "`define ACTIVATION_FILE \"\(directory)/activations.hex\"",
        "`define RESULT_FILE \"\(directory)/results.hex\"",
        "`define STATUS_FILE \"\(directory)/statuses.hex\"",
      ] + descriptions.enumerated().map { "// command \($0.offset): \($0.element)" }
    // Every file holds at least one line, so that $readmemh always has something to read.
    func atLeastOne(_ text: String, width: Int) -> String {
      text.isEmpty ? BitVector(zeroOfWidth: width).hexDigits + "\n" : text
    }
    return [
      ("config.vh", header.joined(separator: "\n") + "\n"),
      ("commands.hex", atLeastOne(hex(commands.map { [BitVector($0, width: 64)] }, width: 64), width: 64)),
      (
        "weights.hex",
        atLeastOne(
          hex(weightBeats.map { [BitVector($0.last ? 1 : 0, width: 1), $0.data] }, width: weightWidth + 1),
          width: weightWidth + 1)
      ),
      (
        "activations.hex",
        atLeastOne(
          hex(activationBeats.map { [BitVector($0.last ? 1 : 0, width: 1), $0.data] }, width: activationWidth + 1),
          width: activationWidth + 1)
      ),
      (
        "results.hex",
        atLeastOne(
          hex(
            results.map { [BitVector($0.last ? 1 : 0, width: 1), $0.keep, $0.data] },
            width: resultWidth + keepWidth + 1), width: resultWidth + keepWidth + 1)
      ),
      ("statuses.hex", atLeastOne(hex(statuses.map { [BitVector(UInt64($0), width: 32)] }, width: 32), width: 32)),
    ]
  }

  // MARK: The random session of `dialectgen vectors`

  /// A session that exercises every command path on small random layers: a run before any
  /// load, every kind of refused command, loads of two shapes (one with a misplaced tlast),
  /// runs of several vectors, a run of fewer rows than loaded.
  public static func randomSession(
    for module: GeneratedModule, configuration: HardwareConfiguration, seed: UInt64
  ) -> TileVectors {
    var session = TileVectors(module: module, configuration: configuration)
    var random = SeededGenerator(seed: seed &+ 7)
    let tile = configuration.tile
    let n = configuration.format.blockSize
    let maximumBlocks = tile.maximumColumns / n
    func layer(rows: Int, blocks: Int) -> BlockLinearLayer {
      let format = configuration.format
      let weights = (0..<(rows * blocks)).map { _ in
        try! PackedBlock(
          exponentField: Int(random.next() % UInt64(format.maximumExponentField + 1)),
          dialect: Int(random.next() % UInt64(format.formatbook.dialects.count)),
          rawCodes: (0..<n).map { _ in
            let code = UInt8(random.next() % 16)
            return code == 8 ? 0 : code
          }, format: format)
      }
      return try! BlockLinearLayer(format: format, rows: rows, columns: blocks * n, weights: weights)
    }
    func vectors(_ count: Int, columns: Int) -> [[UInt16]] {
      (0..<count).map { index in
        Stimuli.randomElementBlocks(columns / n, size: n, input: configuration.input, seed: seed &+ UInt64(97 * index))
          .flatMap { $0 }
      }
    }
    let rows1 = min(tile.maximumRows, 2 * tile.rows + 1)
    let blocks1 = min(maximumBlocks, 3)
    let opcode = (load: TileGenerator.Opcode.load.rawValue, run: TileGenerator.Opcode.run.rawValue)
    session.refused(command(opcode.run, rows: 1, columns: n, vectors: 1), because: .shapeMismatch)
    session.load(layer(rows: rows1, blocks: blocks1))
    session.run(rows: rows1, vectors: vectors(3, columns: blocks1 * n))
    session.refused(command(7, rows: 1, columns: n), because: .badOpcode)
    session.refused(command(opcode.load, rows: 0, columns: n), because: .badRows)
    session.refused(command(opcode.load, rows: tile.maximumRows + 1, columns: n), because: .badRows)
    session.refused(command(opcode.load, rows: 1, columns: n + 1), because: .badColumns)
    session.refused(command(opcode.load, rows: 1, columns: tile.maximumColumns + n), because: .badColumns)
    session.refused(command(opcode.run, rows: rows1, columns: blocks1 * n, vectors: 0), because: .noVectors)
    session.refused(command(opcode.run, rows: rows1 + 1, columns: blocks1 * n, vectors: 1), because: .shapeMismatch)
    let rows2 = min(tile.maximumRows, tile.rows + 2)
    let blocks2 = min(maximumBlocks, 2)
    let second = layer(rows: rows2, blocks: blocks2)
    session.load(second, misplacedLast: second.weights.count > 1 ? 0 : nil)
    session.run(rows: rows2, vectors: vectors(2, columns: blocks2 * n))
    session.run(rows: max(1, rows2 - tile.rows), vectors: vectors(4, columns: blocks2 * n))
    session.load(layer(rows: 1, blocks: 1))
    session.run(rows: 1, vectors: vectors(2, columns: n))
    return session
  }
}

extension TileVectors {
  /// A session that loads `image` and runs `vectors` (raw input-format elements, K each)
  /// through its first `rows` rows (all by default): what `dialectgen tile-vectors` writes for
  /// a real layer.
  public static func session(
    for module: GeneratedModule, image: TileImage, vectors: [[UInt16]], rows: Int? = nil
  ) -> TileVectors {
    var session = TileVectors(module: module, configuration: image.configuration)
    session.load(image.layer)
    // A run takes at most 65535 vectors; longer lists are split.
    for start in stride(from: 0, to: vectors.count, by: 0xFFFF) {
      session.run(rows: rows ?? image.layer.rows, vectors: Array(vectors[start..<min(vectors.count, start + 0xFFFF)]))
    }
    return session
  }
}
