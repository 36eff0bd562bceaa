import Foundation

/// Area of a module mapped to a liberty library by Yosys and ABC.
public struct CellArea: Sendable, Equatable {
  /// Total cell area, square micrometres (`stat -liberty`).
  public let area: Double
  /// Cells, flip-flops included.
  public let cells: Int
  /// Flip-flops (cells with a `ff` or `latch` group).
  public let flipFlops: Int
  /// Area of the flip-flops alone, square micrometres.
  public let flipFlopArea: Double
  /// Cells by type.
  public let cellCounts: [String: Int]
}

/// OpenSTA's timing of a mapped module against a clock.
public struct CellTiming: Sendable, Equatable {
  /// The clock period the module was mapped and checked at, ns.
  public let target: Double
  /// The worst setup slack at that period, ns (negative: the target is missed).
  public let worstSlack: Double
  /// Area of the timing-driven netlist, square micrometres.
  public let area: Double

  /// The minimum clock period of the netlist: the target less the worst slack.
  public var minimumPeriod: Double { target - worstSlack }
}

/// OpenSTA's power of a mapped module at a clock, with measured input activity.
public struct CellPower: Sendable, Equatable {
  /// The clock period, ns.
  public let period: Double
  /// Internal, switching and leakage power, watts.
  public let internalPower: Double
  public let switching: Double
  public let leakage: Double

  /// Total power, watts.
  public var total: Double { internalPower + switching + leakage }
  /// Energy per clock cycle, picojoules.
  public var energyPerCycle: Double { total * period * 1000 }
}

/// The standard-cell steps of `dialectgen report --liberty`: Yosys maps a module to the
/// library's cells (`synth`, `dfflibmap`, `abc -liberty`), OpenSTA times it and estimates its
/// power. Each step writes its script and log into the work directory.
public enum StandardCellFlows {
  /// ABC's default mapping script for a liberty library (Yosys 0.23's), which a perturbed run
  /// prefixes with a random permutation of the network's inputs, outputs and node order.
  static let abcScript =
    "strash; &get -n; &fraig -x; &put; scorr; dc2; dretime; strash; &get -n; &dch -f; &nf; &put"

  /// Yosys 0.23's fast liberty script (`abc -fast`), for the large modules: the default
  /// script's `&fraig`, `scorr` and `&dch` take more than ten minutes on the MSE selector.
  static let fastScript = "strash; dretime; map"

  /// ABC's delay target as a fraction of the clock period: ABC's delay model ignores wire
  /// loads, so it is given 10 % less than the period OpenSTA then checks, as synthesis flows
  /// over-constrain.
  static let targetMargin = 0.9

  /// The timing-driven script: the network balanced for delay (`&b -d`) and mapped for the
  /// period (`&nf -D`), then buffered (`buffer -p`, which also buffers the network's primary
  /// inputs: for ABC these include every flip-flop output, and a pipeline's stall enable drives
  /// thousands of flip-flops) and sized (`upsize`, `dnsize`). Yosys's own delay script first runs
  /// the area-oriented restructuring of the area script (`dc2`, `&dch`), which turns the
  /// log-depth Brent-Kung adders Yosys builds back into ripple chains; at depth 7 the block dot
  /// product's minimum period is 3.9 ns with it and 2.4 ns without.
  static func timingScript(picoseconds: Int) -> String {
    "strash; &get -n; &b -d; &nf -D \(picoseconds); &put; buffer -p; upsize -D \(picoseconds); "
      + "dnsize -D \(picoseconds); stime -p"
  }

  /// Generic synthesis, every flip-flop made a plain D flip-flop (its enable and reset become
  /// gates, as for the other flows) and mapped to the library's flip-flops; the result is saved
  /// as RTLIL for the mapping runs. Returns its path.
  ///
  /// The synthesis is Yosys's `synth` but for the `opt -fast` between `techmap` and `abc -fast`
  /// and the closing statistics: on the gate-level netlist of a large module those took a third
  /// of the step (the block quantizer: 33 s to 22 s), and ABC hashes the network structurally
  /// anyway (the mapped areas move by less than ABC's own spread, 0.4 % on the quantizer).
  public static func prepare(files: [String], top: String, liberty: LibertyLibrary, work: String) throws -> String {
    let checkpoint = "\(work)/\(top).pre.il"
    let script = """
      \(HardwareFlows.readCommand(files))
      synth -flatten -top \(top) -run :fine
      opt -fast -full
      memory_map
      opt -full
      techmap
      abc -fast
      opt -fast
      hierarchy -check
      check
      dfflegalize -cell $_DFF_P_ 01
      dfflibmap -liberty \(liberty.path)
      opt_clean
      tee -q -o \(work)/\(top).pre.stat stat
      write_rtlil \(checkpoint)

      """
    _ = try HardwareFlows.runYosys(script, name: "\(top).pre", work: work)
    return checkpoint
  }

  /// Generic cells of a prepared module (its `stat` before mapping).
  public static func preparedCells(top: String, work: String) -> Int? {
    (try? String(contentsOfFile: "\(work)/\(top).pre.stat", encoding: .utf8)).flatMap {
      HardwareFlows.number(after: "Number of cells:", in: $0)
    }
  }

  /// Modules with more generic cells than this are mapped with the fast script: the default
  /// one takes minutes per run on them (more than ten on the MSE selector, 19,000 cells).
  public static let fastMappingCells = 15_000

  /// How one mapping run is done.
  public enum Mapping: Sendable, Equatable {
    /// Area-driven (ABC's default liberty script, or with `fast` Yosys's fast one, `strash;
    /// dretime; map`, for modules too large for the default in reasonable time); `seed` > 0
    /// permutes the network first.
    case area(seed: Int, fast: Bool = false)
    /// Timing-driven: `abc -D` at the period (ns), with buffering and gate sizing.
    case timing(period: Double)

    var name: String {
      switch self {
      case .area(let seed, _): return "area-\(seed)"
      case .timing(let period): return "timing-\(Int((period * 1000).rounded()))ps"
      }
    }
  }

  /// Maps the checkpoint to the library's cells; the area and the netlist's path. The netlist
  /// is written as JSON; its Verilog (that path) is written when it is first timed or its
  /// power estimated (``StructuralVerilog``).
  public static func map(
    checkpoint: String, top: String, liberty: LibertyLibrary, mapping: Mapping, work: String
  ) throws -> (area: CellArea, netlist: String) {
    let name = "\(top).\(mapping.name)"
    let commands: String
    switch mapping {
    case .area(let seed, let fast):
      commands = (seed > 0 ? "strash; permute -S \(seed); " : "") + (fast ? fastScript : abcScript)
    case .timing(let period):
      commands = timingScript(picoseconds: Int((period * targetMargin * 1000).rounded()))
    }
    // Yosys passes "+..." to ABC as commands, commas standing for blanks.
    let packed = commands.replacingOccurrences(of: "; ", with: ";").replacingOccurrences(of: " ", with: ",")
    let abc = "abc -liberty \(liberty.path) -script \"+\(packed)\""
    var tie = ""
    if let low = liberty.tieLow, let high = liberty.tieHigh {
      tie = "hilomap -hicell \(high.cell) \(high.pin) -locell \(low.cell) \(low.pin)\nopt_clean\n"
    }
    let netlist = "\(work)/\(name).v"
    // A Verilog netlist from an earlier run of the same name is stale now.
    try? FileManager.default.removeItem(atPath: netlist)
    let script = """
      read_rtlil \(checkpoint)
      \(abc)
      opt_clean
      \(tie)tee -q -o \(work)/\(name).stat stat -liberty \(liberty.path)
      opt_clean -purge
      rename -enumerate -pattern g% c:*
      write_json \(work)/\(name).json

      """
    _ = try HardwareFlows.runYosys(script, name: name, work: work)
    let stat = try String(contentsOfFile: "\(work)/\(name).stat", encoding: .utf8)
    return (try cellArea(stat: stat, module: top, sequential: liberty.sequentialCellAreas), netlist)
  }

  /// The figures in the output of `stat -liberty`.
  /// `sequential` gives the area of each sequential cell type.
  static func cellArea(stat: String, module: String, sequential: [String: Double]) throws -> CellArea {
    guard let areaLine = stat.split(separator: "\n").first(where: { $0.contains("Chip area for") }),
      let area = areaLine.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
      let cells = HardwareFlows.number(after: "Number of cells:", in: stat)
    else { throw FlowError(description: "yosys (\(module)): no chip area in the statistics") }
    var counts: [String: Int] = [:]
    var cellsSeen = false
    for line in stat.split(separator: "\n") {
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      if line.contains("Number of cells:") {
        cellsSeen = true
        continue
      }
      guard cellsSeen, words.count == 2, let count = Int(words[1]), !words[0].hasPrefix("$") else { continue }
      counts[String(words[0]), default: 0] += count
    }
    let flipFlops = counts.filter { sequential[$0.key] != nil }.values.reduce(0, +)
    let flipFlopArea = counts.reduce(0.0) { sum, entry in sum + Double(entry.value) * (sequential[entry.key] ?? 0) }
    return CellArea(area: area, cells: cells, flipFlops: flipFlops, flipFlopArea: flipFlopArea, cellCounts: counts)
  }

  /// Times a mapped netlist with OpenSTA against a clock of `period` ns (a virtual clock for
  /// a module without one): every input arrives at the clock edge, every output is due at the
  /// next; the worst setup slack.
  public static func worstSlack(
    netlist: String, top: String, liberty: LibertyLibrary, clocked: Bool, period: Double, work: String,
    name: String
  ) throws -> Double {
    try StructuralVerilog.write(netlist: netlist, top: top)
    let script =
      constraints(netlist: netlist, top: top, liberty: liberty, clocked: clocked, period: period)
        + """
        report_checks -path_delay max -digits 4 -fields {fanout cap slew}
        puts "dialectgen worst_slack [worst_slack -max]"

        """
    let log = try runSTA(script, name: name, work: work)
    return try worstSlack(log: log, module: top)
  }

  /// The slack `worstSlack` prints.
  static func worstSlack(log: String, module: String) throws -> Double {
    guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix("dialectgen worst_slack ") }),
      let slack = Double(line.split(separator: " ").last ?? "")
    else { throw FlowError(description: "sta (\(module)): no worst slack reported") }
    guard slack.magnitude < 1e20 else {
      throw FlowError(description: "sta (\(module)): no constrained path (the module has no timing path)")
    }
    return slack
  }

  /// Power of a mapped netlist at a clock of `period` ns, from the switching activity of its
  /// cells' output pins (`instance/pin`, from ``GateSimulation``) and input bits.
  ///
  /// OpenSTA 2.0.17 ignores activities set on internal pins and propagates the inputs'
  /// activities as transition densities, which grow without bound through deep arithmetic
  /// (the two-stage selector's 3,600 cells would burn 171 mW). So OpenSTA prices each instance
  /// twice, with every non-clock pin at activity 0 (leakage and the flip-flops' clock power)
  /// and at activity 1 (plus one transition per cycle on every pin), and each instance's power
  /// is the first plus the difference times its output's simulated transitions per cycle.
  /// An input port not listed is held at `held`'s duty.
  public static func power(
    netlist: String, top: String, liberty: LibertyLibrary, clocked: Bool, period: Double,
    activity: [BitActivity], pins: [BitActivity], held: [String: Double], work: String, name: String
  ) throws -> CellPower {
    var lines = [String]()
    for (port, duty) in held.sorted(by: { $0.key < $1.key }) {
      lines.append("set_power_activity -input_ports [get_ports {\(port)}] -activity 0 -duty \(duty)")
    }
    for bit in activity {
      lines.append(
        "set_power_activity -input_ports [get_ports {\(bit.name)}] -activity \(String(format: "%.6f", bit.toggleRate)) -duty \(String(format: "%.6f", bit.duty))"
      )
    }
    for level in [0, 1] {
      lines += [
        "set_power_activity -global -activity \(level) -duty 0.5", "puts \"dialectgen activity \(level)\"",
        "report_power -instances [get_cells *] -digits 8",
      ]
    }
    try StructuralVerilog.write(netlist: netlist, top: top)
    let script =
      constraints(netlist: netlist, top: top, liberty: liberty, clocked: clocked, period: period)
      + lines.joined(separator: "\n") + "\n"
    let log = try runSTA(script, name: name, work: work)
    var rates: [String: [Double]] = [:]
    for pin in pins {
      let instance = pin.port.split(separator: "/").first.map(String.init) ?? pin.port
      rates[instance, default: []].append(pin.toggleRate)
    }
    return try power(
      log: log, period: period, module: top,
      rates: rates.mapValues { $0.reduce(0, +) / Double($0.count) })
  }

  /// The power `power(...)` computes from OpenSTA's two per-instance reports: each instance's
  /// power at activity 0 plus its rate (transitions per cycle of its outputs; 0 if unknown)
  /// times the difference to activity 1.
  static func power(log: String, period: Double, module: String, rates: [String: Double]) throws -> CellPower {
    var reports: [[String: [Double]]] = [[:], [:]]
    var level: Int?
    for line in log.split(separator: "\n") {
      if line.hasPrefix("dialectgen activity ") {
        level = Int(line.split(separator: " ").last ?? "")
        continue
      }
      let words = line.split(separator: " ")
      guard let level, level < 2, words.count == 5 else { continue }
      let numbers = words.prefix(4).compactMap { Double($0) }
      guard numbers.count == 4 else { continue }
      reports[level][String(words[4])] = numbers
    }
    guard !reports[0].isEmpty, reports[0].count == reports[1].count else {
      throw FlowError(description: "sta (\(module)): no per-instance power reported")
    }
    var total = [0.0, 0.0, 0.0]
    for (instance, idle) in reports[0] {
      guard let busy = reports[1][instance] else {
        throw FlowError(description: "sta (\(module)): no power at activity 1 for \(instance)")
      }
      let rate = rates[instance] ?? 0
      for component in 0..<3 { total[component] += idle[component] + (busy[component] - idle[component]) * rate }
    }
    return CellPower(period: period, internalPower: total[0], switching: total[1], leakage: total[2])
  }

  /// The design and its constraints, the start of every OpenSTA script.
  static func constraints(
    netlist: String, top: String, liberty: LibertyLibrary, clocked: Bool, period: Double
  ) -> String {
    let clock = clocked ? "[get_ports clk_i]" : ""
    let inputs = clocked ? "[delete_from_list [all_inputs] [get_ports clk_i]]" : "[all_inputs]"
    return """
      read_liberty \(liberty.path)
      read_verilog \(netlist)
      link_design \(top)
      create_clock -name clk -period \(period) \(clock)
      set_input_delay 0 -clock clk \(inputs)
      set_output_delay 0 -clock clk [all_outputs]

      """
  }

  static func runSTA(_ script: String, name: String, work: String) throws -> String {
    let scriptPath = "\(work)/\(name).tcl"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    let outcome = try ToolRunner.run("sta", ["-no_init", "-no_splash", "-exit", scriptPath])
    try outcome.output.write(toFile: "\(work)/\(name).sta.log", atomically: true, encoding: .utf8)
    let errors = outcome.output.split(separator: "\n").filter { $0.hasPrefix("Error") }
    guard outcome.status == 0, errors.isEmpty else {
      throw FlowError(description: "sta (\(name)): \(errors.first.map(String.init) ?? "exit \(outcome.status)")")
    }
    return outcome.output
  }

  /// The median of `values` (the mean of the middle two for an even count).
  public static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
}
