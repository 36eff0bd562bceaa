import BlockDialect
import Foundation
import HDL
import TestSupport
import Testing

@testable import DialectHardware

/// A seeded mutation fuzzer over small valid configuration files (with a formatbook beside
/// them, and a FIFO to point at), run in process: every case ends in a clean one-line error or
/// in a valid configuration; some of those are built into a design and written out through
/// DesignWriter, which must then accept a rewrite by the same command and refuse another
/// command or a directory with an unknown file, leaving nothing behind.
@Suite("Fuzzing: configuration files, in process")
struct ConfigurationFuzzTests {
  static let corpus: [[UInt8]] = [
    #"{"block_size": 16, "exponent_width": 4, "exponent_bias": 7, "input": "bf16", "pipeline": 1, "modules": ["decoder", "mac_lane"]}"#,
    #"{"formatbook": "e2m1", "pipeline": {"block_quantizer": 2}, "modules": ["block_quantizer"], "datapath": "naive"}"#,
    #"{"formatbook": {"name": "inline", "dialects": [[0,1,2,3,4,6,8,12],[0,1,2,3,4,6,9,12]]}, "accumulator_width": 40, "lane_accumulator_width": 24, "modules": ["group_select", "membership"]}"#,
    #"{"formatbook": "book.json", "modules": ["decoder"]}"#,
  ].map { Array($0.utf8) }

  /// Modules cheap enough to build for every accepted case.
  static let small: Set<ModuleKind> = [
    .decoder, .groupSelect, .membership, .macLane, .e2m1MACLane, .int4MACLane, .int8MACLane, .blockDecoder,
  ]

  /// A mutated configuration, or a random one from plausible field values (some of them out
  /// of range).
  static func mutated(_ random: inout FuzzRandom) -> [UInt8] {
    if random.chance(1, in: 3) {
      var fields: [(key: String, value: JSONValue)] = []
      let choices: [(String, [JSONValue])] = [
        ("formatbook", [.string("dialectfp4"), .string("e2m1"), .string("book.json"), .string("fifo")]),
        ("block_size", [8, 16, 32, 64, 256, 12].map { .integer($0) }),
        ("exponent_width", [2, 4, 5, 8, 9].map { .integer($0) }),
        ("exponent_bias", [0, 3, 15, 127, -1].map { .integer($0) }),
        ("input", [.string("fp16"), .string("bf16"), .string("f32")]),
        ("pipeline", [0, 1, 2, 5, 9].map { .integer($0) } + [.object([("block_dot", .integer(3))])]),
        ("accumulator_width", [20, 40, 4096, 5000].map { .integer($0) }),
        ("lane_accumulator_width", [16, 24, 64, 65].map { .integer($0) }),
        ("datapath", [.string("structured"), .string("naive")]),
      ]
      for (key, values) in choices where random.chance(1, in: 2) { fields.append((key, random.pick(values))) }
      let modules = ModuleKind.allCases.filter { _ in random.chance(1, in: 4) }.map { JSONValue.string($0.rawValue) }
      fields.append(("modules", .array(modules.isEmpty ? [.string("decoder")] : modules)))
      return Array(JSONValue.object(fields).compact().utf8)
    }
    let base = random.pick(corpus)
    guard random.chance(2, in: 3) else { return Mutator.mutate(base, random: &random, corpus: corpus) }
    var value = try! JSONValue.parse(base)
    for _ in 0...random.below(2) { value = JSONMutator.mutate(value, random: &random) }
    return Array(value.compact().utf8)
  }

  @Test func configurations() throws {
    let count = FuzzSettings.cases(default: 120, scale: 0.15)
    var random = FuzzRandom(seed: FuzzSettings.seed ^ 0xC0F1)
    var accepted = 0
    var written = 0
    for index in 0..<count {
      let label = "configuration case \(index)"
      let bytes = Self.mutated(&random)
      let directory = try TemporaryDirectory()
      try directory.write("book.json", text: #"{"name": "side", "dialects": [[0,1,2,3,4,5,6,8],[0,1,2,3,4,6,8,12]]}"#)
      #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
      let path = try directory.write("config.json", bytes)
      let before = directory.contents.sorted()
      defer {
        #expect(Set(directory.contents).subtracting(before + ["out"]).isEmpty, "\(label): left \(directory.contents)")
        let registered = TemporaryFiles.registeredPaths.filter { $0.hasPrefix(directory.path + "/") }
        #expect(registered.isEmpty, "\(label): temporaries still registered: \(registered)")
      }
      let configuration: HardwareConfiguration
      do {
        configuration = try HardwareConfiguration(contentsOf: path)
      } catch {
        Self.expectClean(error, label)
        continue
      }
      accepted += 1
      #expect(throws: Never.self, "\(label)") { try configuration.validate() }
      guard Set(configuration.modules).isSubset(of: Self.small) || random.chance(1, in: 20) else { continue }
      let design: Design
      do {
        design = try Design(configuration)
      } catch {
        Self.expectClean(error, label)
        continue
      }
      let out = directory.file("out")
      try DesignWriter.write(design.files(), to: out, writtenBy: "dialectgen emit")
      try DesignWriter.write(design.files(), to: out, writtenBy: "dialectgen emit")
      #expect(throws: ConfigurationError.self) {
        try DesignWriter.write([("x.v", "")], to: out, writtenBy: "dialectgen vectors")
      }
      try directory.write("out/notes.txt", text: "mine\n")
      #expect(throws: ConfigurationError.self) {
        try DesignWriter.write(design.files(), to: out, writtenBy: "dialectgen emit")
      }
      #expect(try String(contentsOfFile: out + "/notes.txt", encoding: .utf8) == "mine\n")
      // What is there: the design's files, the marker and the user's file, nothing else.
      let expected = Set(design.files().map { String($0.name.split(separator: "/")[0]) })
        .union(["notes.txt", DesignWriter.markerName])
      #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out)) == expected, "\(label)")
      written += 1
    }
    print("fuzz: configurations: \(count) cases (\(accepted) valid, \(written) written)")
  }

  /// One of the errors a configuration may end in, as one safe line.
  static func expectClean(_ error: Error, _ label: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let known = error is ConfigurationError || error is FormatbookError || error is BlockFormatError
    #expect(known, "\(label): unexpected \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    let text = String(describing: error)
    let unsafe = text.unicodeScalars.first {
      [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
    }
    #expect(unsafe == nil && text.count <= 1500, "\(label): \(text.debugDescription)", sourceLocation: sourceLocation)
  }
}
