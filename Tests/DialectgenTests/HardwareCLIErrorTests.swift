import Foundation
import TestSupport
import Testing

/// Bad input to the hardware commands (`emit`, `vectors`, `references`, `report`): one line on
/// standard error naming what is at fault and what is allowed, a non-zero exit, nothing on
/// standard output, and the working directory exactly as it was.
@Suite("dialectgen: bad hardware input")
struct HardwareCLIErrorTests {
  /// A directory with a bad formatbook, bad configurations, a plain file and a directory that
  /// holds something other than a dialectgen output.
  final class Workspace {
    let directory: TemporaryDirectory

    init() throws {
      directory = try TemporaryDirectory()
      _ = try directory.write("bad.json", text: #"{"name": "bad", "dialects": [[0, 1, 2, 3, 4, 6, 12, 8]]}"#)
      _ = try directory.write("style.json", text: #"{"block_size": 32, "datapath": "fancy"}"#)
      _ = try directory.write("field.json", text: #"{"block_size": 32, "speed": 1}"#)
      _ = try directory.write("block.json", text: #"{"block_size": 48}"#)
      _ = try directory.write("prefix.json", text: #"{"prefix": 7}"#)
      _ = try directory.write("slices.json", text: #"{"register_slices": "yes"}"#)
      _ = try directory.write("afile", text: "not a directory\n")
      try FileManager.default.createDirectory(atPath: directory.file("other"), withIntermediateDirectories: false)
      _ = try directory.write("other/keep.txt", text: "mine\n")
    }

    /// Runs `dialectgen COMMAND arguments` in the workspace and checks the failure.
    func expectFailure(
      _ command: String, _ arguments: [String], status: Int32, mentions: [String],
      sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
      let before = directory.contents.sorted()
      // Relative paths resolve in the workspace; the default output goes there too.
      let resolved = arguments.map { $0.hasPrefix("@") ? directory.file(String($0.dropFirst())) : $0 }
      let out = arguments.contains("--out") ? [] : ["--out", directory.file("out")]
      let run = try dialectgen([command] + resolved + out, sourceLocation: sourceLocation)
      run.expectRefusal(
        status: status, command: "dialectgen \(command)", mentions: mentions, arguments: arguments,
        sourceLocation: sourceLocation)
      let after = directory.contents.sorted()
      #expect(
        after == before, "\(arguments) changed the directory: \(before) -> \(after)", sourceLocation: sourceLocation)
      let kept = try String(contentsOfFile: directory.file("other/keep.txt"), encoding: .utf8)
      #expect(kept == "mine\n", sourceLocation: sourceLocation)
    }
  }

  /// Mistakes every command that takes a design configuration refuses the same way.
  @Test(arguments: ["emit", "vectors", "references"])
  func badConfigurations(command: String) throws {
    let w = try Workspace()
    try w.expectFailure(
      command, ["--block-size", "12"], status: 2, mentions: ["block size 12", "power of two", "256"])
    try w.expectFailure(command, ["--exponent-width", "9"], status: 2, mentions: ["exponent width 9", "2 to 8"])
    try w.expectFailure(
      command, ["--formatbook", "@bad.json"], status: 1, mentions: ["bad.json", "dialect 0", "strictly increasing"])
    try w.expectFailure(command, ["--formatbook", "@missing.json"], status: 1, mentions: ["missing.json"])
    try w.expectFailure(
      command, ["--modules", "decoder", "frob"], status: 2, mentions: ["--modules", "'frob'", "block_dot"])
    try w.expectFailure(
      command, ["--formatbook", "e2m1", "--modules", "selector"], status: 2,
      mentions: ["selector", "does not apply", "e2m1", "applicable"])
    try w.expectFailure(command, ["--pipeline", "9"], status: 2, mentions: ["depth 9", "block_dot", "0 to 8"])
    try w.expectFailure(
      command, ["--pipeline", "8", "--modules", "block_quantizer"], status: 2,
      mentions: ["depth 8", "block_quantizer", "0 to 7"])
    try w.expectFailure(command, ["--datapath", "fancy"], status: 2, mentions: ["--datapath", "'fancy'", "naive"])
    try w.expectFailure(command, ["--acc-width", "3"], status: 2, mentions: ["accumulator width 3", "14"])
    try w.expectFailure(command, ["--input", "fp8"], status: 2, mentions: ["--input", "fp8", "bf16"])
    try w.expectFailure(command, ["--prefix", "X-"], status: 2, mentions: ["prefix 'X-'", "lower-case letters"])
    try w.expectFailure(command, ["--selector", "best"], status: 2, mentions: ["--selector", "'best'", "neighbor"])
    try w.expectFailure(command, ["--config", "@prefix.json"], status: 2, mentions: ["prefix.json", "\"prefix\""])
    try w.expectFailure(
      command, ["--config", "@slices.json"], status: 2,
      mentions: ["slices.json", "\"register_slices\"", "true or false"])
    try w.expectFailure(
      command, ["--config", "@style.json"], status: 2, mentions: ["style.json", "\"datapath\"", "\"naive\""])
    try w.expectFailure(command, ["--config", "@field.json"], status: 2, mentions: ["field.json", "\"speed\""])
    try w.expectFailure(command, ["--config", "@block.json"], status: 2, mentions: ["block.json", "48"])
    try w.expectFailure(command, ["--config", "@missing.json"], status: 2, mentions: ["missing.json"])
  }

  /// Output directories that cannot be written, or hold someone else's files.
  @Test(arguments: ["emit", "vectors", "references", "report"])
  func badOutputDirectories(command: String) throws {
    let w = try Workspace()
    let other = w.directory.file("other")
    try w.expectFailure(
      command, ["--out", other], status: 1, mentions: [other, "refusing to replace", ".dialectgen-output", "choose"])
    let file = w.directory.file("afile")
    try w.expectFailure(command, ["--out", file], status: 1, mentions: [file, "is a file"])
    try w.expectFailure(command, ["--out", file + "/rtl"], status: 1, mentions: [file, "is a file"])
  }

  @Test func badCounts() throws {
    let w = try Workspace()
    try w.expectFailure("vectors", ["--count", "0"], status: 2, mentions: ["--count 0", "1 to"])
    try w.expectFailure("vectors", ["--count", "abc"], status: 2, mentions: ["--count", "'abc'", "integer"])
    try w.expectFailure("report", ["--jobs", "0"], status: 2, mentions: ["--jobs 0", "1 to 64"])
  }

  /// The report measures every depth and both datapaths itself, so it does not take them.
  @Test func reportRefusesOptionsItDoesNotUse() throws {
    let w = try Workspace()
    for option in [["--pipeline", "2"], ["--datapath", "naive"]] {
      try w.expectFailure("report", option, status: 2, mentions: ["unknown option '\(option[0])'"])
    }
    try w.expectFailure("report", ["--block-size", "7"], status: 2, mentions: ["block size 7"])
    // Only the standard-cell flow measures a subset, or takes a number of runs.
    for option in [["--modules", "decoder"], ["--runs", "3"]] {
      try w.expectFailure("report", option, status: 2, mentions: [option[0], "needs --liberty FILE"])
    }
  }

  /// A liberty file that is missing or is not a library is refused before any tool runs.
  @Test func reportRefusesABadLibertyFile() throws {
    let w = try Workspace()
    try w.expectFailure(
      "report", ["--liberty", "missing.lib"], status: 1, mentions: ["--liberty", "missing.lib", "no such file"])
    _ = try w.directory.write("cells.lib", text: "cell (X) { area : 1; }\n")
    try w.expectFailure(
      "report", ["--liberty", "@cells.lib"], status: 1, mentions: ["--liberty", "cells.lib", "not a liberty library"])
    try w.expectFailure(
      "report", ["--liberty", "@cells.lib", "--runs", "0"], status: 2, mentions: ["--runs 0", "1 to 25"])
  }
}
