import Foundation

/// Runs external tools (Yosys, nextpnr) for the reports.
public enum ToolRunner {
  /// What a finished command left.
  public struct Outcome: Sendable {
    public let status: Int32
    public let output: String
  }

  /// Runs `executable` (looked up on PATH) with `arguments`, in `directory`, capturing standard
  /// output and error together.
  public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }

  /// The first line a tool prints for `--version` (or `-V`), for the report's record.
  public static func version(_ executable: String, flag: String = "--version") -> String {
    guard let outcome = try? run(executable, [flag]), outcome.status == 0 else { return "\(executable): not found" }
    return outcome.output.split(separator: "\n").first.map(String.init) ?? executable
  }

  /// Whether `executable` is on PATH.
  public static func available(_ executable: String) -> Bool {
    (try? run("which", [executable]).status) == 0
  }

  /// Runs `jobs` with at most `width` at a time; results come back in the jobs' order.
  public static func parallel<Result: Sendable>(
    _ jobs: [@Sendable () -> Result], width: Int
  ) -> [Result] {
    let results = ResultBox<Result>(count: jobs.count)
    let gate = DispatchSemaphore(value: max(1, width))
    let group = DispatchGroup()
    for (index, job) in jobs.enumerated() {
      gate.wait()
      group.enter()
      DispatchQueue.global().async {
        results.set(index, job())
        gate.signal()
        group.leave()
      }
    }
    group.wait()
    return results.values()
  }

  /// Runs `jobs` on `width` workers, the highest priority first (equal priorities in listing
  /// order), and returns their results in listing order.
  public static func parallel<Result: Sendable>(
    prioritized jobs: [(priority: Int, run: @Sendable () -> Result)], width: Int
  ) -> [Result] {
    let order = jobs.indices.sorted { (jobs[$0].priority, -$0) > (jobs[$1].priority, -$1) }
    let results = parallel(order.map { jobs[$0].run }, width: width)
    var listed = [Result?](repeating: nil, count: jobs.count)
    for (position, index) in order.enumerated() { listed[index] = results[position] }
    return listed.map { $0! }
  }
}

/// Results filled in by concurrent jobs, one slot each.
final class ResultBox<Value: Sendable>: @unchecked Sendable {
  private var slots: [Value?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Value) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  func values() -> [Value] { slots.map { $0! } }
}
