import BlockDialect
import DialectHardware
import Foundation
import HDL

/// What the tile commands share: the quantized weights, the activations, the configuration.
enum TileInputs {
  static let weightOptions = [
    OptionSpec(
      name: "--weight-tensor", kind: .value("NAME"),
      help: "the quantized tensor to use (default: the file's only one)")
  ]
  static let activationOptions = [
    OptionSpec(
      name: "--activation-tensor", kind: .value("NAME"),
      help: "the activation tensor, [V, K] or [K] (default: the file's only float tensor)"),
    OptionSpec(name: "--rows", kind: .value("M"), help: "compute only the first M rows (default: all)"),
    OptionSpec(name: "--vectors", kind: .value("V"), help: "use only the first V activation vectors (default: all)"),
  ]

  /// The weights of a `dialectgen quantize` output as the configured tile holds them.
  static func image(_ path: String, tensor: String?, configuration: HardwareConfiguration) throws -> TileImage {
    let file = try SafetensorsFile(path: path)
    let names = try QuantizedTensorReader.tensorNames(in: file)
    let name: String
    if let tensor {
      guard names.contains(tensor) else {
        throw UsageError(
          "--weight-tensor '\(SafeText.escape(tensor))' is not a quantized tensor of \(SafeText.path(path)); it holds: \(names.prefix(8).map { SafeText.escape($0) }.joined(separator: ", "))"
        )
      }
      name = tensor
    } else {
      guard names.count == 1 else {
        throw UsageError(
          "\(SafeText.path(path)) holds \(names.count) quantized tensors; choose one with --weight-tensor (\(names.prefix(8).map { SafeText.escape($0) }.joined(separator: ", ")))"
        )
      }
      name = names[0]
    }
    // Refuse a matrix the tile cannot hold before reading its blocks (memory stays bounded).
    let shape = try QuantizedTensorReader.shape(of: name, in: file)
    let tile = configuration.tile
    guard shape.rows <= tile.maximumRows, shape.columns <= tile.maximumColumns else {
      throw CommandFailure(
        "\(SafeText.path(path)): tensor \"\(SafeText.escape(name))\" is \(shape.rows) x \(shape.columns); the tile holds at most \(tile.maximumRows) x \(tile.maximumColumns) (--tile-max-rows, --tile-max-columns)"
      )
    }
    let matrix = try QuantizedTensorReader.matrix(name, in: file)
    do {
      return try TileImage(matrix: matrix, configuration: configuration)
    } catch let error as ConfigurationError {
      throw CommandFailure("\(SafeText.path(path)): tensor \"\(SafeText.escape(name))\": \(error.description)")
    }
  }

  /// The activation vectors (raw bits of the configured input format).
  /// Only the first `--vectors` rows are read, and at most ``largestVectorCount``.
  static func vectors(
    _ path: String, tensor: String?, columns: Int, configuration: HardwareConfiguration, arguments: ParsedArguments
  ) throws -> [[UInt16]] {
    let source = try openTensorFile(path)
    let floats = source.floatEntries
    let entry: TensorEntry
    if let tensor {
      guard let match = floats.first(where: { $0.name == tensor }) else {
        throw UsageError(
          "--activation-tensor '\(SafeText.escape(tensor))' is not a float tensor of \(SafeText.path(path))")
      }
      entry = match
    } else {
      guard floats.count == 1 else {
        throw UsageError(
          "\(SafeText.path(path)) holds \(floats.count) float tensors; choose one with --activation-tensor")
      }
      entry = floats[0]
    }
    let input = configuration.input
    guard entry.elementFormat == input else {
      throw CommandFailure(
        "\(SafeText.path(path)): tensor \"\(SafeText.escape(entry.name))\" is \(SafeText.escape(entry.dtype)); the tile takes \(input.rawValue) activations (--input fp16 or bf16)"
      )
    }
    guard entry.shape.count == 1 || entry.shape.count == 2, entry.shape.last == columns else {
      throw CommandFailure(
        "\(SafeText.path(path)): tensor \"\(SafeText.escape(entry.name))\" has shape \(shapeText(entry.shape)); the weights need [V, \(columns)] or [\(columns)]"
      )
    }
    let available = entry.elementCount / columns
    guard available > 0 else {
      throw CommandFailure("\(SafeText.path(path)): tensor \"\(SafeText.escape(entry.name))\" holds no vectors")
    }
    let wanted = try arguments.integer("--vectors", default: available, in: 1...available)
    guard wanted <= largestVectorCount else {
      throw UsageError(
        "\(SafeText.path(path)): tensor \"\(SafeText.escape(entry.name))\" holds \(available) vectors; a run takes at most \(largestVectorCount) (the command's 16-bit V): choose fewer with --vectors"
      )
    }
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: wanted * columns)
    defer { buffer.deallocate() }
    try source.readFloats(entry, elements: 0..<(wanted * columns), into: buffer)
    let bits = buffer.map { input == .float16 ? floatToFloat16($0) : floatToBFloat16($0) }
    return stride(from: 0, to: bits.count, by: columns).map { Array(bits[$0..<($0 + columns)]) }
  }

  /// The most vectors one run command carries (V is a 16-bit field).
  static let largestVectorCount = (1 << 16) - 1

  /// The weights (first positional), the activation vectors (second) and `--rows`.
  static func operands(_ arguments: ParsedArguments, configuration: HardwareConfiguration) throws -> (
    image: TileImage, vectors: [[UInt16]], rows: Int
  ) {
    let image = try TileInputs.image(
      arguments.positionals[0], tensor: arguments.string("--weight-tensor"), configuration: configuration)
    let vectors = try TileInputs.vectors(
      arguments.positionals[1], tensor: arguments.string("--activation-tensor"), columns: image.layer.columns,
      configuration: configuration, arguments: arguments)
    return (image, vectors, try TileInputs.rows(arguments, image: image))
  }

  /// `--rows`, checked against the weights.
  static func rows(_ arguments: ParsedArguments, image: TileImage) throws -> Int {
    try arguments.integer("--rows", default: image.layer.rows, in: 1...image.layer.rows)
  }
}

/// `dialectgen matmul`: y = W x exactly as the tile computes it, in software.
enum MatmulCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen matmul",
    summary:
      "Computes y = W x exactly as the accelerator tile of the configuration does: W a tensor quantized by dialectgen quantize, x the rows of an fp16 (or bf16) tensor quantized online by the activation path.",
    positionals: "WEIGHTS.safetensors ACTIVATIONS.safetensors",
    positionalCount: 2...2,
    options: [
      OptionSpec(name: "--output", short: "-o", kind: .value("OUT.safetensors"), help: "the file to write (required)")
    ] + TileInputs.weightOptions + TileInputs.activationOptions + DesignOptions.specs,
    details: """
      Output: tensor "y" of shape [V, M] (or [M] for one vector) in the tile's result format
      (--tile-output fp32, fp16 or bf16), and "overflow" (U8, 1 where a row's accumulator saturated).
      Each result is the exact sum of the row's block products in the configured accumulator
      (--acc-width), read out as FP32 nearest-even (then rounded to FP16 or BF16). The activation
      selector is --selector (two-stage by default); the block format and book must be those the
      weights were quantized with.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    guard let output = arguments.string("--output") else { throw UsageError("missing --output OUT.safetensors") }
    let configuration = try DesignOptions.configuration(arguments)
    // The output must be neither input (by device and inode), checked before any work.
    let inputs = try arguments.positionals.map { path in try reportingFailure { try InputFile(path: path) } }
    try OutputFiles.check(output, option: "--output", inputs: inputs)
    let (image, vectors, rows) = try TileInputs.operands(arguments, configuration: configuration)
    let quantizer = BlockQuantizer(
      format: configuration.format, selector: configuration.selector.dialectSelector, input: configuration.input)
    let input = configuration.input
    let format: ElementFormat
    switch configuration.tile.output {
    case .float32: format = .float32
    case .float16: format = .float16
    case .bfloat16: format = .bfloat16
    }
    var values: [UInt8] = []
    var overflow: [UInt8] = []
    for vector in vectors {
      let y = image.layer.apply(
        vector.map { input.decode(UInt32($0)) }, quantizer: quantizer,
        accumulatorWidth: configuration.accumulatorWidth, rows: rows)
      for result in y {
        let bits = ResultRounding.bits(of: result.float32, as: format)
        for byte in 0..<(format.bitWidth / 8) { values.append(UInt8(truncatingIfNeeded: bits >> UInt32(8 * byte))) }
        overflow.append(result.overflow ? 1 : 0)
      }
    }
    let shape = vectors.count == 1 ? [rows] : [vectors.count, rows]
    var writer = SafetensorsWriter()
    try reportingFailure {
      try writer.declare(
        name: "y", dtype: format == .float32 ? "F32" : (format == .float16 ? "F16" : "BF16"), shape: shape)
      try writer.declare(name: "overflow", dtype: "U8", shape: shape)
      writer.metadata = [("dialectgen", dialectgenVersion), ("tile", configuration.summary)]
      try writer.write(to: output, inputs: inputs) { $0 == 0 ? values : overflow }
    }
    print(
      "matmul: \(vectors.count) vector(s) through \(rows) x \(image.layer.columns) weights to \(output) (\(overflow.filter { $0 != 0 }.count) saturated)"
    )
  }
}

/// `dialectgen tile-image`: a quantized tensor as the tile's weight stream and memory images.
enum TileImageCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen tile-image",
    summary:
      "Writes the accelerator tile's weight image of a tensor quantized by dialectgen quantize: the weight stream (binary, in AXI4-Stream byte order, and one hex beat per line), the load command, and each weight bank's $readmemh image.",
    positionals: "WEIGHTS.safetensors",
    positionalCount: 1...1,
    options: [
      OptionSpec(name: "--out", kind: .value("DIR"), help: "output directory (required); replaced as a whole")
    ] + TileInputs.weightOptions + DesignOptions.specs,
    details: """
      Files: weights.axis (the weight stream's bytes: for each block, row-major, n/2 bytes of codes,
      element 2j in the low nibble, then the dialect byte and the exponent byte), weights.hex (one
      beat per line), load.hex (the load command: opcode 1, M, K), bank<r>.hex (bank r's memory,
      one word per line: exponent, dialect id, codes; row i lives in bank i mod R at word
      (i / R) * 2^b + block, 2^b the blocks per row rounded up to a power of two).
      """)

  static func run(_ arguments: ParsedArguments) throws {
    guard let out = arguments.string("--out") else { throw UsageError("missing --out DIR") }
    let configuration = try DesignOptions.configuration(arguments)
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen tile-image")
    let image = try TileInputs.image(
      arguments.positionals[0], tensor: arguments.string("--weight-tensor"), configuration: configuration)
    var files: [(name: String, contents: String)] = [
      ("weights.hex", image.beats.map(\.hexDigits).joined(separator: "\n") + "\n"),
      ("load.hex", BitVector(image.loadCommand, width: 64).hexDigits + "\n"),
    ]
    for (index, bank) in image.bankImages.enumerated() { files.append(("bank\(index).hex", bank)) }
    files.append(("manifest.json", try reportingUsage { try Design(configuration).manifest().formatted() + "\n" }))
    let binary = files.map { (name: $0.name, bytes: Array($0.contents.utf8)) } + [("weights.axis", image.streamBytes)]
    try reportingFailure { try DesignWriter.write(binary: binary, to: out, writtenBy: "dialectgen tile-image") }
    print(
      "tile-image: \(image.layer.rows) x \(image.layer.columns) weights, \(image.layer.weights.count) beats, to \(out)")
  }
}

/// `dialectgen tile-vectors`: a testbench session for the tile from real weights and activations.
enum TileVectorsCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen tile-vectors",
    summary:
      "Writes a session for testbenches/tb_tile.v: load the quantized weights, run the activation vectors, every result and status beat from the numerics model (as dialectgen matmul computes it).",
    positionals: "WEIGHTS.safetensors ACTIVATIONS.safetensors",
    positionalCount: 2...2,
    options: [
      OptionSpec(name: "--out", kind: .value("DIR"), help: "output directory (required); replaced as a whole"),
      OptionSpec(name: "--repeat", kind: .value("N"), help: "run the vectors N times over (default 1)"),
    ] + TileInputs.weightOptions + TileInputs.activationOptions + DesignOptions.specs,
    details: """
      DIR/<tile module>/ holds config.vh and the beat files; run it with
      scripts/testbench.sh verilator <tile module> tb_tile RTL_DIR DIR OUT_DIR.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    guard let out = arguments.string("--out") else { throw UsageError("missing --out DIR") }
    var configuration = try DesignOptions.configuration(arguments)
    configuration.modules = [.tile]
    let repeats = try arguments.integer("--repeat", default: 1, in: 1...TileInputs.largestVectorCount)
    try DesignOptions.checkOutput(out, writtenBy: "dialectgen tile-vectors")
    let (image, vectors, rows) = try TileInputs.operands(arguments, configuration: configuration)
    // One run command carries the session (V is 16 bits), and the session's files stay modest.
    let runVectors = vectors.count * repeats
    guard runVectors <= TileInputs.largestVectorCount else {
      throw UsageError(
        "--repeat \(repeats) makes \(runVectors) vectors; a run takes at most \(TileInputs.largestVectorCount)")
    }
    guard runVectors * image.layer.columns <= 1 << 24 else {
      throw UsageError(
        "\(runVectors) vectors of \(image.layer.columns) elements make too large a session (at most 2^24 elements); choose fewer with --vectors or --repeat"
      )
    }
    let design = try reportingUsage { try Design(configuration) }
    let module = design.module(.tile)!
    let session = TileVectors.session(
      for: module, image: image, vectors: Array(repeating: vectors, count: repeats).flatMap { $0 }, rows: rows)
    let name = module.module.name
    var files = session.files(directory: "\(out)/\(name)").map { ("\(name)/\($0.name)", $0.contents) }
    files.append(("manifest.json", design.manifest().formatted() + "\n"))
    try reportingFailure { try DesignWriter.write(files, to: out, writtenBy: "dialectgen tile-vectors") }
    print(
      "tile-vectors: load \(image.layer.rows) x \(image.layer.columns), run \(vectors.count * repeats) vector(s) of \(rows) rows: \(session.results.count) result beats, to \(out)/\(name)"
    )
  }
}
