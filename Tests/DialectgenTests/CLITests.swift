import BlockDialect
import Foundation
import TestSupport
import Testing

@Suite("dialectgen: help and happy paths")
struct CLITests {
  @Test func executableIsBuilt() {
    #expect(dialectgenExecutable != nil, "looked in \(productDirectories.map(\.path))")
  }

  @Test(arguments: [
    ["--help"], ["quantize", "--help"], ["eval", "--help"], ["formatbook", "show", "--help"],
    ["formatbook", "validate", "--help"], ["bench", "--help"], ["formatbook", "--help"], ["quantize", "-h"],
  ])
  func helpExitsZero(arguments: [String]) throws {
    let run = try dialectgen(arguments)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.hasPrefix("usage: dialectgen"), "\(run)")
    #expect(run.stderr.isEmpty)
  }

  @Test func helpDescribesOptions() throws {
    let quantize = try dialectgen(["quantize", "--help"])
    for option in ["--output", "--format", "--path", "--block-size", "--formatbook", "--dequantize", "--tensors"] {
      #expect(quantize.stdout.contains(option))
    }
    let version = try dialectgen(["--version"])
    #expect(version.status == 0 && version.stdout.hasPrefix("dialectgen "))
    // No command at all is a usage mistake: the overview, exit 2.
    let none = try dialectgen([])
    #expect(none.status == 2 && none.stdout.contains("commands:"))
  }

  // MARK: quantize

  /// The reference: what the library gives for a tensor of the input file.
  static func libraryTensor(_ name: String, _ inputs: InputTensors, _ scheme: QuantizationScheme) -> QuantizedTensor {
    let tensor = inputs.floats.first { $0.name == name }!
    return TensorQuantizer(scheme: scheme, input: tensor.format).quantize(
      tensor.values, shape: tensor.shape, threads: 1)
  }

  @Test(arguments: [
    (["--format", "blockdialect"], QuantizationScheme.blockDialect(.default, .leastSquares)),
    (["--path", "activation", "--threads", "1"], .blockDialect(.default, .twoStage)),
    (
      ["--block-size", "16", "--exponent-width", "6", "--exponent-bias", "20", "--formatbook", "e2m1"],
      .blockDialect(
        try! BlockFormat(blockSize: 16, exponentWidth: 6, exponentBias: 20, formatbook: .e2m1), .leastSquares)
    ),
    (["--format", "mxfp4"], .mxfp4),
    (["--format=nvfp4"], .nvfp4),
  ])
  func quantizeWritesTheLibraryResult(options: [String], scheme: QuantizationScheme) throws {
    let directory = try TemporaryDirectory()
    let inputs = InputTensors()
    let input = directory.file("in.safetensors")
    try inputs.write(to: input)
    let output = directory.file("out.safetensors")
    let run = try dialectgen(["quantize", input, "-o", output] + options)
    #expect(run.status == 0, "\(run)")
    #expect(run.stderr.isEmpty, "\(run)")
    #expect(run.stdout.contains("quantized 3 tensor(s)") && run.stdout.contains(output))
    let file = try SafetensorsFile(path: output)
    let entries = Dictionary(uniqueKeysWithValues: file.entries.map { ($0.name, $0) })
    for name in ["w", "h", "b"] {
      let tensor = Self.libraryTensor(name, inputs, scheme)
      let declarations = QuantizedTensorLayout.declarations(
        name: name, shape: inputs.floats.first { $0.name == name }!.shape, scheme: scheme)
      for (part, declaration) in declarations.enumerated() {
        let entry = try #require(entries[declaration.name], "missing \(declaration.name)")
        #expect(entry.dtype == declaration.dtype && entry.shape == declaration.shape)
        #expect(try file.rawBytes(entry) == QuantizedTensorLayout.bytes(of: tensor, part: part), "\(declaration.name)")
      }
      #expect(entries[name] == nil, "the original \(name) is replaced by its parts")
    }
    // The I64 tensor is copied unchanged.
    let ids = try #require(entries["ids"])
    #expect(ids.dtype == "I64" && ids.shape == [3])
    #expect(
      try file.rawBytes(ids) == inputs.ids.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } })
    // Metadata: the format and the original shapes.
    #expect(file.metadata["format"] == scheme.description)
    let quantization = try JSONValue.parse(try #require(file.metadata["quantization"]))
    #expect(quantization["block_size"]?.intValue == scheme.blockSize)
    let originals = try JSONValue.parse(try #require(file.metadata["tensors"]))
    #expect(originals["w"]?["shape"] == .array([.integer(4), .integer(70)]))
    #expect(originals["h"]?["dtype"]?.stringValue == "F16")
    #expect(directory.contents.sorted() == ["in.safetensors", "out.safetensors"])
  }

  @Test func quantizeDequantized() throws {
    let directory = try TemporaryDirectory()
    let inputs = InputTensors(seed: 5)
    let input = directory.file("in.safetensors")
    try inputs.write(to: input)
    let output = directory.file("deq.safetensors")
    let run = try dialectgen(["quantize", input, "--output", output, "--dequantize", "--path", "activation"])
    #expect(run.status == 0, "\(run)")
    let file = try SafetensorsFile(path: output)
    #expect(file.metadata["dequantized"] == "true")
    #expect(file.entries.map(\.name) == ["w", "h", "b", "ids"])
    for (name, _, shape, _) in inputs.floats {
      let entry = try #require(file.entries.first { $0.name == name })
      #expect(entry.dtype == "F32" && entry.shape == shape)
      let expected = Self.libraryTensor(name, inputs, .blockDialect(.default, .twoStage)).dequantized()
      #expect(try file.floats(entry) == expected, "\(name)")
    }
  }

  @Test func quantizeSelectedTensorsAndNpy() throws {
    let directory = try TemporaryDirectory()
    let inputs = InputTensors(seed: 9)
    let input = directory.file("in.safetensors")
    try inputs.write(to: input)
    let output = directory.file("out.safetensors")
    let run = try dialectgen(["quantize", input, "-o", output, "--tensors", "?"])
    #expect(run.status == 0, "\(run)")
    let file = try SafetensorsFile(path: output)
    // "?" matches the one-letter names w, h and b; all are quantized, ids copied.
    #expect(Set(file.entries.map(\.name)).contains("w.codes"))
    let only = try dialectgen(["quantize", input, "-o", output, "--tensors", "h*"])
    #expect(only.status == 0, "\(only)")
    let partial = try SafetensorsFile(path: output)
    #expect(partial.entries.map(\.name) == ["w", "h.codes", "h.exponents", "h.dialects", "b", "ids"])
    let original = try SafetensorsFile(path: input)
    for name in ["w", "b"] {
      #expect(
        try partial.rawBytes(partial.entries.first { $0.name == name }!)
          == original.rawBytes(original.entries.first { $0.name == name }!))
    }
    // A NumPy file: the tensor is named after the file.
    let values: [Float] = (0..<64).map { Float($0) - 20 }
    let header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 32), }".utf8)
    let padded = header + [UInt8](repeating: 0x20, count: 118 - header.count - 1) + [0x0A]
    let npy = try directory.write(
      "act.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded + littleEndianBytes(values))
    let npyOut = directory.file("act.safetensors")
    let fromNpy = try dialectgen(["quantize", npy, "-o", npyOut, "--format", "mxfp4"])
    #expect(fromNpy.status == 0, "\(fromNpy)")
    let npyFile = try SafetensorsFile(path: npyOut)
    #expect(npyFile.entries.map(\.name) == ["act.codes", "act.scales"])
    let reference = TensorQuantizer(scheme: .mxfp4).quantize(values, shape: [2, 32], threads: 1)
    #expect(try npyFile.rawBytes(npyFile.entries[0]) == reference.packedCodes())
    #expect(try npyFile.rawBytes(npyFile.entries[1]) == reference.scales)
  }

  @Test func saturateNonfinite() throws {
    let directory = try TemporaryDirectory()
    var values = SampleDistribution.normal.samples(64, seed: 4)
    values[5] = .infinity
    values[40] = .nan
    let input = directory.file("inf.safetensors")
    try writeSingleTensor(values, shape: [64], name: "act", to: input)
    let output = directory.file("out.safetensors")
    let run = try dialectgen(["quantize", input, "-o", output, "--saturate-nonfinite"])
    #expect(run.status == 0, "\(run)")
    let file = try SafetensorsFile(path: output)
    let reference = TensorQuantizer(scheme: .blockDialect(.default, .leastSquares)).quantize(
      values, shape: [64], threads: 1)
    #expect(reference.statistics.nonfiniteBlocks == 2)
    #expect(try file.rawBytes(file.entries.first { $0.name == "act.codes" }!) == reference.packedCodes())
    // eval counts the non-finite elements and blocks.
    let eval = try dialectgen(["eval", input, "--saturate-nonfinite", "--json"])
    #expect(eval.status == 0, "\(eval)")
    let json = try JSONValue.parse(eval.stdout)
    let tensor = try #require(json["tensors"]?.arrayValue?.first)
    #expect(tensor["nonfinite_elements"]?.intValue == 2)
    #expect(tensor["results"]?["blockdialect-weight"]?["nonfinite_blocks"]?.intValue == 2)
    #expect(tensor["results"]?["nvfp4"]?["nonfinite_blocks"]?.intValue == 2)
    let table = try dialectgen(["eval", input, "--saturate-nonfinite"])
    #expect(table.status == 0 && table.stdout.contains("2 non-finite, saturated"), "\(table)")
  }

  /// A scalar, a tensor with a zero-size dimension and an all-zero tensor: quantized and
  /// evaluated (an exact result has an infinite SQNR: "exact" in the table, null in JSON).
  @Test func degenerateTensors() throws {
    let directory = try TemporaryDirectory()
    var writer = SafetensorsWriter()
    try writer.declare(name: "scalar", dtype: "F32", shape: [])
    try writer.declare(name: "nothing", dtype: "F16", shape: [3, 0])
    try writer.declare(name: "zeros", dtype: "BF16", shape: [2, 20])
    let input = directory.file("odd.safetensors")
    try writer.write(to: input) { index in
      [littleEndianBytes([0.75]), [], [UInt8](repeating: 0, count: 80)][index]
    }
    for format in ["blockdialect", "mxfp4", "nvfp4"] {
      let output = directory.file("\(format).safetensors")
      let run = try dialectgen(["quantize", input, "-o", output, "--format", format])
      #expect(run.status == 0, "\(run)")
      let file = try SafetensorsFile(path: output)
      let codes = try #require(file.entries.first { $0.name == "nothing.codes" })
      #expect(codes.shape == [3, 0] && codes.byteCount == 0)
      let scalarCodes = try #require(file.entries.first { $0.name == "scalar.codes" })
      #expect(scalarCodes.shape == [format == "nvfp4" ? 8 : 16])
      #expect(try file.rawBytes(file.entries.first { $0.name == "zeros.codes" }!).allSatisfy { $0 == 0 })
    }
    let eval = try dialectgen(["eval", input, "--json", "--tensors", "zeros"])
    #expect(eval.status == 0, "\(eval)")
    let json = try JSONValue.parse(eval.stdout)
    let results = try #require(json["tensors"]?.arrayValue?.first?["results"])
    for format in ["blockdialect-weight", "blockdialect-activation", "blockdialect-neighbor", "mxfp4", "nvfp4"] {
      #expect(results[format]?["sqnr_db"] == .null, "\(format)")
      #expect(results[format]?["mse"]?.doubleValue == 0)
    }
    // The all-zero blocks pick dialect 14 on the activation path (docs/numerics.md edge cases).
    #expect(results["blockdialect-activation"]?["dialect_usage"]?.arrayValue?[14].intValue == 2)
    let table = try dialectgen(["eval", input, "--tensors", "zeros"])
    #expect(table.status == 0 && table.stdout.contains("exact"), "\(table)")
  }

  // MARK: eval

  @Test func evalJSONMatchesLibrary() throws {
    let directory = try TemporaryDirectory()
    let inputs = InputTensors(seed: 21)
    let input = directory.file("in.safetensors")
    try inputs.write(to: input)
    let run = try dialectgen(["eval", input, "--json", "--threads", "1"])
    #expect(run.status == 0, "\(run)")
    let json = try JSONValue.parse(run.stdout)
    let formats = ["blockdialect-weight", "blockdialect-activation", "blockdialect-neighbor", "mxfp4", "nvfp4"]
    #expect(json["formats"] == .array(formats.map { .string($0) }))
    let tensors = try #require(json["tensors"]?.arrayValue)
    #expect(tensors.compactMap { $0["name"]?.stringValue } == ["w", "h", "b"])
    let schemes: [QuantizationScheme] = [
      .blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage),
      .blockDialect(.default, .neighborGroups), .mxfp4, .nvfp4,
    ]
    for (tensor, (name, values, shape, format)) in zip(tensors, inputs.floats) {
      #expect(tensor["file"]?.stringValue == input)
      #expect(tensor["elements"]?.intValue == values.count)
      #expect(tensor["shape"] == .array(shape.map { .integer($0) }))
      let evaluations = evaluate(values, shape: shape, input: format, schemes: schemes, threads: 1)
      for (scheme, evaluation) in zip(schemes, evaluations) {
        let result = try #require(tensor["results"]?[scheme.description], "\(name) \(scheme)")
        #expect(result["sqnr_db"]?.doubleValue == evaluation.errors.sqnr, "\(name) \(scheme)")
        #expect(result["mse"]?.doubleValue == evaluation.errors.meanSquaredError)
        #expect(result["blocks"]?.intValue == evaluation.statistics.blocks)
        #expect(result["bits_per_element"]?.doubleValue == scheme.bitsPerElement)
        if scheme.hasDialects {
          let usage = try #require(result["dialect_usage"]?.arrayValue)
          #expect(usage.count == 16)
          #expect(usage.compactMap(\.intValue) == Array(evaluation.statistics.dialectUsage.prefix(16)))
        } else {
          #expect(result["dialect_usage"] == nil)
        }
      }
    }
    let overall = try #require(json["overall"])
    #expect(overall["elements"]?.intValue == 280 + 80 + 48)
  }

  @Test func evalTableAndFormatList() throws {
    let directory = try TemporaryDirectory()
    let inputs = InputTensors(seed: 22)
    let input = directory.file("in.safetensors")
    try inputs.write(to: input)
    let run = try dialectgen(["eval", input, "--formats", "mxfp4,blockdialect-mse", "nvfp4"])
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("SQNR dB"))
    for word in ["w  [4, 70]  F32", "h  [2, 40]  F16", "mxfp4", "blockdialect-mse", "nvfp4", "overall: 3 tensors"] {
      #expect(run.stdout.contains(word), "missing \(word)")
    }
    #expect(!run.stdout.contains("blockdialect-weight"))
    // Two files at once, one of them NumPy.
    let npyValues: [Float] = (0..<32).map { Float($0) / 3 }
    let header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (32,), }".utf8)
    let padded = header + [UInt8](repeating: 0x20, count: 118 - header.count - 1) + [0x0A]
    let npy = try directory.write(
      "v.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded + littleEndianBytes(npyValues))
    let two = try dialectgen(["eval", input, npy, "--json", "--tensors", "?"])
    #expect(two.status == 0, "\(two)")
    let json = try JSONValue.parse(two.stdout)
    #expect(json["tensors"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["w", "h", "b", "v"])
  }

  // MARK: formatbook

  @Test func formatbookShow() throws {
    let run = try dialectgen(["formatbook", "show"])
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.hasPrefix("formatbook dialectfp4: 16 dialect(s), 4-bit id, ties up"))
    // Dialect 0's range (21...25) and dialect 15's (10), from the spec's definition.
    #expect(run.stdout.contains("21-25"))
    #expect(run.stdout.contains("1 3 5 7 10 14 20"))  // E2M1 midpoints (dialect 7)
    let json = try dialectgen(["formatbook", "show", "e2m1", "--json"])
    #expect(json.status == 0, "\(json)")
    let value = try JSONValue.parse(json.stdout)
    #expect(value["id_width"]?.intValue == 0)
    #expect(try Formatbook(jsonValue: try #require(value["formatbook"]), source: "x") == .e2m1)
    let path = repositoryRoot.appendingPathComponent("formatbooks/dialectfp4.json").path
    let fromFile = try dialectgen(["formatbook", "show", path, "--json"])
    #expect(fromFile.status == 0, "\(fromFile)")
    let book = try JSONValue.parse(fromFile.stdout)
    #expect(book["beneficial_ranges"]?.arrayValue?.first?.intValue == 0b11111 << 21)
    #expect(book["groups"]?.arrayValue?.count == 8)
  }

  @Test func formatbookValidate() throws {
    let books = ["dialectfp4.json", "e2m1.json"].map { repositoryRoot.appendingPathComponent("formatbooks/\($0)").path }
    let run = try dialectgen(["formatbook", "validate"] + books)
    #expect(run.status == 0, "\(run)")
    let lines = run.stdout.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0].contains("valid: dialectfp4, 16 dialect(s) in 8 group(s), ties up"))
    #expect(lines[1].contains("valid: e2m1, 1 dialect(s) in 1 group(s), ties even"))
  }

  // MARK: bench

  @Test func benchSmall() throws {
    let run = try dialectgen(["bench", "--elements", "4096", "--repeat", "1"])
    #expect(run.status == 0, "\(run)")
    for format in ["mxfp4", "nvfp4", "blockdialect-weight", "blockdialect-activation"] {
      #expect(run.stdout.contains(format))
    }
    let json = try dialectgen(["bench", "--elements", "4096", "--repeat", "1", "--json"])
    #expect(json.status == 0, "\(json)")
    let value = try JSONValue.parse(json.stdout)
    #expect(value["elements"]?.intValue == 4096)
    #expect(value["results"]?.arrayValue?.count == 4)
    #expect(value["results"]?.arrayValue?.allSatisfy { ($0["single_thread_best"]?.doubleValue ?? 0) > 0 } == true)
  }
}
