import BlockDialect
import Foundation

/// `dialectgen quantize`: a tensor file to a quantized (or quantized-then-decoded) safetensors
/// file.
enum QuantizeCommand: Command {
  enum Format: String, CaseIterable {
    case blockdialect, mxfp4, nvfp4
  }

  enum Path: String, CaseIterable {
    case weight, activation
  }

  static let spec = CommandSpec(
    name: "dialectgen quantize",
    summary:
      "Quantizes every F32, F16 and BF16 tensor of a safetensors (or .npy) file, blocked along the last dimension.",
    positionals: "IN.safetensors",
    positionalCount: 1...1,
    options: [
      OptionSpec(name: "--output", short: "-o", kind: .value("OUT.safetensors"), help: "the file to write (required)"),
      OptionSpec(name: "--format", kind: .value("F"), help: "blockdialect (default), mxfp4 or nvfp4"),
      OptionSpec(
        name: "--path", kind: .value("P"),
        help:
          "BlockDialect dialect choice: weight (least squared error, default) or activation (the hardware's two-stage selector)"
      ),
    ] + FormatOptions.specs + [
      OptionSpec(name: "--dequantize", kind: .flag, help: "write the decoded values as F32 tensors instead of codes"),
      OptionSpec(
        name: "--tensors", kind: .value("PATTERN"), help: "quantize only tensors whose name matches this glob (* and ?)"
      ),
      OptionSpec(
        name: "--saturate-nonfinite", kind: .flag,
        help: "accept Inf and NaN: Inf counts as the largest finite value, NaN as 0"),
      OptionSpec(name: "--threads", kind: .value("N"), help: "1 for a single thread; default: every core"),
    ],
    details: """
      Output: for each quantized tensor NAME, NAME.codes (U8, two 4-bit codes per byte, low nibble
      first) and per block NAME.exponents and NAME.dialects (BlockDialect), NAME.scales (MXFP4: E8M0;
      NVFP4: F8_E4M3, plus NAME.tensor_scale). The header metadata records the format and the
      original shapes. Tensors of other types, and tensors --tensors leaves out, are copied
      unchanged. The file is written only when everything succeeded.
      """)

  static func run(_ arguments: ParsedArguments) throws {
    let inputPath = arguments.positionals[0]
    guard let outputPath = arguments.string("--output") else {
      throw UsageError("missing --output OUT.safetensors")
    }
    guard URL(fileURLWithPath: outputPath).standardized.path != URL(fileURLWithPath: inputPath).standardized.path
    else { throw UsageError("--output \(outputPath) is the input file; choose another name") }
    let scheme = try scheme(arguments)
    let threads = try arguments.integer("--threads", default: 0, in: 0...1024)
    let source = try openTensorFile(inputPath)
    let selected = try selectTensors(source, pattern: arguments.string("--tensors"))
    let dequantize = arguments.flag("--dequantize")
    let saturate = arguments.flag("--saturate-nonfinite")

    // Declare every output tensor first: the header comes before the data.
    var writer = SafetensorsWriter()
    enum Part {
      case quantized(TensorEntry, part: Int)
      case dequantized(TensorEntry)
      case copied(TensorEntry)
    }
    var parts: [Part] = []
    for entry in source.entries {
      if selected.contains(entry.name) {
        if dequantize {
          writer.declare(name: entry.name, dtype: "F32", shape: entry.shape)
          parts.append(.dequantized(entry))
        } else {
          for (index, declaration) in QuantizedTensorLayout.declarations(
            name: entry.name, shape: entry.shape, scheme: scheme
          )
          .enumerated() {
            guard !source.entries.contains(where: { $0.name == declaration.name }) else {
              throw CommandFailure(
                "\(inputPath): tensor \"\(declaration.name)\" would clash with the output for \"\(entry.name)\"")
            }
            writer.declare(name: declaration.name, dtype: declaration.dtype, shape: declaration.shape)
            parts.append(.quantized(entry, part: index))
          }
        }
      } else {
        guard SafetensorsFile.elementSizes[entry.dtype] != nil else {
          throw CommandFailure(
            "\(inputPath): tensor \"\(entry.name)\" has dtype \(entry.dtype), which cannot be copied")
        }
        writer.declare(name: entry.name, dtype: entry.dtype, shape: entry.shape)
        parts.append(.copied(entry))
      }
    }
    let quantizedEntries = source.entries.filter { selected.contains($0.name) }
    writer.metadata = QuantizedTensorLayout.metadata(
      scheme: scheme, tensors: quantizedEntries.map { ($0.name, $0.shape, $0.dtype) },
      version: dialectgenVersion)
    if dequantize { writer.metadata.append(("dequantized", "true")) }

    let totalElements = quantizedEntries.map(\.elementCount).reduce(0, +)
    let progress = ProgressBar("quantizing", total: totalElements)
    let start = Date()
    // The quantized tensor whose parts are being written.
    var current: (name: String, tensor: QuantizedTensor)? = nil
    try writer.write(to: outputPath) { index in
      switch parts[index] {
      case .copied(let entry):
        return try rawBytes(of: entry, in: source)
      case .dequantized(let entry):
        let tensor = try quantize(entry, in: source, scheme: scheme, saturate: saturate, threads: threads)
        progress.advance(by: entry.elementCount)
        return littleEndianBytes(tensor.dequantized())
      case .quantized(let entry, let part):
        if current?.name != entry.name {
          current = (entry.name, try quantize(entry, in: source, scheme: scheme, saturate: saturate, threads: threads))
          progress.advance(by: entry.elementCount)
        }
        return QuantizedTensorLayout.bytes(of: current!.tensor, part: part)
      }
    }
    progress.finish()
    let seconds = Date().timeIntervalSince(start)
    let size = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? Int) ?? 0
    print(
      "\(dequantize ? "quantized and decoded" : "quantized") \(quantizedEntries.count) tensor(s), "
        + "\(humanCount(Double(totalElements))) elements, to \(scheme) in \(String(format: "%.2f", seconds)) s: "
        + "\(outputPath) (\(humanCount(Double(size)))B)")
  }

  /// The scheme the options describe; refuses options that do not apply to the format.
  static func scheme(_ arguments: ParsedArguments) throws -> QuantizationScheme {
    let format = try arguments.choice("--format", default: Format.blockdialect, Format.allCases)
    switch format {
    case .blockdialect:
      let path = try arguments.choice("--path", default: Path.weight, Path.allCases)
      let selector: DialectSelector = path == .weight ? .leastSquares : .twoStage
      return .blockDialect(try FormatOptions.blockFormat(arguments), selector)
    case .mxfp4, .nvfp4:
      for option in ["--path"] + FormatOptions.specs.map(\.name) where arguments.has(option) {
        throw UsageError("\(option) applies to --format blockdialect only, not \(format.rawValue)")
      }
      return format == .mxfp4 ? .mxfp4 : .nvfp4
    }
  }

  /// The names of the float tensors to quantize; refuses a file with none, or a pattern that
  /// matches none.
  static func selectTensors(_ source: any TensorSource, pattern: String?) throws -> Set<String> {
    let floats = source.floatEntries
    guard !floats.isEmpty else {
      throw CommandFailure("\(source.path): has no F32, F16 or BF16 tensors to quantize")
    }
    guard let pattern else { return Set(floats.map(\.name)) }
    let matching = floats.filter { globMatches(pattern, $0.name) }
    guard !matching.isEmpty else {
      throw UsageError("--tensors '\(pattern)' matches none of the \(floats.count) float tensors in \(source.path)")
    }
    return Set(matching.map(\.name))
  }

  /// Reads and quantizes one tensor, refusing non-finite values unless asked to saturate.
  static func quantize(
    _ entry: TensorEntry, in source: any TensorSource, scheme: QuantizationScheme, saturate: Bool, threads: Int
  ) throws -> QuantizedTensor {
    let values = try source.floats(entry)
    if !saturate, let index = firstNonfiniteIndex(values) {
      throw CommandFailure(
        "\(source.path): tensor \"\(entry.name)\" holds \(values[index]) at flat index \(index); "
          + "pass --saturate-nonfinite to count Inf as the largest finite value and NaN as 0")
    }
    return TensorQuantizer(scheme: scheme, input: entry.elementFormat!).quantize(
      values, shape: entry.shape, threads: threads)
  }

  /// A tensor's bytes, unchanged.
  static func rawBytes(of entry: TensorEntry, in source: any TensorSource) throws -> [UInt8] {
    guard let file = source as? SafetensorsFile else { return littleEndianBytes(try source.floats(entry)) }
    return file.rawBytes(entry)
  }
}
