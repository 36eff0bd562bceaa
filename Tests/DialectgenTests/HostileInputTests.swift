import BlockDialect
import Foundation
import TestSupport
import Testing

/// One regression test for every defect of issue 11 ("Hostile input and data safety"), and for
/// those found while fixing it: crafted sizes, outputs that are inputs or not regular files,
/// directories that are not ours, injected names, signals, memory, raw text in messages,
/// FIFOs, full disks and malformed files that used to be accepted.
@Suite("dialectgen: hostile input and data safety")
struct HostileInputTests {
  /// A safetensors file holding exactly `header` (padded) and `data`.
  static func safetensors(_ header: String, data: [UInt8] = []) -> [UInt8] {
    var text = Array(header.utf8)
    while text.count % 8 != 0 { text.append(0x20) }
    return withUnsafeBytes(of: UInt64(text.count).littleEndian) { Array($0) } + text + data
  }

  /// An `.npy` file (version 1) with `header` and `data`.
  static func npy(_ header: String, data: [UInt8] = []) -> [UInt8] {
    var text = Array(header.utf8)
    while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
    text.append(0x0A)
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
  }

  // MARK: sizes from files

  /// A 112-byte file holding a zero-element tensor of shape [0, 2^63 - 1] trapped quantize,
  /// eval and fit --data on overflow; [2^62, 0] made --dequantize and fit loop for ever.
  @Test func zeroElementTensorsWithHugeDimensions() throws {
    let directory = try TemporaryDirectory()
    for shape in ["[0,9223372036854775807]", "[4611686018427387904,0]", "[3,0,4611686018427387904]"] {
      let input = try directory.write(
        "zero.safetensors", Self.safetensors(#"{"x":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,0]}}"#))
      for options in [[], ["--dequantize"], ["--format", "mxfp4"], ["--format", "nvfp4", "--dequantize"]] {
        let output = directory.file("out.safetensors")
        let run = try dialectgen(["quantize", input, "-o", output] + options, timeout: 60)
        #expect(run.status == 0 && !run.timedOut, "\(shape) \(options): \(run)")
        let file = try SafetensorsFile(path: output)
        #expect(file.entries.allSatisfy { $0.byteCount == 0 || $0.name == "x.tensor_scale" }, "\(shape)")
        try FileManager.default.removeItem(atPath: output)
      }
      let eval = try dialectgen(["eval", input, "--json"], timeout: 60)
      #expect(eval.status == 0 && !eval.timedOut, "\(eval)")
      let fit = try dialectgen(["formatbook", "fit", "--data", input, "-o", directory.file("b.json")], timeout: 60)
      #expect(fit.status == 1 && fit.stderr.contains("0 value(s)") && !fit.timedOut, "\(fit)")
    }
    // An .npy whose element count, or byte count, overflows.
    for shape in ["(4611686018427387904, 2)", "(2305843009213693952,)", "(0, 4611686018427387904, 4)"] {
      let input = try directory.write(
        "big.npy", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"))
      let run = try dialectgen(["quantize", input, "-o", directory.file("out.safetensors")], timeout: 60)
      if shape.hasPrefix("(0,") {
        #expect(run.status == 0, "\(run)")
      } else {
        run.expectRefusal(
          status: 1, command: "dialectgen quantize", mentions: [input, "too large"], arguments: [shape],
          sourceLocation: #_sourceLocation)
      }
    }
  }

  /// Found by the fuzzer: a file whose only float tensors are empty got a stray byte after its
  /// header, so the output was not valid safetensors.
  @Test func onlyEmptyTensorsGiveAValidFile() throws {
    let directory = try TemporaryDirectory()
    let input = try directory.write(
      "empty.safetensors",
      Self.safetensors(
        #"{"a":{"dtype":"F16","shape":[0,5],"data_offsets":[0,0]},"b":{"dtype":"BF16","shape":[7,0],"data_offsets":[0,0]}}"#
      ))
    for options in [[], ["--format", "nvfp4"], ["--dequantize"]] {
      let output = directory.file("out.safetensors")
      let run = try dialectgen(["quantize", input, "-o", output] + options)
      #expect(run.status == 0, "\(run)")
      let file = try SafetensorsFile(path: output)
      #expect(file.entries.count == (options == ["--dequantize"] ? 2 : options.isEmpty ? 6 : 6))
    }
  }

  // MARK: outputs

  /// As root, -o naming a character device replaced the device node with a regular file; a
  /// FIFO, a directory or a dangling link must not be replaced either. A link to a regular file
  /// is followed: the link stays and its target is replaced.
  @Test func outputsThatAreNotRegularFiles() throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("in.safetensors")
    try InputTensors().write(to: input)
    func refuse(_ output: String, _ words: [String]) throws {
      let run = try dialectgen(["quantize", input, "-o", output], timeout: 60)
      run.expectRefusal(
        status: 1, command: "dialectgen quantize", mentions: words, arguments: [output],
        sourceLocation: #_sourceLocation
      )
    }
    try refuse("/dev/null", ["/dev/null", "character device", "only replaces regular files"])
    var status = stat()
    #expect(stat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)
    #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
    try refuse(directory.file("fifo"), ["FIFO"])
    try FileManager.default.createDirectory(atPath: directory.file("dir"), withIntermediateDirectories: false)
    try refuse(directory.file("dir"), ["directory"])
    try refuse(directory.file("dir") + "/", ["directory"])
    try FileManager.default.createSymbolicLink(atPath: directory.file("dangling"), withDestinationPath: "nowhere")
    try refuse(directory.file("dangling"), ["symbolic link to a missing file"])
    try FileManager.default.createSymbolicLink(atPath: directory.file("null"), withDestinationPath: "/dev/null")
    try refuse(directory.file("null"), ["character device"])
    if geteuid() == 0 {
      // A device node made here (root only): it stays a device.
      let device = directory.file("device")
      #expect(mknod(device, S_IFCHR | 0o600, dev_t(1 << 8 | 3) /* makedev(1, 3): /dev/null's numbers */) == 0)
      try refuse(device, ["character device"])
      #expect(stat(device, &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)
    }
    #expect(lstat(directory.file("fifo"), &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
    // A link to a regular file: written through.
    try Data("old".utf8).write(to: URL(fileURLWithPath: directory.file("target.safetensors")))
    try FileManager.default.createSymbolicLink(
      atPath: directory.file("link.safetensors"), withDestinationPath: directory.file("target.safetensors"))
    let run = try dialectgen(["quantize", input, "-o", directory.file("link.safetensors")])
    #expect(run.status == 0, "\(run)")
    #expect(lstat(directory.file("link.safetensors"), &status) == 0 && status.st_mode & S_IFMT == S_IFLNK)
    #expect(try SafetensorsFile(path: directory.file("target.safetensors")).entries.count == 10)
    #expect(!directory.contents.contains { $0.contains(".tmp-") })
  }

  /// emit --out DIR deleted the files of any directory holding a file named manifest.json;
  /// vectors --out and references --out wiped an emitted RTL directory without a word.
  @Test func directoriesThatAreNotOurs() throws {
    let directory = try TemporaryDirectory()
    let project = directory.file("project")
    try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: false)
    try directory.write("project/manifest.json", text: #"{"name": "my project"}"#)
    try directory.write("project/main.c", text: "int main(void) { return 0; }\n")
    let emit = try dialectgen(["emit", "--modules", "decoder", "--out", project])
    emit.expectRefusal(
      status: 1, command: "dialectgen emit", mentions: [project, "refusing to replace", "choose"], arguments: [],
      sourceLocation: #_sourceLocation)
    #expect(try String(contentsOfFile: project + "/main.c", encoding: .utf8) == "int main(void) { return 0; }\n")
    // An emitted directory is refused by vectors and references, and kept intact.
    let rtl = directory.file("rtl")
    #expect(try dialectgen(["emit", "--modules", "decoder", "--out", rtl]).status == 0)
    let emitted = try FileManager.default.contentsOfDirectory(atPath: rtl).sorted()
    for command in ["vectors", "references"] {
      let run = try dialectgen(
        [command, "--modules", "decoder", "--count", "1", "--out", rtl].filter {
          command == "vectors" || ($0 != "--count" && $0 != "1")
        })
      run.expectRefusal(
        status: 1, command: "dialectgen \(command)",
        mentions: [rtl, "dialectgen emit", "not of 'dialectgen \(command)'"],
        arguments: [command], sourceLocation: #_sourceLocation)
      #expect(try FileManager.default.contentsOfDirectory(atPath: rtl).sorted() == emitted)
    }
    // Emitting again into our own output replaces it; an added file makes it refused.
    #expect(try dialectgen(["emit", "--modules", "decoder", "--out", rtl]).status == 0)
    try directory.write("rtl/notes.txt", text: "mine\n")
    let again = try dialectgen(["emit", "--modules", "decoder", "--out", rtl])
    again.expectRefusal(
      status: 1, command: "dialectgen emit", mentions: ["notes.txt", "did not write"], arguments: [],
      sourceLocation: #_sourceLocation)
    #expect(FileManager.default.fileExists(atPath: rtl + "/notes.txt"))
    // report --work: the same rule, and it may not overlap --out.
    let work = try dialectgen(["report", "--no-fpga", "--out", directory.file("r"), "--work", project])
    #expect(work.status == 1 && work.stderrIsOneLine && work.stderr.contains("refusing to replace"), "\(work)")
    let overlap = try dialectgen(["report", "--no-fpga", "--out", directory.file("r"), "--work", directory.file("r/w")])
    #expect(overlap.status == 1 && overlap.stderr.contains("overlap"), "\(overlap)")
    #expect(try String(contentsOfFile: project + "/main.c", encoding: .utf8).hasPrefix("int main"))
  }

  /// A book whose name held a newline and Verilog was valid, and the text became a live module
  /// in every emitted file.
  @Test func injectedBookNames() throws {
    let directory = try TemporaryDirectory()
    let book = try directory.write(
      "evil.json",
      text:
        #"{"name": "x\nendmodule\nmodule evil(); initial $finish; endmodule\n//", "dialects": [[0,1,2,3,4,6,8,12]]}"#)
    for arguments in [
      ["emit", "--formatbook", book, "--out", directory.file("rtl")], ["formatbook", "validate", book],
      ["quantize", "x.safetensors", "--formatbook", book, "-o", directory.file("o")],
    ] {
      let run = try dialectgen(arguments)
      #expect(run.status == 1 && run.stderrIsOneLine, "\(run)")
      #expect(run.stderr.contains("x\\nendmodule\\nmodule evil") && run.stderr.contains("not allowed"), "\(run)")
    }
    #expect(directory.contents.sorted() == ["evil.json"])
  }

  // MARK: signals

  /// Ctrl-C, SIGTERM, SIGHUP or a crash left .OUT.tmp-PID files behind.
  @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGSEGV])
  func signalsRemoveTemporaries(signalNumber: Int32) throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("big.safetensors")
    let values = (0..<(1 << 24)).map { Float($0 % 1000) * 0.001 - 0.5 }
    try writeSingleTensor(values, shape: [4096, 4096], to: input)
    let output = directory.file("out.safetensors")
    // Through a shell that turns core dumps off, so that SIGSEGV leaves no core file.
    let running = try RunningDialectgen(["quantize", input, "-o", output, "--threads", "1"], withoutCoreDumps: true)
    let deadline = Date().addingTimeInterval(30)
    while !directory.contents.contains(where: { $0.contains(".tmp-") }), running.process.isRunning, Date() < deadline {
      usleep(500)
    }
    #expect(directory.contents.contains { $0.contains(".tmp-") }, "no temporary file appeared")
    kill(running.process.processIdentifier, signalNumber)
    let run = try running.wait(timeout: 60)
    #expect(run.signaled && run.status == signalNumber, "\(run)")
    #expect(directory.contents == ["big.safetensors"], "left \(directory.contents)")
  }

  // MARK: memory and scale

  /// A 2 GiB F32 tensor peaked at 4.8 GB (the whole tensor was decoded first). Here a 256 MiB
  /// sparse tensor must stay below 100 MB resident (the whole tensor alone would be 256 MiB);
  /// make bench-cli and docs/data-safety.md give the 2 GiB figure.
  @Test func quantizingStreamsInBoundedMemory() throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("sparse.safetensors")
    let count = 1 << 26
    let header = Self.safetensors(#"{"w":{"dtype":"F32","shape":[16384,4096],"data_offsets":[0,\#(4 * count)]}}"#)
    try Data(header).write(to: URL(fileURLWithPath: input))
    #expect(truncate(input, off_t(header.count + 4 * count)) == 0)
    for options in [["--format", "nvfp4"], ["--dequantize"]] {
      let (status, kilobytes) = try peakResidentKilobytes(["quantize", input, "-o", directory.file("out")] + options)
      #expect(status == 0)
      #expect(kilobytes < 100_000, "\(options): peak \(kilobytes) kB")
    }
    let (status, kilobytes) = try peakResidentKilobytes(["eval", input, "--formats", "mxfp4"])
    #expect(status == 0 && kilobytes < 100_000, "eval: peak \(kilobytes) kB")
  }

  /// Planning was quadratic in the number of tensors. 5,000 small tensors quantize, each to
  /// the right bytes (the time is measured by make bench-cli, not here).
  @Test func manyTensors() throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("many.safetensors")
    var writer = SafetensorsWriter()
    for index in 0..<5000 { try writer.declare(name: "t\(index)", dtype: "F32", shape: [2, 3]) }
    try writer.write(to: input) { index in littleEndianBytes((0..<6).map { Float(index + $0) / 7 }) }
    let output = directory.file("out.safetensors")
    let run = try dialectgen(["quantize", input, "-o", output])
    #expect(run.status == 0, "\(run)")
    let file = try SafetensorsFile(path: output)
    #expect(file.entries.count == 15_000)
    for index in [0, 1234, 4999] {
      let tensor = TensorQuantizer(scheme: .blockDialect(.default, .leastSquares)).quantize(
        (0..<6).map { Float(index + $0) / 7 }, shape: [2, 3])
      let codes = try #require(file.entries.first { $0.name == "t\(index).codes" })
      #expect(try file.rawBytes(codes) == tensor.packedCodes())
    }
  }

  // MARK: messages

  /// Tensor names, dtypes, .npy header keys, book names and option values were echoed raw: a
  /// newline split the error, terminal escapes reached the terminal, a 50,000-digit number made
  /// a 50 kB line.
  @Test func echoedTextIsEscapedAndShort() throws {
    let directory = try TemporaryDirectory()
    let name = "a\nb\u{1B}[31mred"
    let escapedName = #"a\nb\u{1B}[31mred"#
    var writer = SafetensorsWriter()
    try writer.declare(name: name, dtype: "F32", shape: [2])
    let input = directory.file("in.safetensors")
    try writer.write(to: input) { _ in littleEndianBytes([1, .nan]) }
    let cases: [([String], String)] = [
      (["quantize", input, "-o", directory.file("o")], escapedName),
      (["eval", input], escapedName),
      (
        [
          "quantize",
          try directory.write(
            "d.safetensors",
            Self.safetensors(#"{"w":{"dtype":"\u001b]0;title\u0007","shape":[],"data_offsets":[0,0]}}"#)), "-o",
          directory.file("o"),
        ],
        #"\u{1B}]0;title\u{7}"#
      ),
      (
        [
          "quantize",
          try directory.write(
            "k.npy",
            Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), '\u{1B}[2J': 1}", data: [0, 0, 0, 0])),
          "-o", directory.file("o"),
        ],
        "control character"
      ),
      (
        [
          "quantize",
          try directory.write(
            "u.npy",
            Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'k\u{202E}': 1}", data: [0, 0, 0, 0])),
          "-o", directory.file("o"),
        ],
        #"unknown header key 'k\u{202E}'"#
      ),
      (
        ["quantize", input, "-o", directory.file("o"), "--block-size", String(repeating: "9", count: 50_000)],
        "(50000 characters)"
      ),
      (["quantize", input, "-o", directory.file("o"), "--tensors", "x\ny"], #"x\ny"#),
      (["quantize", input, "-o", directory.file("o"), "--format", "\u{1B}[2J"], #"\u{1B}[2J"#),
      (["frob\u{1B}[2J"], #"frob\u{1B}[2J"#),
    ]
    for (arguments, shown) in cases {
      let run = try dialectgen(arguments)
      #expect(run.status != 0 && run.stderrIsOneLine && run.stderr.count < 1000, "\(run.stderr.prefix(300))")
      #expect(!run.stderr.contains("\u{1B}") && run.stderr.contains(shown), "\(run.stderr.debugDescription)")
    }
  }

  // MARK: special files and I/O failures

  /// A FIFO as input hung in open(); a directory or device is refused too, on one line.
  @Test func specialFilesAsInputs() throws {
    let directory = try TemporaryDirectory()
    let fifo = directory.file("fifo.safetensors")
    #expect(mkfifo(fifo, 0o600) == 0)
    let input = directory.file("in.safetensors")
    try InputTensors().write(to: input)
    let cases: [([String], Int32)] = [
      (["quantize", fifo, "-o", directory.file("o")], 1), (["eval", fifo], 1),
      (["quantize", input, "-o", directory.file("o"), "--formatbook", fifo], 1),
      (["formatbook", "validate", fifo], 1), (["emit", "--config", fifo, "--out", directory.file("rtl")], 2),
      (["formatbook", "fit", "--data", fifo, "-o", directory.file("b.json")], 1),
      (["quantize", "/dev/zero", "-o", directory.file("o")], 1), (["eval", directory.path], 1),
    ]
    for (arguments, status) in cases {
      let run = try dialectgen(arguments, timeout: 30)
      #expect(!run.timedOut && run.status == status && run.stderrIsOneLine, "\(arguments): \(run)")
      #expect(run.stderr.contains("not a regular file"), "\(run)")
    }
  }

  /// A full disk printed a raw Foundation error dump. With a file-size limit (ulimit -f) the
  /// write fails: one line naming the output and the cause in words, nothing left behind.
  @Test func writeFailuresNameTheFileAndTheCause() throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("in.safetensors")
    try writeSingleTensor((0..<(1 << 18)).map { Float($0) }, shape: [512, 512], to: input)
    let output = directory.file("out.safetensors")
    let executable = try #require(dialectgenExecutable)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
      "-c", "ulimit -f 16; exec \"$0\" quantize \"$1\" -o \"$2\" --dequantize", executable.path, input, output,
    ]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 1 && process.terminationReason == .exit, "\(text)")
    #expect(text.hasPrefix("dialectgen quantize: error: \(output): cannot write: File too large"), "\(text)")
    #expect(text.hasSuffix("\n") && !text.dropLast().contains("\n"))
    #expect(directory.contents == ["in.safetensors"])
    if geteuid() != 0 {
      // Permission denied (root writes anywhere, so only as another user).
      let locked = directory.file("locked")
      try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
      chmod(locked, 0o500)
      defer { chmod(locked, 0o700) }
      let run = try dialectgen(["quantize", input, "-o", locked + "/out.safetensors"])
      #expect(run.status == 1 && run.stderr.contains("Permission denied"), "\(run)")
    }
  }
}

/// Runs dialectgen and returns its exit status and peak resident memory: the high-water mark
/// (VmHWM) of its own address space, read from /proc while it runs. (wait4's ru_maxrss would
/// count the test runner's memory too: a spawned child's figure includes its parent's at the
/// exec.)
func peakResidentKilobytes(_ arguments: [String]) throws -> (status: Int32, kilobytes: Int) {
  let running = try RunningDialectgen(arguments)
  let status = "/proc/\(running.process.processIdentifier)/status"
  var peak = 0
  while running.process.isRunning {
    if let text = try? String(contentsOfFile: status, encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
      let value = Int(line.split(separator: " ").dropFirst().first ?? "")
    {
      peak = max(peak, value)
    }
    usleep(2000)
  }
  return (try running.wait().status, peak)
}
