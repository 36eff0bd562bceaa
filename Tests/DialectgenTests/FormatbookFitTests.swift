import BlockDialect
import Foundation
import TestSupport
import Testing

/// `dialectgen formatbook fit`: the written book is valid, keeps DialectFP4's structure and is
/// accepted by every command that takes a book; runs are deterministic; the figures equal
/// `eval`'s; every bad input gets one line and writes nothing.
@Suite("dialectgen formatbook fit")
struct FormatbookFitTests {
  /// A small, quick fit on the built-in mixture.
  static let quick = ["--values", "8192", "--rounds", "2"]

  /// A NumPy file of float32 values.
  static func npy(_ values: [Float], shape: String) -> [UInt8] {
    let header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }".utf8)
    let padded = header + [UInt8](repeating: 0x20, count: 118 - header.count - 1) + [0x0A]
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(padded.count), 0] + padded + littleEndianBytes(values)
  }

  @Test func fittedBookIsAcceptedEverywhere() throws {
    let directory = try TemporaryDirectory()
    let book = directory.file("fitted.json")
    let run = try dialectgen(["formatbook", "fit", "-o", book] + Self.quick)
    #expect(run.status == 0, "\(run)")
    for word in ["fitted fitted: 16 dialect(s) in 8 group(s)", "training", "held-out", "independent", "wrote \(book)"] {
      #expect(run.stdout.contains(word), "missing '\(word)': \(run.stdout)")
    }
    let fitted = try Formatbook(contentsOf: book)
    #expect(fitted.name == "fitted")
    #expect(fitted.groups.map(\.maximum) == Formatbook.dialectFP4.groups.map(\.maximum))
    #expect(fitted.groups.map(\.members) == Formatbook.dialectFP4.groups.map(\.members))
    for word in ["built-in mixture (8192 values, seed 1)", "held out", "SQNR training weight", "independent"] {
      #expect(fitted.description.contains(word), "description lacks '\(word)': \(fitted.description)")
    }
    #expect(try String(contentsOfFile: book, encoding: .utf8) == fitted.jsonText())

    let validate = try dialectgen(["formatbook", "validate", book])
    #expect(
      validate.status == 0 && validate.stdout.contains("valid: fitted, 16 dialect(s) in 8 group(s)"), "\(validate)")
    let show = try dialectgen(["formatbook", "show", book])
    #expect(show.status == 0 && show.stdout.hasPrefix("formatbook fitted: 16 dialect(s), 4-bit id"), "\(show)")

    let input = directory.file("in.safetensors")
    try InputTensors().write(to: input)
    let quantized = directory.file("q.safetensors")
    let quantize = try dialectgen(["quantize", input, "-o", quantized, "--formatbook", book, "--path", "activation"])
    #expect(quantize.status == 0, "\(quantize)")
    let eval = try dialectgen(["eval", input, "--formatbook", book])
    #expect(eval.status == 0 && eval.stdout.contains("blockdialect-activation"), "\(eval)")
    let rtl = directory.file("rtl")
    let emit = try dialectgen(["emit", "--formatbook", book, "--out", rtl])
    #expect(emit.status == 0, "\(emit)")
    #expect(FileManager.default.fileExists(atPath: rtl + "/manifest.json"))
  }

  @Test func sameSeedSameBytes() throws {
    let directory = try TemporaryDirectory()
    let first = directory.file("a.json")
    let second = directory.file("b.json")
    let options = Self.quick + ["--name", "same", "--seed", "5"]
    #expect(try dialectgen(["formatbook", "fit", "-o", first] + options).status == 0)
    #expect(try dialectgen(["formatbook", "fit", "-o", second, "--threads", "1"] + options).status == 0)
    let a = try Data(contentsOf: URL(fileURLWithPath: first))
    #expect(a == (try Data(contentsOf: URL(fileURLWithPath: second))))
    let third = directory.file("c.json")
    #expect(
      try dialectgen(["formatbook", "fit", "-o", third, "--name", "same", "--seed", "6"] + Self.quick).status == 0)
    #expect(a != (try Data(contentsOf: URL(fileURLWithPath: third))))
  }

  @Test func figuresOnFilesEqualEval() throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("in.safetensors")
    try InputTensors(seed: 9).write(to: input)
    let npy = try directory.write(
      "v.npy", Self.npy(SampleDistribution.laplace.samples(96, seed: 4), shape: "(3, 32)"))
    let book = directory.file("fit.json")
    let run = try dialectgen([
      "formatbook", "fit", "--data", input, npy, "--holdout", "0", "--rounds", "2", "-o", book, "--json",
    ])
    #expect(run.status == 0, "\(run)")
    let report = try JSONValue.parse(run.stdout)
    let sets = try #require(report["sets"]?.arrayValue)
    #expect(sets.compactMap { $0["name"]?.stringValue } == ["training"])
    let training = sets[0]
    #expect(training["values"]?.intValue == 280 + 80 + 48 + 96)
    #expect(report["data"]?.stringValue?.contains("4 tensor(s)") == true)

    // The fitter's figures, before and after, are eval's for the start and the fitted book.
    for (stage, bookArguments) in [("before", [String]()), ("after", ["--formatbook", book])] {
      let eval = try dialectgen(
        ["eval", input, npy, "--json", "--formats", "blockdialect-weight,blockdialect-activation"] + bookArguments)
      #expect(eval.status == 0, "\(eval)")
      let overall = try #require(try JSONValue.parse(eval.stdout)["overall"]?["results"])
      for (path, format) in [("weight", "blockdialect-weight"), ("activation", "blockdialect-activation")] {
        let mine = try #require(training[stage]?[path]?["sqnr_db"]?.doubleValue)
        let theirs = try #require(overall[format]?["sqnr_db"]?.doubleValue)
        #expect(abs(mine - theirs) < 1e-7, "\(stage) \(path): \(mine) vs \(theirs)")
        let usage = training[stage]?[path]?["dialect_usage"]
        #expect(usage == overall[format]?["dialect_usage"], "\(stage) \(path) usage")
      }
      let gain = try #require(training["gain_db"]?["weight"]?.doubleValue)
      #expect(gain >= 0)
    }

    // --tensors picks tensors by name across the files.
    let only = try dialectgen(["formatbook", "fit", "--data", input, npy, "--tensors", "w", "-o", book, "--json"])
    #expect(only.status == 0, "\(only)")
    #expect(try JSONValue.parse(only.stdout)["data"]?.stringValue?.contains("1 tensor(s), 280 values") == true)
  }

  @Test func otherStartsPathsAndSizes() throws {
    let directory = try TemporaryDirectory()
    let small = directory.file("small.json")
    let resized = try dialectgen(["formatbook", "fit", "-o", small, "--dialects", "4"] + Self.quick)
    #expect(resized.status == 0, "\(resized)")
    let four = try Formatbook(contentsOf: small)
    #expect(four.dialects.count == 4 && four.idWidth == 2)
    #expect(try dialectgen(["formatbook", "validate", small]).status == 0)

    let e2m1 = directory.file("e2m1-fit.json")
    let run = try dialectgen(
      ["formatbook", "fit", "-o", e2m1, "--start", "e2m1", "--path", "activation", "--block-size", "16"] + Self.quick)
    #expect(run.status == 0, "\(run)")
    let fitted = try Formatbook(contentsOf: e2m1)
    #expect(fitted.dialects.count == 1 && fitted.ties == .even && fitted.dialects[0].maximum == 12)
    #expect(fitted.description.contains("for the activation path") && fitted.description.contains("block size 16"))

    // The interval rule keeps every beneficial range an interval.
    let intervals = directory.file("intervals.json")
    let kept = try dialectgen(["formatbook", "fit", "-o", intervals, "--interval-ranges"] + Self.quick)
    #expect(kept.status == 0, "\(kept)")
    let keptBook = try Formatbook(contentsOf: intervals)
    #expect(keptBook.hasIntervalRanges && keptBook.description.contains("ranges kept intervals"))

    // A start book from a file.
    let start = try directory.write("start.json", text: Formatbook.dialectFP4.jsonText())
    let fromFile = try dialectgen(["formatbook", "fit", "-o", directory.file("f.json"), "--start", start] + Self.quick)
    #expect(fromFile.status == 0, "\(fromFile)")
  }

  @Test func benchFitSuite() throws {
    let run = try dialectgen(["bench", "--suite", "fit", "--elements", "16384"])
    #expect(run.status == 0, "\(run)")
    for word in ["formatbook fitting", "time: best", "independent"] { #expect(run.stdout.contains(word), "\(run)") }
    let json = try dialectgen(["bench", "--suite", "fit", "--elements", "16384", "--json"])
    #expect(json.status == 0, "\(json)")
    let value = try JSONValue.parse(json.stdout)
    #expect(value["suite"]?.stringValue == "fit" && value["elements"]?.intValue == 16384)
    #expect(value["gain_db"]?["independent"]?["activation"]?.doubleValue != nil)
    #expect(value["seconds_best"]?.doubleValue != nil)
  }

  // MARK: bad input

  /// Runs a failing fit and checks: one line naming the problem, the exit status, nothing on
  /// standard output, and no file left behind (neither the book nor a temporary).
  static func expectFailure(
    _ arguments: [String], in directory: TemporaryDirectory, status: Int32, mentions: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let before = directory.contents.sorted()
    let output = directory.file("out.json")
    let run = try dialectgen(["formatbook", "fit", "-o", output] + arguments, sourceLocation: sourceLocation)
    run.expectRefusal(
      status: status, command: "dialectgen formatbook fit", mentions: mentions, arguments: arguments,
      sourceLocation: sourceLocation)
    #expect(directory.contents.sorted() == before, "\(arguments) left files", sourceLocation: sourceLocation)
  }

  @Test func badInputGetsOneLineAndWritesNothing() throws {
    let directory = try TemporaryDirectory()
    let input = directory.file("in.safetensors")
    try InputTensors().write(to: input)
    let integers = directory.file("ints.safetensors")
    var writer = SafetensorsWriter()
    try writer.declare(name: "ids", dtype: "I64", shape: [2])
    try writer.write(to: integers) { _ in [UInt8](repeating: 1, count: 16) }
    let tiny = directory.file("tiny.safetensors")
    try writeSingleTensor((0..<10).map { Float($0) }, shape: [10], to: tiny)
    let nonfinite = directory.file("inf.safetensors")
    try writeSingleTensor(
      [1, 2, .infinity] + [Float](repeating: 1, count: 61), shape: [64], name: "act", to: nonfinite)
    let badBook = try directory.write(
      "bad.json", text: #"{"name": "bad", "dialects": [[0, 1, 2, 3, 4, 6, 9, 15], [0, 1, 3, 2, 4, 6, 8, 15]]}"#)
    let missing = directory.file("missing.json")

    // Command-line mistakes: exit 2.
    let w = directory
    try Self.expectFailure(["--dialects", "0"], in: w, status: 2, mentions: ["--dialects", "1 to 16"])
    try Self.expectFailure(["--dialects", "17"], in: w, status: 2, mentions: ["--dialects 17"])
    try Self.expectFailure(["--path", "sideways"], in: w, status: 2, mentions: ["--path", "'sideways'", "both"])
    try Self.expectFailure(["--holdout", "1.5"], in: w, status: 2, mentions: ["--holdout", "1.5"])
    try Self.expectFailure(["--block-size", "24"], in: w, status: 2, mentions: ["block size 24"])
    try Self.expectFailure(["--values", "10"], in: w, status: 2, mentions: ["--values 10", "fewer than one block"])
    try Self.expectFailure(["--data", input, "--values", "4096"], in: w, status: 2, mentions: ["--values"])
    try Self.expectFailure(["--tensors", "w"], in: w, status: 2, mentions: ["--tensors", "--data"])
    try Self.expectFailure(["--seed", "-1"], in: w, status: 2, mentions: ["--seed"])
    try Self.expectFailure(["--data", input, "--frobnicate"], in: w, status: 2, mentions: ["'--frobnicate'"])
    let noOutput = try dialectgen(["formatbook", "fit"] + Self.quick)
    #expect(noOutput.status == 2 && noOutput.stderrIsOneLine && noOutput.stderr.contains("--output"), "\(noOutput)")

    // Bad files: exit 1.
    try Self.expectFailure(["--data", integers], in: w, status: 1, mentions: [integers, "no F32, F16 or BF16"])
    try Self.expectFailure(["--data", input, "--tensors", "nothing*"], in: w, status: 1, mentions: ["'nothing*'"])
    try Self.expectFailure(
      ["--data", tiny], in: w, status: 1, mentions: [tiny, "10 value(s)", "fewer than one block of 32"])
    try Self.expectFailure(
      ["--data", nonfinite], in: w, status: 1, mentions: ["\"act\"", "inf", "--saturate-nonfinite"])
    try Self.expectFailure(
      ["--data", directory.file("none.safetensors")], in: w, status: 1, mentions: ["none.safetensors"])
    try Self.expectFailure(["--start", badBook] + Self.quick, in: w, status: 1, mentions: ["bad.json", "dialect 1"])
    try Self.expectFailure(["--start", missing] + Self.quick, in: w, status: 1, mentions: ["missing.json"])
    let nowhere = try dialectgen(["formatbook", "fit", "-o", directory.file("no/such/dir/out.json")] + Self.quick)
    #expect(nowhere.status == 1 && nowhere.stderrIsOneLine && nowhere.stderr.contains("does not exist"), "\(nowhere)")

    // The saturating rule, when asked for, makes the same file usable.
    let saturated = try dialectgen(
      ["formatbook", "fit", "--data", nonfinite, "--saturate-nonfinite", "-o", directory.file("sat.json")])
    #expect(saturated.status == 0, "\(saturated)")
  }
}
