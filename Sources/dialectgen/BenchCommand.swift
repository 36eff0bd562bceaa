import BlockDialect
import Foundation

/// The benchmark suites `dialectgen bench --suite` can run.
enum BenchSuite: String, CaseIterable {
  /// Quantization throughput per format and path (the default).
  case quantize
  /// Formatbook fitting time and SQNR gains on the built-in mixture.
  case fit
  /// Verilog emission speed of the HDL.
  case emit
  /// The whole quantize command against cp of the same file.
  case cli
}

/// `dialectgen bench`: quantization throughput per format and path, on one core and on all,
/// or (`--suite fit`) the time to fit a formatbook, or (`--suite emit`) Verilog emission speed.
enum BenchCommand: Command {
  static let spec = CommandSpec(
    name: "dialectgen bench",
    summary:
      "Measures quantization throughput (elements per second) for each format and path, on one thread and on every core, on seeded normal data; or, with --suite fit, the time to fit a formatbook; with --suite emit, how fast Verilog is emitted; with --suite cli, the whole quantize command against cp of the same file.",
    positionals: "",
    positionalCount: 0...0,
    options: [
      OptionSpec(
        name: "--suite", kind: .value("S"),
        help:
          "quantize (default: throughput), fit (formatbook fitting on the built-in mixture), emit (Verilog emission) or cli (the quantize command against cp)"
      ),
      OptionSpec(
        name: "--elements", kind: .value("N"),
        help:
          "elements per run (default 16777216; 1048576 for --suite fit; operations for --suite emit, default 10000)"
      ),
      OptionSpec(
        name: "--repeat", kind: .value("R"),
        help: "runs per figure; the best and the median are reported (default 5; 1 for --suite fit; 11 for --suite cli)"
      ),
      OptionSpec(
        name: "--program", kind: .value("PATH"),
        help: "--suite cli: time this dialectgen executable (another build) instead of this one"),
      OptionSpec(name: "--json", kind: .flag, help: "print JSON"),
    ],
    details: "Build with 'swift build -c release' (or run 'make bench'): a debug build is many times slower.")

  static func run(_ arguments: ParsedArguments) throws {
    let suite = try arguments.choice("--suite", default: BenchSuite.quantize, BenchSuite.allCases)
    // Every suite checks its options before anything runs or is printed.
    let measure: () throws -> Void
    switch suite {
    case .quantize: measure = try quantizeSuite(arguments)
    case .fit: measure = try BenchFitSuite.prepare(arguments)
    case .emit: measure = try BenchEmitSuite.prepare(arguments)
    case .cli: measure = try BenchCLISuite.prepare(arguments)
    }
    #if DEBUG
      StandardError.line(
        "dialectgen bench: warning: this is a debug build; figures are not representative (use swift build -c release)")
    #endif
    try measure()
  }

  /// Quantization throughput per format and path: checks the options and returns the run.
  static func quantizeSuite(_ arguments: ParsedArguments) throws -> () throws -> Void {
    let count = try arguments.integer("--elements", default: 1 << 24, in: 1024...(1 << 30))
    let repeats = try arguments.integer("--repeat", default: 5, in: 1...100)
    return { runQuantize(arguments, count: count, repeats: repeats) }
  }

  static func runQuantize(_ arguments: ParsedArguments, count: Int, repeats: Int) {
    let values = SampleDistribution.normal.samples(count, seed: 0xB10C)
    let cores = TensorQuantizer.processorCount
    let schemes: [QuantizationScheme] = [
      .mxfp4, .nvfp4, .blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage),
    ]
    var rows: [(scheme: QuantizationScheme, single: [Double], all: [Double])] = []
    for scheme in schemes {
      let quantizer = TensorQuantizer(scheme: scheme)
      func rates(threads: Int) -> [Double] {
        (0..<repeats).map { _ in
          let start = Date()
          let result = quantizer.quantize(values, shape: [count], threads: threads)
          let seconds = Date().timeIntervalSince(start)
          precondition(result.statistics.blocks > 0)
          return Double(count) / seconds
        }.sorted()
      }
      rows.append((scheme, rates(threads: 1), rates(threads: 0)))
    }
    func median(_ sorted: [Double]) -> Double { sorted[sorted.count / 2] }

    if arguments.flag("--json") {
      let json = JSONValue.object([
        ("elements", .integer(count)),
        ("repeats", .integer(repeats)),
        ("cores", .integer(cores)),
        (
          "results",
          .array(
            rows.map { row in
              .object([
                ("format", .string(row.scheme.description)),
                ("single_thread_best", .double(row.single.last!.rounded())),
                ("single_thread_median", .double(median(row.single).rounded())),
                ("all_cores_best", .double(row.all.last!.rounded())),
                ("all_cores_median", .double(median(row.all).rounded())),
                ("speedup_best", .double(((row.all.last! / row.single.last!) * 100).rounded() / 100)),
              ])
            })
        ),
      ])
      print(json.formatted())
      return
    }
    print(
      "quantization throughput: \(humanCount(Double(count))) normal(0, 1) elements, best and median of \(repeats) runs, \(cores) core(s)"
    )
    let table = rows.map { row in
      [
        row.scheme.description,
        String(format: "%.1f", row.single.last! / 1e6), String(format: "%.1f", median(row.single) / 1e6),
        String(format: "%.1f", row.all.last! / 1e6), String(format: "%.1f", median(row.all) / 1e6),
        String(format: "%.2fx", row.all.last! / row.single.last!),
      ]
    }
    print(
      renderTable(
        ["format", "1 thread best M/s", "median", "all cores best M/s", "median", "speed-up"], table))
  }
}
