import Foundation
import TestSupport
import Testing

@testable import HDL

// MARK: - External tools

/// Verilog tools the cross-checks run. A missing tool skips its tests, unless
/// `DIALECTGEN_REQUIRE_TOOLS=1`, in which case the tests run and fail.
enum Tools {
  /// Whether missing tools are failures rather than reasons to skip.
  static let required = ProcessInfo.processInfo.environment["DIALECTGEN_REQUIRE_TOOLS"] == "1"

  /// The full path of `name` on PATH, if it is there.
  static func path(_ name: String) -> String? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for directory in directories {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// Whether tests needing `names` should run: all present, or tools required.
  static func enabled(_ names: String...) -> Bool { required || names.allSatisfy { path($0) != nil } }

  static let icarus = enabled("iverilog", "vvp")
  static let verilator = enabled("verilator")
  static let lintScript = enabled("verilator", "yosys")
  static let yosys = enabled("yosys")

  static let icarusMissing: Comment =
    "Icarus Verilog (iverilog, vvp) is not installed: skipped (DIALECTGEN_REQUIRE_TOOLS=1 makes this a failure)"
  static let verilatorMissing: Comment =
    "Verilator is not installed: skipped (DIALECTGEN_REQUIRE_TOOLS=1 makes this a failure)"
  static let yosysMissing: Comment =
    "Yosys is not installed: skipped (DIALECTGEN_REQUIRE_TOOLS=1 makes this a failure)"
  static let lintMissing: Comment =
    "Verilator and Yosys are needed by scripts/lint.sh: skipped (DIALECTGEN_REQUIRE_TOOLS=1 makes this a failure)"
}

/// The result of running a program.
struct ProcessOutput {
  let status: Int32
  /// Standard output and standard error, interleaved as written.
  let output: String
}

/// Runs `executable` with `arguments` in `directory`, capturing standard output and error.
func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> ProcessOutput {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return ProcessOutput(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// Runs a tool found on PATH; a missing tool is a test failure (callers are gated by ``Tools``).
func runTool(_ name: String, _ arguments: [String], in directory: String? = nil) throws -> ProcessOutput {
  let executable = try #require(Tools.path(name), "\(name) is not installed")
  return try run(executable, arguments, in: directory)
}

/// Replays `vectors` against the emitted Verilog of `module` (and its submodules) in Icarus
/// Verilog and returns the testbench's last line, `N passed, M failed`, and the whole output.
func replayInIcarus(_ module: Module, vectors: VectorTestbench) throws -> (summary: String, output: String) {
  let directory = try TemporaryDirectory()
  var files: [String] = []
  for (name, text) in VerilogEmitter().emitHierarchy(module) { files.append(try directory.write(name, text: text)) }
  try directory.write("\(module.name).stimulus.hex", text: vectors.stimulus.joined(separator: "\n") + "\n")
  try directory.write("\(module.name).expected.hex", text: vectors.expected.joined(separator: "\n") + "\n")
  files.append(try directory.write("tb.v", text: vectors.verilog(vectorDirectory: directory.path)))
  files.append(try directory.write("clock.v", text: VectorTestbench.clockWrapper(testbench: "tb_\(module.name)")))
  let compiled = try runTool("iverilog", ["-g2005", "-o", directory.file("x.vvp")] + files)
  guard compiled.status == 0 else { return ("iverilog failed", compiled.output) }
  #expect(compiled.output.isEmpty, "iverilog has something to say about \(module.name): \(compiled.output)")
  let simulated = try runTool("vvp", ["-n", directory.file("x.vvp")])
  let lines = simulated.output.split(separator: "\n").map(String.init)
  return (lines.last ?? "", compiled.output + simulated.output)
}

// MARK: - Diagnostics

/// The diagnostics `build()` throws, or an issue if it does not throw.
func buildErrors(_ m: ModuleBuilder, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Diagnostic] {
  do {
    let module = try m.build()
    Issue.record("build() of '\(module.name)' was expected to throw", sourceLocation: sourceLocation)
    return []
  } catch let error as ElaborationError {
    return error.diagnostics
  } catch {
    Issue.record("build() threw \(error), not an ElaborationError", sourceLocation: sourceLocation)
    return []
  }
}

/// Expects `build()` to throw exactly one error, at `line` of the calling file, whose message
/// holds every one of `parts`; returns it.
@discardableResult
func expectError(
  _ m: ModuleBuilder, line: Int, file: String = #fileID, _ parts: [String],
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Diagnostic? {
  let diagnostics = buildErrors(m, sourceLocation: sourceLocation)
  #expect(diagnostics.count == 1, "expected one error, got: \(diagnostics)", sourceLocation: sourceLocation)
  guard let diagnostic = diagnostics.first else { return nil }
  #expect(diagnostic.severity == .error, sourceLocation: sourceLocation)
  #expect(diagnostic.module == m.name, sourceLocation: sourceLocation)
  #expect(diagnostic.location == HDL.SourceLocation(file: file, line: line), sourceLocation: sourceLocation)
  #expect(
    diagnostic.description.hasPrefix("\(file):\(line): error: module \(m.name): "), sourceLocation: sourceLocation)
  for part in parts {
    #expect(
      diagnostic.message.contains(part), "'\(part)' missing from: \(diagnostic.message)", sourceLocation: sourceLocation
    )
  }
  return diagnostic
}

// MARK: - Simulation helpers

extension Simulator {
  /// Sets inputs, settles the logic and returns the named outputs as bit vectors.
  func evaluate(_ inputs: [String: BitVector]) {
    for (name, value) in inputs { set(name, value) }
    evaluate()
  }

  /// A named signal read as a signed integer (it must fit in 64 bits).
  func signedValue(_ name: String) -> Int {
    let bits = get(name)
    precondition(bits.width <= 64)
    let shift = 64 - bits.width
    return Int(Int64(bitPattern: bits.low64 << UInt64(shift)) >> Int64(shift))
  }
}

/// A random integer in `range` drawn from `random`.
func draw(_ range: ClosedRange<Int>, _ random: inout SplitMix) -> Int {
  range.lowerBound + random.below(range.upperBound - range.lowerBound + 1)
}

/// `value` as a `width`-bit two's-complement integer read back as signed or unsigned.
func wrap(_ value: Int, width: Int, signed: Bool) -> Int {
  precondition(width < 63)
  let modulus = 1 << width
  var result = ((value % modulus) + modulus) % modulus
  if signed, result >= modulus / 2 { result -= modulus }
  return result
}

// MARK: - A reference model of bit vectors

/// An independent model of fixed-width two's-complement values as arrays of bits (least
/// significant first), with schoolbook algorithms: the simulator's wide arithmetic is checked
/// against it.
struct Bits: Equatable, CustomStringConvertible {
  var bits: [Bool]
  var width: Int { bits.count }

  init(_ bits: [Bool]) { self.bits = bits }

  init(_ value: BitVector) { bits = (0..<value.width).map { value[bit: $0] } }

  init(_ value: Int, width: Int) { bits = (0..<width).map { i in i < 64 ? (value >> i) & 1 == 1 : value < 0 } }

  var vector: BitVector {
    var words = [UInt64](repeating: 0, count: (width + 63) / 64)
    for (i, bit) in bits.enumerated() where bit { words[i / 64] |= UInt64(1) << UInt64(i % 64) }
    return BitVector(width: width, words: words)
  }

  var description: String { vector.description }

  var sign: Bool { bits.last! }

  /// Extended (or cut) to `width` bits by `signed`.
  func resized(_ width: Int, signed: Bool) -> Bits {
    Bits((0..<width).map { i in i < self.width ? bits[i] : (signed && sign) })
  }

  static func + (a: Bits, b: Bits) -> Bits {
    var carry = false
    var result: [Bool] = []
    for i in 0..<a.width {
      let (x, y) = (a.bits[i], b.bits[i])
      result.append(x != y ? !carry : carry)
      carry = (x && y) || (carry && (x != y))
    }
    return Bits(result)
  }

  static prefix func ~ (a: Bits) -> Bits { Bits(a.bits.map { !$0 }) }

  static func - (a: Bits, b: Bits) -> Bits { a + (~b) + Bits(1, width: a.width) }

  static func * (a: Bits, b: Bits) -> Bits {
    var result = Bits(0, width: a.width)
    for i in 0..<b.width where b.bits[i] { result = result + a.shiftedLeft(i) }
    return result
  }

  func shiftedLeft(_ amount: Int) -> Bits {
    Bits((0..<width).map { i in i >= amount ? bits[i - amount] : false })
  }

  func shiftedRight(_ amount: Int, signed: Bool) -> Bits {
    Bits((0..<width).map { i in i + amount < width ? bits[i + amount] : (signed && sign) })
  }

  /// -1, 0 or 1.
  static func compare(_ a: Bits, _ b: Bits, signed: Bool) -> Int {
    if signed, a.sign != b.sign { return a.sign ? -1 : 1 }
    for i in stride(from: a.width - 1, through: 0, by: -1) where a.bits[i] != b.bits[i] {
      return a.bits[i] ? 1 : -1
    }
    return 0
  }

  /// The value as an unsigned integer, when it is small.
  var small: Int? {
    guard bits.dropFirst(62).allSatisfy({ !$0 }) else { return nil }
    return bits.enumerated().reduce(0) { $0 | ($1.element ? 1 << $1.offset : 0) }
  }
}
