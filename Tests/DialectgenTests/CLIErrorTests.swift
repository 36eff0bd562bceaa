import BlockDialect
import Foundation
import TestSupport
import Testing

/// Every bad input: exactly one line on standard error naming what is at fault, exit status
/// 2 for a command-line mistake and 1 for a bad file or failed work, nothing on standard
/// output, and no output file (neither OUT nor a temporary .OUT.tmp-* beside it).
@Suite("dialectgen: bad input")
struct CLIErrorTests {
  /// A directory holding a good input file.
  final class Workspace {
    let directory: TemporaryDirectory
    let input: String
    let output: String

    init() throws {
      directory = try TemporaryDirectory()
      input = directory.file("in.safetensors")
      output = directory.file("out.safetensors")
      try InputTensors().write(to: input)
    }

    /// Runs dialectgen and checks the failure.
    func expectFailure(
      _ arguments: [String], status: Int32, mentions: [String], command: String = "dialectgen quantize",
      sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
      let before = directory.contents.sorted()
      let run = try dialectgen(arguments, sourceLocation: sourceLocation)
      run.expectRefusal(
        status: status, command: command, mentions: mentions, arguments: arguments, sourceLocation: sourceLocation)
      #expect(
        !FileManager.default.fileExists(atPath: output), "\(arguments) left \(output)", sourceLocation: sourceLocation)
      let after = directory.contents.sorted()
      #expect(!after.contains { $0.contains(".tmp-") }, "temporary file left: \(after)", sourceLocation: sourceLocation)
      #expect(
        after == before, "\(arguments) changed the directory: \(before) -> \(after)", sourceLocation: sourceLocation)
    }
  }

  // MARK: command-line mistakes (exit 2)

  @Test func commandLineMistakes() throws {
    let w = try Workspace()
    let (input, output) = (w.input, w.output)
    try w.expectFailure(["quantize", input], status: 2, mentions: ["--output"])
    try w.expectFailure(["quantize", input, "-o", output, "--frobnicate"], status: 2, mentions: ["'--frobnicate'"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--format", "int4"], status: 2, mentions: ["--format", "'int4'"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--path", "sideways"], status: 2, mentions: ["--path", "'sideways'"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--format", "mxfp4", "--path", "activation"], status: 2,
      mentions: ["--path", "mxfp4"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--format", "mxfp4", "--block-size", "32"], status: 2,
      mentions: ["--block-size", "mxfp4"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--format", "nvfp4", "--formatbook", "e2m1"], status: 2,
      mentions: ["--formatbook", "nvfp4"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--block-size", "12"], status: 2, mentions: ["block size 12"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--block-size", "512"], status: 2, mentions: ["block size 512"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--block-size", "many"], status: 2, mentions: ["--block-size", "'many'"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--exponent-width", "9"], status: 2, mentions: ["exponent width 9"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--exponent-width", "1"], status: 2, mentions: ["exponent width 1"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--exponent-bias", "32"], status: 2, mentions: ["exponent bias 32"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--exponent-bias", "-1"], status: 2, mentions: ["exponent bias -1"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--exponent-width", "3", "--exponent-bias", "8"], status: 2,
      mentions: ["exponent bias 8", "3-bit"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--exponent-bias", "1.5"], status: 2, mentions: ["--exponent-bias", "'1.5'"])
    try w.expectFailure(["quantize", input, "-o", output, "--threads", "-3"], status: 2, mentions: ["--threads"])
    try w.expectFailure(["quantize", input, "-o"], status: 2, mentions: ["--output"])
    try w.expectFailure(["quantize", "-o", output], status: 2, mentions: ["IN.safetensors"])
    try w.expectFailure(["quantize", input, input, "-o", output], status: 2, mentions: ["unexpected argument"])
    try w.expectFailure(["quantize", input, "-o", output, "--dequantize=yes"], status: 2, mentions: ["--dequantize"])
    try w.expectFailure(
      ["quantize", input, "-o", output, "--tensors", "nothing*"], status: 2,
      mentions: ["--tensors", "'nothing*'", input])
    try w.expectFailure(
      ["eval", input, "--formats", "mxfp4,int8"], status: 2, mentions: ["--formats", "'int8'"],
      command: "dialectgen eval")
    try w.expectFailure(
      ["eval", input, "--block-size", "7"], status: 2, mentions: ["block size 7"], command: "dialectgen eval")
    try w.expectFailure(["eval"], status: 2, mentions: ["FILE"], command: "dialectgen eval")
    try w.expectFailure(
      ["bench", "--elements", "10"], status: 2, mentions: ["--elements", "10"], command: "dialectgen bench")
    try w.expectFailure(["bench", "extra"], status: 2, mentions: ["'extra'"], command: "dialectgen bench")
  }

  /// The output is compared with the input by device and inode: every spelling of the same
  /// file, a symbolic link to it, a directory link or a hard link is refused (exit 2) and the
  /// input stays as it was.
  @Test func outputEqualToInput() throws {
    let w = try Workspace()
    let manager = FileManager.default
    let original = try Data(contentsOf: URL(fileURLWithPath: w.input))
    try manager.createDirectory(atPath: w.directory.file("sub"), withIntermediateDirectories: false)
    try manager.createSymbolicLink(atPath: w.directory.file("link.safetensors"), withDestinationPath: w.input)
    try manager.createSymbolicLink(atPath: w.directory.file("alias"), withDestinationPath: w.directory.path)
    try manager.linkItem(atPath: w.input, toPath: w.directory.file("hard.safetensors"))
    let before = w.directory.contents.sorted()
    let spellings = [
      w.input, w.directory.path + "/./in.safetensors", w.directory.path + "//in.safetensors",
      w.directory.path + "/sub/../in.safetensors", w.directory.file("link.safetensors"),
      w.directory.file("alias/in.safetensors"), w.directory.file("hard.safetensors"),
    ]
    for spelling in spellings {
      let run = try dialectgen(["quantize", w.input, "-o", spelling])
      #expect(run.status == 2, "\(spelling): \(run)")
      #expect(run.stderrIsOneLine && run.stderr.contains("--output") && run.stderr.contains("same file"), "\(run)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: w.input)) == original)
      #expect(w.directory.contents.sorted() == before)
    }
    // A path through a directory that does not exist does not name the input: it is simply
    // not writable.
    let missing = try dialectgen(["quantize", w.input, "-o", w.directory.path + "/nosuch/../in.safetensors"])
    #expect(missing.status == 1 && missing.stderrIsOneLine && missing.stderr.contains("does not exist"), "\(missing)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: w.input)) == original)
  }

  @Test func unknownCommands() throws {
    let frob = try dialectgen(["frobnicate"])
    #expect(frob.status == 2 && frob.stderrIsOneLine && frob.stderr.contains("'frobnicate'"), "\(frob)")
    #expect(frob.stdout.isEmpty)
    let sub = try dialectgen(["formatbook", "frob"])
    #expect(sub.status == 2 && sub.stderrIsOneLine && sub.stderr.contains("'frob'"), "\(sub)")
    #expect(sub.stderr.contains("show") && sub.stderr.contains("validate"))
  }

  // MARK: bad files (exit 1)

  @Test func badInputFiles() throws {
    let w = try Workspace()
    let output = w.output
    let missing = w.directory.file("missing.safetensors")
    try w.expectFailure(["quantize", missing, "-o", output], status: 1, mentions: [missing, "cannot open"])
    let text = try w.directory.write("notes.safetensors", text: "these are not tensors, just words\n")
    try w.expectFailure(["quantize", text, "-o", output], status: 1, mentions: [text, "header length"])
    // Truncated: the header promises more data than is left.
    let whole = try Data(contentsOf: URL(fileURLWithPath: w.input))
    let truncated = try w.directory.write("cut.safetensors", Array(whole.prefix(whole.count - 40)))
    try w.expectFailure(["quantize", truncated, "-o", output], status: 1, mentions: [truncated, "outside the data"])
    let headerOnly = try w.directory.write("head.safetensors", Array(whole.prefix(20)))
    try w.expectFailure(["quantize", headerOnly, "-o", output], status: 1, mentions: [headerOnly])
    let tiny = try w.directory.write("tiny.safetensors", [1, 2, 3])
    try w.expectFailure(["quantize", tiny, "-o", output], status: 1, mentions: [tiny, "too short"])
    // A NumPy file of float64.
    let header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }".utf8)
    let padded = header + [UInt8](repeating: 0x20, count: 118 - header.count - 1) + [0x0A]
    let npy = try w.directory.write(
      "d.npy",
      [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded + [UInt8](repeating: 0, count: 16))
    try w.expectFailure(["quantize", npy, "-o", output], status: 1, mentions: [npy, "'<f8'"])
    // A file with no float tensors.
    var writer = SafetensorsWriter()
    try writer.declare(name: "ids", dtype: "I64", shape: [2])
    let ints = w.directory.file("ints.safetensors")
    try writer.write(to: ints) { _ in [UInt8](repeating: 1, count: 16) }
    try w.expectFailure(["quantize", ints, "-o", output], status: 1, mentions: [ints, "no F32, F16 or BF16"])
    // A tensor whose output name would clash with another tensor of the file.
    var clash = SafetensorsWriter()
    try clash.declare(name: "w", dtype: "F32", shape: [2])
    try clash.declare(name: "w.codes", dtype: "U8", shape: [2])
    let clashing = w.directory.file("clash.safetensors")
    try clash.write(to: clashing) { [littleEndianBytes([1, 2]), [1, 2]][$0] }
    try w.expectFailure(["quantize", clashing, "-o", output], status: 1, mentions: [clashing, "\"w.codes\"", "clash"])
    // A tensor of a dtype safetensors does not define cannot be copied.
    let unknownHeader =
      #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"C64","shape":[1],"data_offsets":[4,12]}}"#
    let unknown = try w.directory.write(
      "c64.safetensors",
      withUnsafeBytes(of: UInt64(unknownHeader.utf8.count).littleEndian) { Array($0) } + Array(unknownHeader.utf8)
        + [UInt8](repeating: 0, count: 12))
    try w.expectFailure(["quantize", unknown, "-o", output], status: 1, mentions: [unknown, "\"c\"", "C64"])
    // The input is a directory.
    try w.expectFailure(["quantize", w.directory.path, "-o", output], status: 1, mentions: [w.directory.path])
    // eval refuses the same files.
    try w.expectFailure(["eval", text], status: 1, mentions: [text], command: "dialectgen eval")
    try w.expectFailure(["eval", w.input, missing], status: 1, mentions: [missing], command: "dialectgen eval")
  }

  @Test func nonfiniteValuesWithoutSaturation() throws {
    let w = try Workspace()
    var values = [Float](repeating: 0.5, count: 100)
    values[37] = -.infinity
    values[90] = .nan
    let input = w.directory.file("inf.safetensors")
    try writeSingleTensor(values, shape: [4, 25], name: "layer.0.weight", to: input)
    for format in ["blockdialect", "mxfp4", "nvfp4"] {
      try w.expectFailure(
        ["quantize", input, "-o", w.output, "--format", format], status: 1,
        mentions: [input, "\"layer.0.weight\"", "index 37", "--saturate-nonfinite"])
    }
    try w.expectFailure(
      ["quantize", input, "-o", w.output, "--dequantize"], status: 1, mentions: ["\"layer.0.weight\"", "index 37"])
    try w.expectFailure(
      ["eval", input], status: 1, mentions: ["\"layer.0.weight\"", "index 37"], command: "dialectgen eval")
    // With the flag it succeeds.
    let run = try dialectgen(["quantize", input, "-o", w.output, "--saturate-nonfinite"])
    #expect(run.status == 0, "\(run)")
    #expect(FileManager.default.fileExists(atPath: w.output))
  }

  @Test func unwritableOutput() throws {
    let w = try Workspace()
    let nowhere = w.directory.file("no/such/dir/out.safetensors")
    try w.expectFailure(["quantize", w.input, "-o", nowhere], status: 1, mentions: [w.directory.file("no/such/dir")])
    // Output onto an existing directory.
    let sub = w.directory.file("sub")
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
    try w.expectFailure(["quantize", w.input, "-o", sub], status: 1, mentions: [sub])
  }

  // MARK: formatbooks

  /// A bad formatbook file, each rule: refused (exit 1) naming the file, the dialect and the
  /// rule, by quantize --formatbook, eval --formatbook and formatbook validate.
  @Test func badFormatbooks() throws {
    let w = try Workspace()
    let good = (0..<16).map { _ in "[0, 1, 2, 3, 4, 6, 8, 12]" }
    func book(_ dialects: [String], extra: String = "") -> String {
      #"{"name": "bad", "ties": "up", "# + extra + #""dialects": ["# + dialects.joined(separator: ", ") + "]}"
    }
    let cases: [(String, String, [String])] = [
      ("count.json", book(["[0, 1, 2, 3, 4, 6, 8, 12]", "[0, 1, 2, 3, 4, 6, 8]"]), ["dialect 1", "7 magnitudes"]),
      ("first.json", book(["[1, 2, 3, 4, 5, 6, 8, 12]"]), ["dialect 0", "first magnitude is 1"]),
      (
        "range.json", book(["[0, 1, 2, 3, 4, 6, 8, 12]", "[0, 1, 2, 3, 4, 6, 8, 16]"]),
        ["dialect 1", "magnitude 7 is 16", "0...15"]
      ),
      ("order.json", book(["[0, 1, 2, 3, 4, 6, 12, 8]"]), ["dialect 0", "strictly increasing"]),
      ("none.json", book([]), ["has 0 dialects"]),
      ("many.json", book(good + ["[0, 1, 2, 3, 4, 5, 6, 7]"]), ["has 17 dialects"]),
      ("ties.json", #"{"ties": "nearest", "dialects": [[0, 1, 2, 3, 4, 6, 8, 12]]}"#, ["\"ties\" is \"nearest\""]),
      ("field.json", book(["[0, 1, 2, 3, 4, 6, 8, 12]"], extra: #""bits": 4, "#), ["unknown field \"bits\""]),
      ("fraction.json", book(["[0, 1, 2, 3, 4, 6, 8.5, 12]"]), ["dialect 0", "magnitude 6 is 8.5", "integers"]),
      ("syntax.json", #"{"dialects": [[0, 1, 2, 3, 4, 6, 8, 12],]}"#, ["invalid JSON"]),
    ]
    for (name, text, words) in cases {
      let path = try w.directory.write(name, text: text)
      try w.expectFailure(
        ["quantize", w.input, "-o", w.output, "--formatbook", path], status: 1, mentions: [path] + words)
      try w.expectFailure(
        ["eval", w.input, "--formatbook", path], status: 1, mentions: [path] + words, command: "dialectgen eval")
      try w.expectFailure(
        ["formatbook", "validate", path], status: 1, mentions: [path] + words, command: "dialectgen formatbook validate"
      )
      try w.expectFailure(
        ["formatbook", "show", path], status: 1, mentions: [path] + words, command: "dialectgen formatbook show")
    }
    let missing = w.directory.file("missing.json")
    try w.expectFailure(
      ["quantize", w.input, "-o", w.output, "--formatbook", missing], status: 1, mentions: [missing])
    // validate with one good and one bad book: the good one is reported valid on stdout, the
    // bad one on stderr, exit 1.
    let good1 = repositoryRoot.appendingPathComponent("formatbooks/e2m1.json").path
    let bad = w.directory.file("first.json")
    let mixed = try dialectgen(["formatbook", "validate", good1, bad])
    #expect(mixed.status == 1, "\(mixed)")
    #expect(mixed.stdout.contains("valid: e2m1"))
    #expect(mixed.stderrIsOneLine && mixed.stderr.contains(bad), "\(mixed)")
  }
}
