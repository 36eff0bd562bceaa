import BlockDialect
import Foundation

/// `dialectgen bench --suite fit`: the time to fit a formatbook (DialectFP4 start, both paths,
/// default search) on the built-in mixture, and the SQNR gains it reaches on the held-out
/// quarter and on an independent sample.
enum BenchFitSuite {
  /// The mixture's seed (the independent sample's follows from it).
  static let seed: UInt64 = 1

  /// Checks the options and returns the run.
  static func prepare(_ arguments: ParsedArguments) throws -> () throws -> Void {
    let count = try arguments.integer("--elements", default: 1 << 20, in: 1024...(1 << 28))
    let repeats = try arguments.integer("--repeat", default: 1, in: 1...100)
    return { try run(count: count, repeats: repeats, json: arguments.flag("--json")) }
  }

  static func run(count: Int, repeats: Int, json: Bool) throws {
    let format = BlockFormat.default
    let values = FittingMixture.values(count: count, blockSize: format.blockSize, seed: seed)
    var independent = FittingData(format: format)
    independent.append(
      FittingMixture.values(
        count: count, blockSize: format.blockSize, seed: FittingMixture.independentSeed(for: seed)),
      shape: [count])
    var seconds: [Double] = []
    var result: FormatbookFitResult? = nil
    for _ in 0..<repeats {
      let start = Date()
      var data = FittingData(format: format)
      data.append(values, shape: [count])
      let (training, heldOut) = data.split(heldOutFraction: 0.25, seed: seed)
      var configuration = FormatbookFitConfiguration()
      configuration.seed = seed
      result = try FormatbookFitter.fit(
        configuration, training: training, evaluationSets: [("held-out", heldOut), ("independent", independent)])
      seconds.append(Date().timeIntervalSince(start))
    }
    seconds.sort()
    let fit = result!
    let cores = TensorQuantizer.processorCount
    if json {
      print(
        JSONValue.object([
          ("suite", .string("fit")),
          ("elements", .integer(count)),
          ("repeats", .integer(repeats)),
          ("cores", .integer(cores)),
          ("seconds_best", .double((seconds[0] * 1000).rounded() / 1000)),
          ("seconds_median", .double((seconds[seconds.count / 2] * 1000).rounded() / 1000)),
          ("evaluations", .integer(fit.evaluations)),
          (
            "gain_db",
            .object(
              fit.comparisons.map { c in
                (c.name, .object([("weight", .double(c.gain(.weight))), ("activation", .double(c.gain(.activation)))]))
              })
          ),
        ]).formatted())
      return
    }
    print(
      "formatbook fitting: \(humanCount(Double(count))) values of the built-in mixture (seed \(seed)), DialectFP4 start, "
        + "both paths, \(fit.rounds) rounds, \(cores) core(s)")
    print(
      String(
        format: "time: best %.2f s, median %.2f s of %d run(s); %d candidates evaluated", seconds[0],
        seconds[seconds.count / 2], repeats, fit.evaluations))
    let rows = fit.comparisons.map { c in
      [
        c.name, String(format: "%.2f", c.before.weight.sqnr), String(format: "%.2f", c.after.weight.sqnr),
        String(format: "%+.2f", c.gain(.weight)), String(format: "%.2f", c.before.activation.sqnr),
        String(format: "%.2f", c.after.activation.sqnr), String(format: "%+.2f", c.gain(.activation)),
      ]
    }
    print(renderTable(["SQNR dB", "weight before", "after", "gain", "activation before", "after", "gain"], rows))
  }
}
