import BlockDialect
import Foundation
import TestSupport
import Testing

/// Where the built `dialectgen` should be: the products directory the test runner lives in
/// (`.build/<triple>/<config>/` on Linux), found from the test bundle or the running executable.
let productDirectories: [URL] = {
  var directories = [Bundle.main.bundleURL]
  if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
  if let first = CommandLine.arguments.first {
    directories.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
  }
  directories += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
  return directories
}()

/// The `dialectgen` executable next to the test bundle, or nil.
let dialectgenExecutable: URL? = productDirectories.lazy.map { $0.appendingPathComponent("dialectgen") }
  .first { FileManager.default.isExecutableFile(atPath: $0.path) }

/// What one run of dialectgen did.
struct Run: CustomStringConvertible {
  let status: Int32
  let stdout: String
  let stderr: String
  /// Whether it ended by a signal (`status` is then the signal number).
  var signaled = false
  /// Whether it was still running at the time limit and was killed.
  var timedOut = false

  var description: String {
    "exit \(status)\(signaled ? " (signal)" : "")\(timedOut ? " (timed out)" : "")\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
  }

  /// Standard error is exactly one line (ending in a newline).
  var stderrIsOneLine: Bool { stderr.hasSuffix("\n") && !stderr.dropLast().contains("\n") }

  /// Checks a refused run: exit `status`, one line on standard error starting
  /// "`command`: error: " and holding every word of `mentions`, nothing on standard output.
  func expectRefusal(
    status: Int32, command: String, mentions: [String], arguments: [String], sourceLocation: SourceLocation
  ) {
    #expect(self.status == status && !signaled, "\(arguments): \(self)", sourceLocation: sourceLocation)
    #expect(stderrIsOneLine, "\(arguments): \(self)", sourceLocation: sourceLocation)
    #expect(stderr.hasPrefix("\(command): error: "), "\(self)", sourceLocation: sourceLocation)
    for word in mentions {
      #expect(
        stderr.contains(word), "\(arguments): stderr lacks '\(word)': \(stderr)", sourceLocation: sourceLocation)
    }
    #expect(stdout.isEmpty, "\(arguments): \(self)", sourceLocation: sourceLocation)
  }
}

/// A dialectgen process started in the background, its output captured through files (no
/// pipe can fill).
final class RunningDialectgen {
  let process = Process()
  private let scratch: TemporaryDirectory
  private let out: FileHandle
  private let err: FileHandle

  /// Starts dialectgen; `withoutCoreDumps` runs it through a shell that sets `ulimit -c 0`
  /// first (for tests that send crash signals).
  init(_ arguments: [String], withoutCoreDumps: Bool = false, sourceLocation: SourceLocation = #_sourceLocation)
    throws
  {
    let executable = try #require(
      dialectgenExecutable,
      "dialectgen is not built next to the test bundle (looked in \(productDirectories.map(\.path))); run 'swift build' first",
      sourceLocation: sourceLocation)
    scratch = try TemporaryDirectory()
    _ = FileManager.default.createFile(atPath: scratch.file("stdout"), contents: nil)
    _ = FileManager.default.createFile(atPath: scratch.file("stderr"), contents: nil)
    out = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("stdout")))
    err = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("stderr")))
    if withoutCoreDumps {
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", #"ulimit -c 0; exec "$0" "$@""#, executable.path] + arguments
    } else {
      process.executableURL = executable
      process.arguments = arguments
    }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    var environment = ProcessInfo.processInfo.environment
    environment["DIALECTGEN_NO_PROGRESS"] = "1"
    process.environment = environment
    try process.run()
  }

  /// Waits for the end (killing the process after `timeout` seconds, if given).
  func wait(timeout: Double? = nil) throws -> Run {
    var timedOut = false
    if let timeout {
      let deadline = Date().addingTimeInterval(timeout)
      while process.isRunning, Date() < deadline { usleep(2000) }
      if process.isRunning {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
      }
    }
    process.waitUntilExit()
    try out.close()
    try err.close()
    func text(_ name: String) throws -> String {
      String(decoding: try Data(contentsOf: URL(fileURLWithPath: scratch.file(name))), as: UTF8.self)
    }
    return Run(
      status: process.terminationStatus, stdout: try text("stdout"), stderr: try text("stderr"),
      signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
  }
}

/// Runs dialectgen with `arguments` to its end (killed after `timeout` seconds, if given).
func dialectgen(_ arguments: [String], timeout: Double? = nil, sourceLocation: SourceLocation = #_sourceLocation)
  throws -> Run
{
  try RunningDialectgen(arguments, sourceLocation: sourceLocation).wait(timeout: timeout)
}

/// The tensors of the standard input file: an F32 matrix whose rows end in a short block, an
/// F16 matrix, a BF16 vector, and an I64 tensor that is copied unchanged.
struct InputTensors {
  var w: [Float]
  var h: [UInt16]
  var b: [UInt16]
  var ids: [Int64] = [1, -2, 3]

  init(seed: UInt64 = 1) {
    let normal = SampleDistribution.normal.samples(4 * 70, seed: seed)
    w = normal.map { $0 * 0.02 }
    h = SampleDistribution.laplace.samples(2 * 40, seed: seed + 1).map { floatToFloat16($0) }
    b = SampleDistribution.studentT.samples(48, seed: seed + 2).map { floatToBFloat16($0 * 100) }
  }

  /// Writes them with the library's writer.
  func write(to path: String) throws {
    var writer = SafetensorsWriter()
    writer.metadata = [("source", "tests")]
    try writer.declare(name: "w", dtype: "F32", shape: [4, 70])
    try writer.declare(name: "h", dtype: "F16", shape: [2, 40])
    try writer.declare(name: "b", dtype: "BF16", shape: [48])
    try writer.declare(name: "ids", dtype: "I64", shape: [3])
    try writer.write(to: path) { index in
      switch index {
      case 0: return littleEndianBytes(w)
      case 1: return halfBytes(h)
      case 2: return halfBytes(b)
      default: return ids.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
      }
    }
  }

  /// The float tensors as the library reads them, with their shapes and formats.
  var floats: [(name: String, values: [Float], shape: [Int], format: ElementFormat)] {
    [
      ("w", w, [4, 70], .float32), ("h", h.map(float16ToFloat), [2, 40], .float16),
      ("b", b.map { ElementFormat.bfloat16.decode(UInt32($0)) }, [48], .bfloat16),
    ]
  }
}

/// Little-endian bytes of 16-bit words.
func halfBytes(_ words: [UInt16]) -> [UInt8] { words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

/// A safetensors file with one F32 tensor.
func writeSingleTensor(_ values: [Float], shape: [Int], name: String = "x", to path: String) throws {
  var writer = SafetensorsWriter()
  try writer.declare(name: name, dtype: "F32", shape: shape)
  try writer.write(to: path) { _ in littleEndianBytes(values) }
}
