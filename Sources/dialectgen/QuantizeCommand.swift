import BlockDialect
import DialectHardware
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
          "BlockDialect dialect choice: weight (least squared error, default) or activation (the hardware's online selector)"
      ),
      OptionSpec(
        name: "--selector", kind: .value("S"),
        help: "the activation path's online selector: two-stage (default) or neighbor (neighbour groups)"),
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
    let scheme = try scheme(arguments)
    let threads = try arguments.integer("--threads", default: 0, in: 0...1024)
    let source = try openTensorFile(inputPath)
    let selected = try selectTensors(source, pattern: arguments.string("--tensors"))
    let dequantize = arguments.flag("--dequantize")
    let saturate = arguments.flag("--saturate-nonfinite")
    // The destination is checked (not an input, not a device or a directory) before any work.
    let output = try OutputFiles.create(outputPath, option: "--output", inputs: [source.file])
    do {
      let quantizer = try TensorFileQuantizer(
        source: source, scheme: scheme, selected: { selected.contains($0.name) }, dequantize: dequantize,
        saturate: saturate, version: dialectgenVersion)
      let totalElements = quantizer.quantizedEntries.reduce(0) { $0 + $1.elementCount }
      let progress = ProgressBar("quantizing", total: totalElements)
      let start = Date()
      do {
        try quantizer.write(to: output, threads: threads) { progress.advance(by: $0) }
      } catch let error as NonfiniteValueError {
        throw CommandFailure(nonfiniteAdvice(error))
      }
      try output.commit()
      progress.finish()
      let seconds = Date().timeIntervalSince(start)
      print(
        "\(dequantize ? "quantized and decoded" : "quantized") \(quantizer.quantizedEntries.count) tensor(s), "
          + "\(humanCount(Double(totalElements))) elements, to \(scheme) in \(String(format: "%.2f", seconds)) s: "
          + "\(SafeText.path(outputPath)) (\(humanCount(Double(quantizer.outputSize)))B)")
    } catch {
      output.discard()
      throw error
    }
  }

  /// The message for a tensor holding an infinity or a NaN without --saturate-nonfinite.
  static func nonfiniteAdvice(_ error: NonfiniteValueError) -> String {
    "\(error.description); pass --saturate-nonfinite to count Inf as the largest finite value and NaN as 0"
  }

  /// The scheme the options describe; refuses options that do not apply to the format.
  static func scheme(_ arguments: ParsedArguments) throws -> QuantizationScheme {
    let format = try arguments.choice("--format", default: Format.blockdialect, Format.allCases)
    switch format {
    case .blockdialect:
      let path = try arguments.choice("--path", default: Path.weight, Path.allCases)
      let online = try arguments.choice("--selector", default: OnlineSelector.twoStage, OnlineSelector.allCases)
      if path == .weight && arguments.has("--selector") {
        throw UsageError("--selector chooses the activation path's online selector; add --path activation")
      }
      let selector: DialectSelector = path == .weight ? .leastSquares : online.dialectSelector
      return .blockDialect(try FormatOptions.blockFormat(arguments), selector)
    case .mxfp4, .nvfp4:
      for option in ["--path", "--selector"] + FormatOptions.specs.map(\.name) where arguments.has(option) {
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
      throw CommandFailure("\(SafeText.path(source.path)): has no F32, F16 or BF16 tensors to quantize")
    }
    guard let pattern else { return Set(floats.map(\.name)) }
    let matching = floats.filter { globMatches(pattern, $0.name) }
    guard !matching.isEmpty else {
      throw UsageError(
        "--tensors '\(SafeText.escape(pattern))' matches none of the \(floats.count) float tensors in \(SafeText.path(source.path))"
      )
    }
    return Set(matching.map(\.name))
  }
}
