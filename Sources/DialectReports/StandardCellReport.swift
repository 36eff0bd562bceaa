import BlockDialect
import DialectHardware
import Foundation
import HDL

/// The figures behind `dialectgen report --liberty`: every module mapped to a standard-cell
/// library (area as the median of several perturbed mappings, with the spread), its minimum
/// clock period from a timing-driven mapping, and its energy from OpenSTA's power analysis
/// with input activity measured from its golden vectors; the pipelined modules at every depth.
public struct StandardCellReport: Sendable {
  /// One measured module.
  public struct Entry: Sendable {
    /// `design` (every module at depth 0) or `depth` (a pipelined module at one depth).
    public let variant: String
    public let kind: ModuleKind
    public let module: String
    /// Pipeline depth and latency in cycles.
    public let depth: Int
    public let latency: Int
    /// Multiply-accumulates per cycle (1 for a lane, n for a block dot product), if it does any.
    public let macsPerCycle: Int?
    /// Every area-driven mapping run: the unperturbed one first, then the permuted ones.
    public var runs: [CellArea] = []
    /// Whether the area runs used ABC's fast script (a module of more than
    /// ``StandardCellFlows/fastMappingCells`` generic cells, or one whose kind asks for it).
    public var fastMapping = false
    /// The timing-driven mapping at the report's clock.
    public var timing: CellTiming?
    /// Power at the report's clock of the median area-driven netlist (design variant) or of the
    /// timing-driven netlist (depth variant).
    public var power: CellPower?
    /// Input bits whose activity came from the vectors, and how many vectors were measured.
    public var activityBits = 0
    public var activityVectors = 0
    /// Why a figure is missing.
    public var problems: [String] = []

    /// The run of median area (the lower middle one for an even count).
    public var area: CellArea? {
      guard !runs.isEmpty else { return nil }
      return runs.sorted { $0.area < $1.area }[(runs.count - 1) / 2]
    }

    /// The smallest and largest area over the runs, relative to the median (e.g. -0.02, +0.03).
    public var spread: (low: Double, high: Double)? {
      guard let median = area?.area, median > 0, let low = runs.map(\.area).min(), let high = runs.map(\.area).max()
      else { return nil }
      return (low / median - 1, high / median - 1)
    }

    /// Energy per multiply-accumulate, picojoules.
    public var energyPerMAC: Double? {
      guard let power, let macs = macsPerCycle, macs > 0 else { return nil }
      return power.energyPerCycle / Double(macs)
    }
  }

  public let configuration: HardwareConfiguration
  public var entries: [Entry]
  /// The library's name, file and corner.
  public let library: String
  public let libraryPath: String
  public let corner: String
  /// The clock of the timing-driven mappings and of the power analysis, ns.
  public let period: Double
  /// Area-driven mapping runs per module (small, large).
  public let runs: (small: Int, large: Int)
  /// Tool versions.
  public let tools: [String]
  public var seconds: Double = 0
  public var work = "build/report-asic"

  /// The entry for `kind` in the design variant (depth 0).
  public func design(_ kind: ModuleKind) -> Entry? {
    entries.first { $0.variant == "design" && $0.kind == kind }
  }

  /// Every entry of `kind` at each depth: depth 0 from the design variant, then the others.
  public func depths(_ kind: ModuleKind) -> [Entry] {
    entries.filter { $0.kind == kind && ($0.variant == "depth" || $0.variant == "design") }.sorted {
      $0.depth < $1.depth
    }
  }
}

/// Builds and runs the measurements of a ``StandardCellReport``.
public struct StandardCellReportRunner: Sendable {
  public let configuration: HardwareConfiguration
  public let liberty: LibertyLibrary
  /// Where the RTL, scripts, netlists and logs go.
  public let work: String
  /// Tools run at once.
  public let jobs: Int
  /// Area-driven mapping runs for a module, and for a large one (the median is reported).
  public let runs: Int
  public let largeRuns: Int
  /// The clock of the timing-driven mapping and of the power analysis, ns (2.0: 500 MHz, the
  /// paper's clock).
  public let period: Double
  /// Random vectors per module the activity is measured from.
  public let activityCount: Int

  public init(
    configuration: HardwareConfiguration, liberty: LibertyLibrary, work: String, jobs: Int = 2, runs: Int = 5,
    largeRuns: Int = 3, period: Double = 2.0, activityCount: Int = 2000
  ) {
    self.configuration = configuration
    self.liberty = liberty
    self.work = work
    self.jobs = jobs
    self.runs = runs
    self.largeRuns = largeRuns
    self.period = period
    self.activityCount = activityCount
  }

  /// The configuration every module is measured in: the given one (its modules: by default
  /// every module that applies to its book), structured, at depth 0.
  var base: HardwareConfiguration {
    var base = configuration
    base.datapathStyle = .structured
    base.pipelineDepths = [:]
    return base
  }

  /// The depths a pipelined kind is measured at besides 0: every one, or for a baseline only
  /// the deepest.
  func sweptDepths(_ kind: ModuleKind, in configuration: HardwareConfiguration) -> [Int] {
    let maximum = configuration.maximumDepth(of: kind)
    guard maximum > 0 else { return [] }
    return kind.definition.reportRole.contains(.baseline) ? [maximum] : Array(1...maximum)
  }

  /// Multiply-accumulates per cycle of a kind: 1 for a lane (or a lane's product alone), n for
  /// a block product.
  func macsPerCycle(_ kind: ModuleKind, _ configuration: HardwareConfiguration) -> Int? {
    let role = kind.definition.reportRole
    if role.contains(.lane) || role.contains(.product) { return 1 }
    if role.contains(.blockProduct) { return configuration.format.blockSize }
    return nil
  }

  /// Runs every measurement.
  public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> StandardCellReport {
    let start = Date()
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    var jobs: [(priority: Int, run: @Sendable () -> StandardCellReport.Entry)] = []
    let base = self.base
    // Memory-backed modules (the tile) are left out: an ASIC flow puts macros in their place.
    let measured = base.modules.filter { !$0.definition.reportRole.contains(.memories) }
    var variants: [(name: String, folder: String, configuration: HardwareConfiguration, kinds: [ModuleKind])] = [
      ("design", "design", base, measured)
    ]
    for kind in base.pipelinedKinds where base.modules.contains(kind) {
      for depth in sweptDepths(kind, in: base) {
        var pipelined = base
        pipelined.pipelineDepths = [kind: depth]
        pipelined.modules = [kind]
        variants.append(("depth", "\(kind.rawValue)-depth-\(depth)", pipelined, [kind]))
      }
    }
    for variant in variants {
      let design = try Design(variant.configuration)
      let folder = "\(work)/\(variant.folder)"
      let files = try HardwareFlows.writeRTL(of: design, into: folder)
      for kind in variant.kinds {
        guard let generated = design.module(kind) else { continue }
        let scratch = "\(folder)/\(generated.module.name)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let role = kind.definition.reportRole
        let entry = StandardCellReport.Entry(
          variant: variant.name, kind: kind, module: generated.module.name,
          depth: variant.configuration.depth(of: kind), latency: generated.latency,
          macsPerCycle: macsPerCycle(kind, variant.configuration))
        let request = VectorRequest(configuration: variant.configuration, count: activityCount, seed: 1)
        let measure = Measurement(
          entry: entry, generated: generated, files: files, work: scratch, request: request,
          areaRuns: variant.name == "design" ? (role.contains(.large) ? largeRuns : runs) : 0, runner: self)
        // The long jobs first (the large modules' area runs, then their timing at each depth),
        // widest inputs first, so that the two workers finish together.
        let priority =
          (role.contains(.large) ? (variant.name == "design" ? 2 : 1) : 0) * 100_000
          + generated.module.inputs.map(\.width).reduce(0, +)
        jobs.append(
          (
            priority,
            {
              let entry = measure.run()
              progress("\(variant.folder): \(entry.module)")
              return entry
            }
          ))
      }
    }
    let entries = ToolRunner.parallel(prioritized: jobs, width: self.jobs)
    var report = StandardCellReport(
      configuration: configuration, entries: entries, library: liberty.name,
      libraryPath: liberty.path, corner: liberty.corner, period: period, runs: (runs, largeRuns),
      tools: [
        ToolRunner.version("yosys", flag: "-V"), "OpenSTA " + ToolRunner.version("sta", flag: "-version"),
        "dialectgen \(dialectgenVersion)",
      ])
    report.seconds = Date().timeIntervalSince(start)
    report.work = work
    return report
  }

  /// The measurement of one module: mappings, timing and power, in order.
  struct Measurement: Sendable {
    var entry: StandardCellReport.Entry
    let generated: GeneratedModule
    let files: [String]
    let work: String
    let request: VectorRequest
    let areaRuns: Int
    let runner: StandardCellReportRunner

    func run() -> StandardCellReport.Entry {
      var entry = self.entry
      let top = generated.module.name
      let liberty = runner.liberty
      let clocked = generated.module.hasClock
      do {
        let checkpoint = try StandardCellFlows.prepare(files: files, top: top, liberty: liberty, work: work)
        entry.fastMapping =
          generated.kind.definition.reportRole.contains(.fastMapping)
          || (StandardCellFlows.preparedCells(top: top, work: work) ?? 0) > StandardCellFlows.fastMappingCells
        var netlists: [(CellArea, String)] = []
        for seed in 0..<areaRuns {
          let mapped = try StandardCellFlows.map(
            checkpoint: checkpoint, top: top, liberty: liberty,
            mapping: .area(seed: seed, fast: entry.fastMapping), work: work)
          netlists.append(mapped)
        }
        entry.runs = netlists.map(\.0)
        let timed = try StandardCellFlows.map(
          checkpoint: checkpoint, top: top, liberty: liberty, mapping: .timing(period: runner.period), work: work)
        let slack = try StandardCellFlows.worstSlack(
          netlist: timed.netlist, top: top, liberty: liberty, clocked: clocked, period: runner.period, work: work,
          name: "\(top).timing")
        entry.timing = CellTiming(target: runner.period, worstSlack: slack, area: timed.area.area)
        // Power of the median area-driven netlist, or of the timing-driven one.
        let median = entry.area.flatMap { area in netlists.first { $0.0 == area }?.1 } ?? timed.netlist
        let testbenchData = generated.kind.definition.vectors(for: generated, in: request)
        if let vectors = testbenchData as? ModuleVectors {
          let activity = SwitchingActivity.measure(vectors)
          let held = heldPorts(covered: Set(activity.map(\.port)))
          entry.activityBits = activity.count
          entry.activityVectors = SwitchingActivity.measuredRange(of: vectors).count
          let pins = try cellActivity(netlist: median, vectors: vectors, held: held)
          entry.power = try StandardCellFlows.power(
            netlist: median, top: top, liberty: liberty, clocked: clocked, period: runner.period,
            activity: activity, pins: pins, held: held, work: work, name: "\(top).power")
        } else if testbenchData != nil {
          entry.problems.append("golden data is a session, not per-port vectors: energy not estimated")
        } else {
          entry.problems.append("no golden vectors, so no measured activity: energy not estimated")
        }
      } catch {
        entry.problems.append("\(error)")
      }
      return entry
    }

    /// The activity of every cell output of the netlist: a zero-delay simulation of its gates
    /// (Yosys's JSON of the same netlist) on the measured vectors, the ports the vectors do not
    /// drive held at `held`.
    func cellActivity(netlist: String, vectors: ModuleVectors, held: [String: Double]) throws -> [BitActivity] {
      let json = String(netlist.dropLast(2)) + ".json"
      guard let data = FileManager.default.contents(atPath: json) else {
        throw FlowError(description: "yosys (\(generated.module.name)): no JSON netlist \(json)")
      }
      let simulation = try GateSimulation(json: data, top: generated.module.name, logic: runner.liberty.logic)
      let range = SwitchingActivity.measuredRange(of: vectors)
      let fields = Dictionary(uniqueKeysWithValues: vectors.inputs.enumerated().map { ($0.element.port, $0.offset) })
      return simulation.activity(cycles: range.count) { port, bit, cycle in
        guard let field = fields[port] else { return (held[port] ?? 0) >= 0.5 }
        return vectors.stimulus[range.lowerBound + cycle][field][bit: bit]
      }
    }

    /// Input ports the vectors do not drive, held constant: the reset released, valid and
    /// ready high (a block every cycle), anything else low.
    func heldPorts(covered: Set<String>) -> [String: Double] {
      var held: [String: Double] = [:]
      for port in generated.module.inputs
      where port.name != ModuleBuilder.clockName && !covered.contains(port.name) {
        held[port.name] = ["rst_ni", "valid_i", "ready_i"].contains(port.name) ? 1 : 0
      }
      return held
    }
  }
}
