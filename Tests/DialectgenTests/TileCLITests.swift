import BlockDialect
import Foundation
import TestSupport
import Testing

/// The tile's commands from the outside: `matmul` against an independent reading of the same
/// quantized files, `tile-image`'s byte order against the quantized file's own tensors, and
/// every refusal as one line.
@Suite("dialectgen: matmul, tile-image, tile-vectors")
struct TileCLITests {
  /// A quantized 8 x 64 layer (F32 normal weights) and three F16 activation vectors of 64.
  struct Layer {
    let directory: TemporaryDirectory
    let weights: String
    let quantized: String
    let activations: String

    init() throws {
      directory = try TemporaryDirectory()
      weights = directory.file("layer.safetensors")
      quantized = directory.file("layer.bd.safetensors")
      activations = directory.file("x.safetensors")
      let w = SampleDistribution.normal.samples(8 * 64, seed: 31).map { $0 * 0.05 }
      try writeSingleTensor(w, shape: [8, 64], name: "weight", to: weights)
      let x = SampleDistribution.laplace.samples(3 * 64, seed: 32).map { floatToFloat16($0) }
      var writer = SafetensorsWriter()
      try writer.declare(name: "x", dtype: "F16", shape: [3, 64])
      try writer.write(to: activations) { _ in halfBytes(x) }
      let run = try dialectgen(["quantize", weights, "-o", quantized])
      #expect(run.status == 0, "\(run)")
    }

    /// The only tensor of a safetensors file written by dialectgen, as floats.
    func floats(_ path: String, tensor: String) throws -> [Float] {
      let file = try SafetensorsFile(path: path)
      return try file.floats(try #require(file.entries.first { $0.name == tensor }))
    }
  }

  /// y = W x: every result is the exact sum of the dequantized weights times the activations as
  /// the activation path decodes them, rounded once to FP32 (the sums here fit a Double exactly).
  @Test func matmulIsTheExactProductOfTheDecodedOperands() throws {
    let layer = try Layer()
    let y = layer.directory.file("y.safetensors")
    let run = try dialectgen(["matmul", layer.quantized, layer.activations, "-o", y])
    #expect(run.status == 0 && run.stdout.contains("3 vector(s)"), "\(run)")
    let decodedWeights = layer.directory.file("w.f32.safetensors")
    let decodedActivations = layer.directory.file("x.f32.safetensors")
    for (input, output, path) in [
      (layer.weights, decodedWeights, "weight"), (layer.activations, decodedActivations, "activation"),
    ] {
      let dequantized = try dialectgen(["quantize", input, "--path", path, "--dequantize", "-o", output])
      #expect(dequantized.status == 0, "\(dequantized)")
    }
    let w = try layer.floats(decodedWeights, tensor: "weight")
    let x = try layer.floats(decodedActivations, tensor: "x")
    let results = try layer.floats(y, tensor: "y")
    #expect(results.count == 3 * 8)
    for vector in 0..<3 {
      for row in 0..<8 {
        var sum = 0.0
        for k in 0..<64 { sum += Double(w[row * 64 + k]) * Double(x[vector * 64 + k]) }
        #expect(results[vector * 8 + row] == Float(sum), "vector \(vector) row \(row)")
      }
    }
    let overflow = try SafetensorsFile(path: y)
    let flags = try overflow.rawBytes(try #require(overflow.entries.first { $0.name == "overflow" }))
    #expect(flags == [UInt8](repeating: 0, count: 24))
  }

  /// The weight stream is the quantized file's blocks in order, each beat its n/2 code bytes as
  /// stored, then the dialect byte, then the exponent byte; a second run replaces the image.
  @Test func tileImageStreamsTheQuantizedFileBlockByBlock() throws {
    let layer = try Layer()
    let out = layer.directory.file("image")
    for _ in 0..<2 {
      let run = try dialectgen(["tile-image", layer.quantized, "--out", out])
      #expect(run.status == 0 && run.stdout.contains("16 beats"), "\(run)")
    }
    let file = try SafetensorsFile(path: layer.quantized)
    func tensor(_ name: String) throws -> [UInt8] {
      try file.rawBytes(try #require(file.entries.first { $0.name == name }))
    }
    let codes = try tensor("weight.codes")
    let dialects = try tensor("weight.dialects")
    let exponents = try tensor("weight.exponents")
    var expected: [UInt8] = []
    for block in 0..<16 {
      expected += codes[(block * 16)..<(block * 16 + 16)] + [dialects[block], exponents[block]]
    }
    let stream = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/weights.axis")))
    #expect(stream == expected)
    let hex = try String(contentsOfFile: out + "/weights.hex", encoding: .utf8)
    #expect(hex.split(separator: "\n").count == 16)
    // load: opcode 1, M = 8 in bits 31..16, K = 64 in bits 47..32.
    let load = try String(contentsOfFile: out + "/load.hex", encoding: .utf8)
    #expect(UInt64(load.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) == 1 | 8 << 16 | 64 << 32)
  }

  /// A session holds one result beat per row group and vector, and one status per command.
  @Test func tileVectorsWritesASession() throws {
    let layer = try Layer()
    let out = layer.directory.file("session")
    let run = try dialectgen(["tile-vectors", layer.quantized, layer.activations, "--out", out, "--vectors", "2"])
    #expect(run.status == 0, "\(run)")
    // R = 4 units: 8 rows are 2 row groups; 2 vectors.
    #expect(run.stdout.contains("run 2 vector(s) of 8 rows: 4 result beats"), "\(run)")
    #expect(FileManager.default.fileExists(atPath: out + "/bd_tile/config.vh"))
  }

  /// Refusals: one line naming the fault, nothing written, the inputs untouched.
  @Test func refusesWhatTheTileCannotRun() throws {
    let layer = try Layer()
    let y = layer.directory.file("y.safetensors")
    func refused(_ arguments: [String], status: Int32, mentions: [String]) throws {
      let run = try dialectgen(arguments)
      run.expectRefusal(
        status: status, command: "dialectgen \(arguments[0])", mentions: mentions, arguments: arguments,
        sourceLocation: #_sourceLocation)
      #expect(!FileManager.default.fileExists(atPath: y))
    }
    // The output is an input (through a symbolic link: compared by device and inode).
    let link = layer.directory.file("link.safetensors")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: layer.activations)
    let before = try Data(contentsOf: URL(fileURLWithPath: layer.activations))
    try refused(["matmul", layer.quantized, layer.activations, "-o", link], status: 2, mentions: ["--output"])
    #expect(try Data(contentsOf: URL(fileURLWithPath: layer.activations)) == before)
    // Weights that were not quantized by dialectgen quantize.
    try refused(["matmul", layer.weights, layer.activations, "-o", y], status: 1, mentions: ["layer.safetensors"])
    // A tile too small for the weights, refused before their blocks are read.
    try refused(
      ["matmul", layer.quantized, layer.activations, "-o", y, "--tile-max-rows", "4"], status: 1,
      mentions: ["8 x 64", "--tile-max-rows"])
    // Activations of the wrong format, and of the wrong length.
    try refused(["matmul", layer.quantized, layer.weights, "-o", y], status: 1, mentions: ["F32", "fp16"])
    let short = layer.directory.file("short.safetensors")
    var writer = SafetensorsWriter()
    try writer.declare(name: "x", dtype: "F16", shape: [2, 32])
    try writer.write(to: short) { _ in [UInt8](repeating: 0, count: 128) }
    try refused(["matmul", layer.quantized, short, "-o", y], status: 1, mentions: ["[2, 32]", "64"])
    // More vectors than the file holds; a session too long for one run command.
    try refused(
      ["matmul", layer.quantized, layer.activations, "-o", y, "--vectors", "4"], status: 2, mentions: ["--vectors"])
    try refused(
      ["tile-vectors", layer.quantized, layer.activations, "--out", layer.directory.file("s"), "--repeat", "30000"],
      status: 2, mentions: ["--repeat", "65535"])
    // A directory of the user's files is not replaced.
    let mine = layer.directory.file("mine")
    try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: URL(fileURLWithPath: mine + "/notes.txt"))
    try refused(["tile-image", layer.quantized, "--out", mine], status: 1, mentions: ["mine"])
    #expect(try String(contentsOfFile: mine + "/notes.txt", encoding: .utf8) == "keep")
  }
}
