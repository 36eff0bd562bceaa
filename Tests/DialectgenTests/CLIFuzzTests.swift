import BlockDialect
import Foundation
import TestSupport
import Testing

/// A seeded mutation fuzzer over the command line, run as subprocesses with a time limit:
/// mutated tensor files through quantize, eval and formatbook fit, mutated books through
/// formatbook validate and show, mutated configurations through emit, and hostile option
/// values. Every run must end by itself (no signal, no hang) with exit 0 and a valid output,
/// or with exit 1 or 2, one safe line on standard error and nothing on standard output; the
/// inputs stay as they were and nothing else is left in the directory.
@Suite("Fuzzing: the command line, as subprocesses")
struct CLIFuzzTests {
  /// The seed files.
  static let corpus: (tensors: [UInt8], npy: [UInt8], books: [[UInt8]], configs: [[UInt8]]) = {
    let directory = try! TemporaryDirectory()
    try! InputTensors(seed: 5).write(to: directory.file("in.safetensors"))
    let tensors = Array(try! Data(contentsOf: URL(fileURLWithPath: directory.file("in.safetensors"))))
    let header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 40), }".utf8)
    let padded = header + [UInt8](repeating: 0x20, count: 118 - header.count - 1) + [0x0A]
    let npy =
      [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded
      + littleEndianBytes((0..<80).map { Float($0 % 13) - 6 })
    let books = ["dialectfp4", "e2m1"].map {
      Array(try! Data(contentsOf: repositoryRoot.appendingPathComponent("formatbooks/\($0).json")))
    }
    let configs = [
      #"{"block_size": 16, "input": "bf16", "pipeline": 1, "modules": ["decoder"]}"#,
      #"{"formatbook": {"name": "inline", "dialects": [[0,1,2,3,4,6,8,12],[0,1,2,3,4,6,9,12]]}, "modules": ["decoder"]}"#,
    ].map { Array($0.utf8) }
    return (tensors, npy, books, configs)
  }()

  /// Option values that must be refused on one safe line.
  static let hostileValues = [
    String(repeating: "9", count: 50_000), "\u{1B}[31m12\u{1B}[0m", "3\nsecond line", "-1", "1e400", "",
    "\u{202E}8", "0x10", "nan",
  ]

  @Test func commandLine() throws {
    let count = FuzzSettings.cases(default: 24, scale: 0.05)
    var random = FuzzRandom(seed: FuzzSettings.seed ^ 0xC11)
    var statuses = [Int32: Int]()
    for index in 0..<count {
      let directory = try TemporaryDirectory()
      let (arguments, inputs, outputs) = try Self.makeCase(index, random: &random, in: directory)
      let before = directory.contents.sorted()
      let contents = try inputs.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
      let run = try dialectgen(arguments, timeout: 60)
      let label = "case \(index): \(arguments.map { String($0.prefix(60)) })"
      statuses[run.status, default: 0] += 1
      #expect(!run.timedOut && !run.signaled, "\(label): \(run)")
      #expect([0, 1, 2].contains(run.status), "\(label): \(run)")
      if run.status == 0 {
        for output in outputs where output.hasSuffix(".safetensors") {
          #expect(throws: Never.self, "\(label)") { try SafetensorsFile(path: output) }
        }
      } else {
        #expect(run.stderrIsOneLine && run.stderr.hasPrefix("dialectgen "), "\(label): \(run)")
        #expect(run.stderr.contains(": error: ") && run.stdout.isEmpty, "\(label): \(run)")
        let unsafe = run.stderr.dropLast().unicodeScalars.first {
          [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
        }
        #expect(unsafe == nil && run.stderr.count < 2500, "\(label): \(run.stderr.debugDescription.prefix(300))")
        for output in outputs { #expect(!FileManager.default.fileExists(atPath: output), "\(label): left \(output)") }
      }
      for (path, data) in zip(inputs, contents) {
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == data, "\(label): \(path) changed")
      }
      let names = Set(outputs.map { URL(fileURLWithPath: $0).lastPathComponent })
      let left = Set(directory.contents).subtracting(before).subtracting(names)
      #expect(left.isEmpty, "\(label): left \(left)")
    }
    print("fuzz: command line: \(count) cases (exit statuses \(statuses.sorted { $0.key < $1.key }))")
  }

  /// One case: the arguments, the input files (which must not change) and the outputs it may
  /// write.
  static func makeCase(_ index: Int, random: inout FuzzRandom, in directory: TemporaryDirectory) throws -> (
    [String], [String], [String]
  ) {
    let all = [corpus.tensors, corpus.npy] + corpus.books + corpus.configs
    let output = directory.file("out.safetensors")
    switch index % 6 {
    case 0, 1:
      let npy = random.chance(1, in: 3)
      let input = try directory.write(
        npy ? "in.npy" : "in.safetensors",
        Mutator.mutate(npy ? corpus.npy : corpus.tensors, random: &random, corpus: all))
      var arguments = ["quantize", input, "-o", output]
      let options: [[String]] = [
        ["--format", "mxfp4"], ["--format", "nvfp4"], ["--path", "activation"], ["--dequantize"],
        ["--saturate-nonfinite"], ["--threads", "1"], ["--tensors", "?"], ["--block-size", "16"],
      ]
      for option in options where random.chance(1, in: 4) { arguments += option }
      return (arguments, [input], [output])
    case 2:
      let input = try directory.write("in.safetensors", Mutator.mutate(corpus.tensors, random: &random, corpus: all))
      let fit = random.chance(1, in: 2)
      let book = directory.file("book.json")
      let arguments =
        fit
        ? ["formatbook", "fit", "--data", input, "-o", book, "--rounds", "0", "--saturate-nonfinite"]
        : ["eval", input, "--json", "--saturate-nonfinite"]
      return (arguments, [input], fit ? [book] : [])
    case 3:
      let input = try directory.write(
        "book.json", Mutator.mutate(random.pick(corpus.books), random: &random, corpus: all))
      return (["formatbook", random.pick(["validate", "show"]), input], [input], [])
    case 4:
      let input = try directory.write(
        "config.json", Mutator.mutate(random.pick(corpus.configs), random: &random, corpus: all))
      let out = directory.file("rtl")
      return (["emit", "--config", input, "--modules", "decoder", "--out", out], [input], [out])
    default:
      let input = try directory.write("in.safetensors", corpus.tensors)
      let option = random.pick(["--block-size", "--threads", "--exponent-bias", "--format", "--tensors", "--path"])
      return (["quantize", input, "-o", output, option, random.pick(hostileValues)], [input], [output])
    }
  }
}
