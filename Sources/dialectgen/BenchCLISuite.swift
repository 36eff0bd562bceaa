import BlockDialect
import Foundation

/// `dialectgen bench --suite cli`: the whole `quantize` command, process start to exit, against
/// a plain `cp` of the same file, as paired runs (cp, then quantize, repeated), on a seeded
/// F32 safetensors file of 16.8 M elements (`--elements`) written to a temporary directory.
///
/// Each pair gives a ratio (quantize time over cp time); the median ratio is reported per path,
/// with the median times and the command's throughput. The ratio, not the time, is the figure
/// to compare between machines: both runs read the same file from the page cache and write an
/// output next to it.
enum BenchCLISuite {
  /// The paths measured: the activation path, MXFP4 and the weight path.
  static let cases: [(name: String, arguments: [String], target: Double)] = [
    ("blockdialect-activation", ["--path", "activation"], 2.0),
    ("mxfp4", ["--format", "mxfp4"], 2.0),
    ("blockdialect-weight", [], 4.0),
  ]

  /// Checks the options and returns the run.
  static func prepare(_ arguments: ParsedArguments) throws -> () throws -> Void {
    let count = try arguments.integer("--elements", default: 1 << 24, in: 1024...(1 << 30))
    let repeats = try arguments.integer("--repeat", default: 11, in: 1...1000)
    guard let cp = executable("cp") else { throw CommandFailure("cp is not on PATH") }
    let program = arguments.string("--program") ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    guard FileManager.default.isExecutableFile(atPath: program) else {
      throw UsageError("--program \(SafeText.path(program)) is not an executable file")
    }
    return { try run(count: count, repeats: repeats, cp: cp, program: program, json: arguments.flag("--json")) }
  }

  /// The path of `name` on PATH.
  static func executable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a program to its end and returns the wall time from start to exit.
  static func time(_ program: String, _ arguments: [String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let start = DispatchTime.now().uptimeNanoseconds
    try process.run()
    process.waitUntilExit()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard process.terminationStatus == 0 else {
      throw CommandFailure(
        "\(program) \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
    }
    return seconds
  }

  static func run(count: Int, repeats: Int, cp: String, program dialectgen: String, json: Bool) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dialectgen-bench-cli-\(getpid())")
      .path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let input = directory + "/input.safetensors"
    let values = SampleDistribution.normal.samples(count, seed: 0xB10C).map { $0 * 0.02 }
    let columns = 4096
    let shape = count % columns == 0 ? [count / columns, columns] : [count]
    var writer = SafetensorsWriter()
    try writer.declare(name: "w", dtype: "F32", shape: shape)
    try writer.write(to: input) { _ in littleEndianBytes(values) }

    var rows: [(name: String, cp: Double, quantize: Double, ratio: Double, target: Double)] = []
    for (name, options, target) in cases {
      // One warm-up pair, so that both programs and the file are in the page cache.
      _ = try time(cp, [input, directory + "/copy"])
      _ = try time(dialectgen, ["quantize", input, "-o", directory + "/out"] + options)
      var copies: [Double] = []
      var runs: [Double] = []
      var ratios: [Double] = []
      for _ in 0..<repeats {
        let copy = try time(cp, [input, directory + "/copy"])
        let run = try time(dialectgen, ["quantize", input, "-o", directory + "/out"] + options)
        copies.append(copy)
        runs.append(run)
        ratios.append(run / copy)
      }
      rows.append((name, median(copies), median(runs), median(ratios), target))
    }
    if json {
      print(
        JSONValue.object([
          ("elements", .integer(count)),
          ("repeats", .integer(repeats)),
          (
            "results",
            .array(
              rows.map { row in
                .object([
                  ("path", .string(row.name)),
                  ("cp_seconds_median", .double(row.cp)),
                  ("quantize_seconds_median", .double(row.quantize)),
                  ("ratio_median", .double((row.ratio * 100).rounded() / 100)),
                  ("ratio_target", .double(row.target)),
                  ("elements_per_second", .double((Double(count) / row.quantize).rounded())),
                ])
              })
          ),
        ]).formatted())
      return
    }
    print(
      "quantize vs cp: \(humanCount(Double(count))) F32 elements (\(humanCount(Double(4 * count)))B), paired runs, median of \(repeats), \(TensorQuantizer.processorCount) core(s)"
    )
    print(
      renderTable(
        ["path", "cp ms", "quantize ms", "ratio", "target", "M elements/s"],
        rows.map { row in
          [
            row.name, String(format: "%.1f", row.cp * 1000), String(format: "%.1f", row.quantize * 1000),
            String(format: "%.2fx", row.ratio), String(format: "<= %.1fx", row.target),
            String(format: "%.0f", Double(count) / row.quantize / 1e6),
          ]
        }))
  }

  static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
