import BlockDialect
import DialectHardware
import Foundation

/// Writes a ``StandardCellReport`` as Markdown tables, JSON and an SVG chart.
public struct StandardCellDocument: Sendable {
  public let report: StandardCellReport

  public init(report: StandardCellReport) {
    self.report = report
  }

  /// The paper's MAC units at 45 nm and 0.5 GHz (Table 5, as transcribed by a third party):
  /// area in square micrometres and power in microwatts.
  static let paperMAC: [(label: String, area: Double, power: Double)] = [
    ("INT4", 207, 104), ("FP4", 247, 129), ("DialectFP4", 248, 135), ("FP6", 382, 214), ("INT8", 554, 331),
  ]
  /// The paper's selectors (Table 7): area in square micrometres and power in milliwatts.
  static let paperSelectors: [(label: String, area: Double, power: Double)] = [
    ("two-stage", 42_834, 0.7), ("MSE", 399_409, 6.9),
  ]
  /// The paper's clock, ns.
  static let paperPeriod = 2.0

  /// The paper's energy per MAC of a unit, pJ: power over the 0.5 GHz clock.
  static func paperEnergy(_ label: String) -> Double? {
    paperMAC.first { $0.label == label }.map { $0.power * 1e-6 * paperPeriod * 1e-9 * 1e12 }
  }

  /// The paper's figures for a lane kind, if it has one.
  static func paperLabel(_ kind: ModuleKind) -> String? {
    switch kind {
    case .macLane: return "DialectFP4"
    case .e2m1MACLane: return "FP4"
    case .int4MACLane: return "INT4"
    case .int8MACLane: return "INT8"
    default: return nil
    }
  }

  var configuration: HardwareConfiguration { report.configuration }
  var n: Int { configuration.format.blockSize }

  // MARK: The figures the targets are about

  static func ratio(_ a: Double?, _ b: Double?) -> Double? {
    guard let a, let b, b > 0 else { return nil }
    return a / b
  }

  func area(_ kind: ModuleKind) -> Double? { report.design(kind)?.area?.area }
  func energy(_ kind: ModuleKind) -> Double? { report.design(kind)?.power?.energyPerCycle }

  /// The shallowest depth at which a pipelined kind meets the report's clock, with its entry.
  public func meetingDepth(_ kind: ModuleKind) -> StandardCellReport.Entry? {
    report.depths(kind).first { ($0.timing?.minimumPeriod ?? .infinity) <= report.period + 1e-9 }
  }

  /// The ratios of the targets: name, value, limit (at most).
  public var targetRatios: [(name: String, value: Double?, limit: Double)] {
    [
      (
        "BlockDialect block dot product / E2M1 block dot product, area",
        Self.ratio(area(.blockDot), area(.e2m1BlockDot)), 1.10
      ),
      (
        "BlockDialect block dot product / E2M1 block dot product, energy per block",
        Self.ratio(energy(.blockDot), energy(.e2m1BlockDot)), 1.10
      ),
      ("BlockDialect MAC lane / E2M1 MAC lane, area", Self.ratio(area(.macLane), area(.e2m1MACLane)), 1.10),
      ("BlockDialect MAC lane / INT8 MAC lane, area", Self.ratio(area(.macLane), area(.int8MACLane)), 0.55),
    ]
  }

  // MARK: Markdown

  static func text(_ value: Double?, digits: Int = 2) -> String {
    value.map { String(format: "%.\(digits)f", $0) } ?? "—"
  }

  static func text(_ value: Int?) -> String { value.map(String.init) ?? "—" }

  static func percent(_ value: Double) -> String { String(format: "%+.1f%%", value * 100) }

  static func spread(_ entry: StandardCellReport.Entry?) -> String {
    guard let entry, let spread = entry.spread else { return "—" }
    return
      "\(percent(spread.low)) / \(percent(spread.high)) (\(entry.runs.count)\(entry.fastMapping ? ", fast script" : ""))"
  }

  static func table(_ header: [String], _ rows: [[String]]) -> String {
    HardwareReportDocument.table(header, rows)
  }

  /// The whole report as Markdown.
  public func markdown(command: String) -> String {
    var parts = [
      """
      # Standard-cell report

      Library: `\(report.library)` (\(report.corner)), from `\(report.libraryPath)`.
      Configuration: \(configuration.summary). Every figure comes from one run of `\(command)`
      (\(String(format: "%.0f", report.seconds)) s). Clock for timing and power: \(Self.text(report.period)) ns
      (\(Self.text(1000 / report.period, digits: 0)) MHz).
      """
    ]
    parts.append(targetSection())
    parts.append(laneSection())
    parts.append(dotSection())
    parts.append(pipelineSection())
    parts.append(moduleSection())
    parts.append(methodSection(command: command))
    let problems = report.entries.flatMap { entry in
      entry.problems.map { "- \(entry.variant) \(entry.module) (depth \(entry.depth)): \($0)" }
    }
    if !problems.isEmpty { parts.append("## Problems\n\n" + problems.joined(separator: "\n")) }
    return parts.joined(separator: "\n\n") + "\n"
  }

  func targetSection() -> String {
    var rows = targetRatios.map { target -> [String] in
      let verdict =
        target.value.map { $0 <= target.limit ? "yes" : String(format: "no, by %.1f%%", ($0 / target.limit - 1) * 100) }
        ?? "not measured"
      return [target.name, "≤ \(Self.text(target.limit))", Self.text(target.value, digits: 3), verdict]
    }
    for kind in report.configuration.pipelinedKinds where !kind.definition.reportRole.contains(.baseline) {
      guard !report.depths(kind).isEmpty else { continue }
      let meeting = meetingDepth(kind)
      rows.append([
        "\(report.design(kind)?.module ?? kind.rawValue) meets \(Self.text(report.period)) ns", "some depth",
        meeting.map {
          "depth \($0.depth): \(Self.text($0.timing?.minimumPeriod)) ns, \(Self.text($0.timing?.area, digits: 0)) µm²"
        } ?? "no depth", meeting == nil ? "no" : "yes",
      ])
    }
    return "## Targets\n\n" + Self.table(["figure", "target", "measured", "met"], rows)
  }

  func laneRow(_ entry: StandardCellReport.Entry, reference: [(String, Double?)]) -> [String] {
    let area = entry.area?.area
    let paper = Self.paperLabel(entry.kind)
    let paperArea = paper.flatMap { label in Self.paperMAC.first { $0.label == label }?.area }
    return [
      "`\(entry.module)`", Self.text(area, digits: 1), Self.spread(entry),
      Self.text(entry.area.map { $0.area - $0.flipFlopArea }, digits: 1),
    ] + reference.map { Self.text(Self.ratio(area, $0.1)) } + [
      Self.text(entry.timing?.minimumPeriod), Self.text(entry.energyPerMAC, digits: 3),
      Self.text(paperArea, digits: 0), Self.text(paper.flatMap(Self.paperEnergy), digits: 3),
    ]
  }

  func laneSection() -> String {
    let reference: [(String, Double?)] = [
      ("E2M1", area(.e2m1MACLane)), ("INT4", area(.int4MACLane)), ("INT8", area(.int8MACLane)),
    ]
    let header =
      ["lane", "µm² (median)", "spread (runs)", "µm² without flip-flops"] + reference.map { "vs \($0.0)" } + [
        "min period ns", "pJ per MAC", "paper µm²", "paper pJ per MAC",
      ]
    let lanes = ModuleKind.allCases.filter { $0.definition.reportRole.contains(.lane) }.compactMap(report.design)
    let products = ModuleKind.allCases.filter { $0.definition.reportRole.contains(.product) }.compactMap(
      report.design)
    let productReference: [(String, Double?)] = [
      ("E2M1", area(.e2m1MACProduct)), ("INT4", area(.int4MACProduct)), ("INT8", area(.int8MACProduct)),
    ]
    var text = """
      ## MAC lanes

      Every lane takes one weight and one activation per cycle and accumulates their product in
      \(configuration.laneAccumulatorWidth) bits, in the same form `sum <= (clear ? 0 : sum) + product`
      and with the same ports and register boundary. Paper: Table 5 of the paper (45 nm,
      0.5 GHz), its power over the clock as pJ per MAC.

      \(Self.table(header, lanes.map { laneRow($0, reference: reference) }))
      """
    if !products.isEmpty {
      text += """


        Without the accumulator: the same lanes' product alone (operands in, the signed
        product out, combinational), energy per multiply.

        \(Self.table(header, products.map { laneRow($0, reference: productReference) }))
        """
    }
    return text
  }

  func dotSection() -> String {
    let reference = area(.e2m1BlockDot)
    let referenceEnergy = energy(.e2m1BlockDot)
    let rows = ModuleKind.allCases.filter { $0.definition.reportRole.contains(.blockProduct) }.compactMap(
      report.design
    ).map { entry -> [String] in
      [
        "`\(entry.module)`", Self.text(entry.area?.area, digits: 0), Self.spread(entry),
        Self.text(Self.ratio(entry.area?.area, reference)), Self.text(entry.timing?.minimumPeriod),
        Self.text(entry.power?.energyPerCycle, digits: 2),
        Self.text(Self.ratio(entry.power?.energyPerCycle, referenceEnergy)),
        Self.text(entry.energyPerMAC, digits: 3),
      ]
    }
    return """
      ## Block dot products, \(n) lanes

      One block pair per cycle: P and S, the exact \(configuration.accumulatorWidth)-bit accumulator and the
      FP32 readout, the same for every format (depth 0: combinational but for the accumulator).

      \(Self.table(["block dot product", "µm² (median)", "spread (runs)", "vs E2M1", "min period ns", "pJ per block", "vs E2M1", "pJ per MAC"], rows))
      """
  }

  func pipelineSection() -> String {
    var rows: [[String]] = []
    for kind in configuration.pipelinedKinds {
      for entry in report.depths(kind) {
        let meets = (entry.timing?.minimumPeriod).map { $0 <= report.period + 1e-9 ? "yes" : "no" } ?? "—"
        rows.append([
          "`\(entry.module)`", "\(entry.depth)", "\(entry.latency)", Self.text(entry.timing?.minimumPeriod), meets,
          Self.text(entry.timing?.area, digits: 0),
          Self.text(entry.variant == "depth" ? entry.power?.energyPerCycle : nil, digits: 2),
        ])
      }
    }
    return """
      ## Pipelining: minimum clock period at each depth

      Each depth mapped for timing (ABC's delay target \(Int(report.period * 900)) ps, with buffering and gate
      sizing) and timed by OpenSTA; the area is that timing-driven netlist's, the energy its
      power at \(Self.text(report.period)) ns times the period (depths above 0). Baseline
      formats are timed at depth 0 and at their deepest pipeline only.

      \(Self.table(["module", "depth", "latency (cycles)", "min period ns", "meets \(Self.text(report.period)) ns", "µm² (timing-driven)", "pJ per block"], rows))
      """
  }

  func moduleSection() -> String {
    let rows = report.entries.filter { $0.variant == "design" }.map { entry -> [String] in
      [
        "`\(entry.module)`", Self.text(entry.area?.area, digits: 1), Self.spread(entry),
        Self.text(entry.area?.cells), Self.text(entry.area?.flipFlops),
        Self.text(entry.area?.flipFlopArea, digits: 1), Self.text(entry.timing?.minimumPeriod),
        Self.text(entry.power?.energyPerCycle, digits: 3), Self.text(entry.power.map { $0.total * 1000 }, digits: 3),
      ]
    }
    var text = """
      ## Every module (depth 0)

      \(Self.table(["module", "µm² (median)", "spread (runs)", "cells", "flip-flops", "flip-flop µm²", "min period ns", "pJ per cycle", "mW at \(Self.text(1000 / report.period, digits: 0)) MHz"], rows))
      """
    if let twoStage = report.design(.selector), let mse = report.design(.mseSelector) {
      let paper = Self.paperSelectors
      text += """


        Selectors against the paper (Table 7): two-stage / MSE area \(Self.text(Self.ratio(twoStage.area?.area, mse.area?.area), digits: 3)) here, \(Self.text(paper[0].area / paper[1].area, digits: 3)) in the paper (\(Self.text(paper[0].area, digits: 0)) and \(Self.text(paper[1].area, digits: 0)) µm²); power \(Self.text(Self.ratio(twoStage.power?.total, mse.power?.total), digits: 3)) here, \(Self.text(paper[0].power / paper[1].power, digits: 3)) in the paper (\(paper[0].power) and \(paper[1].power) mW).
        """
    }
    return text
  }

  func methodSection(command: String) -> String {
    """
    ## How the figures were taken

    - Command: `\(command)`. Scripts, netlists and logs: `\(report.work)/<variant>/<module>/`.
    - Mapping: `synth -flatten; dfflegalize -cell $_DFF_P_ 01; dfflibmap -liberty L` (enables and
      resets become gates), then `abc -liberty L` with Yosys's default liberty script (for
      modules of more than \(StandardCellFlows.fastMappingCells) generic cells and the neighbour-group selector, marked
      "fast script", Yosys's fast one, `strash; dretime; map`: the default takes minutes per run
      on them, more than ten on the MSE and neighbour-group selectors); area from `stat -liberty L`. The area is the median of \(report.runs.small) runs (\(report.runs.large) for the largest
      modules): the first unperturbed, each other with ABC's `permute -S <seed>` (inputs,
      outputs and node order permuted) before the same script; the spread is the smallest and
      largest run against the median.
    - Timing: the same netlist mapped for delay (`&b -d; &nf -D \(Int(report.period * 900)); buffer -p; upsize;
      dnsize`: balanced for delay, mapped for 90 % of the clock, buffered and sized), timed by OpenSTA with every input arriving at the clock
      edge and every output due at the next (a virtual clock for combinational modules); the
      minimum period is the clock less the worst setup slack. Wire load: the library's default.
    - Energy: OpenSTA `report_power` at \(Self.text(report.period)) ns on the median area-driven netlist, each
      input bit's toggle rate and duty measured from the module's golden vectors (their
      "real-looking" sections where they have them) and set with `set_power_activity`; OpenSTA
      propagates activity through the logic probabilistically (no glitches, no correlation
      between signals). Energy per cycle = total power × period.
    - Tools: \(report.tools.joined(separator: "; ")).
    """
  }

  // MARK: JSON

  public func json() -> JSONValue {
    func number(_ value: Double?, _ digits: Double = 1000) -> JSONValue {
      value.map { .double(($0 * digits).rounded() / digits) } ?? .null
    }
    return .object([
      ("library", .string(report.library)), ("corner", .string(report.corner)),
      ("configuration", .string(configuration.summary)), ("period_ns", .double(report.period)),
      ("seconds", .double((report.seconds * 10).rounded() / 10)),
      ("tools", .array(report.tools.map { .string($0) })),
      (
        "targets",
        .array(
          targetRatios.map { target in
            .object([
              ("figure", .string(target.name)), ("value", number(target.value)), ("at_most", .double(target.limit)),
            ])
          })
      ),
      (
        "entries",
        .array(
          report.entries.map { entry in
            .object([
              ("variant", .string(entry.variant)), ("kind", .string(entry.kind.rawValue)),
              ("module", .string(entry.module)), ("depth", .integer(entry.depth)),
              ("latency", .integer(entry.latency)),
              ("area_um2", number(entry.area?.area)),
              ("area_runs_um2", .array(entry.runs.map { number($0.area) })),
              ("fast_mapping", .bool(entry.fastMapping)),
              ("cells", entry.area.map { .integer($0.cells) } ?? .null),
              ("flip_flops", entry.area.map { .integer($0.flipFlops) } ?? .null),
              ("flip_flop_area_um2", number(entry.area?.flipFlopArea)),
              ("minimum_period_ns", number(entry.timing?.minimumPeriod)),
              ("timing_area_um2", number(entry.timing?.area)),
              ("power_w", number(entry.power?.total, 1e12)),
              ("energy_per_cycle_pj", number(entry.power?.energyPerCycle, 1e5)),
              ("energy_per_mac_pj", number(entry.energyPerMAC, 1e5)),
              ("activity_bits", .integer(entry.activityBits)), ("activity_vectors", .integer(entry.activityVectors)),
              ("problems", .array(entry.problems.map { .string($0) })),
            ])
          })
      ),
    ])
  }

  // MARK: SVG

  /// Three panels of horizontal bars, one row per lane, product, selector, quantizer and block
  /// dot product: area (log scale), minimum period, and energy per MAC (or per evaluation for
  /// the modules that do no MAC), with the paper's figures as hollow bars where it has them.
  public func chart() -> String {
    let roles: [ReportRole] = [.lane, .product, .blockProduct]
    let kinds = ModuleKind.allCases.filter { kind in
      let role = kind.definition.reportRole
      return roles.contains { role.contains($0) } || [.selector, .mseSelector, .blockQuantizer].contains(kind)
    }
    let entries = kinds.compactMap(report.design)
    let rowHeight = 22.0
    let (labelWidth, panelWidth, gap) = (190.0, 230.0, 20.0)
    let top = 56.0
    let height = top + rowHeight * Double(entries.count) + 40
    let width = labelWidth + 3 * (panelWidth + gap) + 20
    var lines = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"10\" y=\"18\" font-size=\"14\" font-weight=\"bold\">\(report.library), \(Self.text(1000 / report.period, digits: 0)) MHz: area, minimum period, energy (hollow: the paper)</text>",
    ]
    func paperArea(_ entry: StandardCellReport.Entry) -> Double? {
      if let label = Self.paperLabel(entry.kind) { return Self.paperMAC.first { $0.label == label }?.area }
      if entry.kind == .selector { return Self.paperSelectors[0].area }
      if entry.kind == .mseSelector { return Self.paperSelectors[1].area }
      return nil
    }
    func energy(_ entry: StandardCellReport.Entry) -> Double? { entry.energyPerMAC ?? entry.power?.energyPerCycle }
    let panels:
      [(
        title: String, log: Bool, value: (StandardCellReport.Entry) -> Double?,
        paper: (StandardCellReport.Entry) -> Double?
      )] = [
        ("area µm² (log)", true, { $0.area?.area }, paperArea),
        ("min period ns (timing-driven)", false, { $0.timing?.minimumPeriod }, { _ in nil }),
        (
          "pJ per MAC (log; per block for others)", true, energy,
          { entry in Self.paperLabel(entry.kind).flatMap(Self.paperEnergy) }
        ),
      ]
    for (index, panel) in panels.enumerated() {
      let x0 = labelWidth + Double(index) * (panelWidth + gap)
      let values = entries.flatMap { [panel.value($0), panel.paper($0)] }.compactMap { $0 }.filter { $0 > 0 }
      let largest = values.max() ?? 1
      let smallest = panel.log ? (values.min() ?? 1) / 2 : 0
      func length(_ value: Double) -> Double {
        guard value > 0 else { return 0 }
        if panel.log { return panelWidth * 0.8 * log(value / smallest) / log(largest / smallest) }
        return panelWidth * 0.8 * value / largest
      }
      lines.append("<text x=\"\(Int(x0))\" y=\"\(Int(top - 12))\" font-weight=\"bold\">\(panel.title)</text>")
      for (row, entry) in entries.enumerated() {
        let y = top + rowHeight * Double(row)
        if let value = panel.value(entry) {
          let bar = length(value)
          lines.append(
            "<rect x=\"\(Int(x0))\" y=\"\(Int(y + 3))\" width=\"\(String(format: "%.1f", bar))\" height=\"14\" fill=\"\(entry.module.hasPrefix("bd_") ? "#3182bd" : "#969696")\"/>"
          )
          lines.append(
            "<text x=\"\(String(format: "%.1f", x0 + bar + 4))\" y=\"\(Int(y + 14))\">\(String(format: value >= 100 ? "%.0f" : value >= 1 ? "%.2f" : "%.3f", value))</text>"
          )
        }
        if let paper = panel.paper(entry) {
          lines.append(
            "<rect x=\"\(Int(x0))\" y=\"\(Int(y + 1))\" width=\"\(String(format: "%.1f", length(paper)))\" height=\"18\" fill=\"none\" stroke=\"#e6550d\" stroke-width=\"1.5\"/>"
          )
        }
      }
      if !panel.log {
        let x = x0 + length(report.period)
        lines.append(
          "<line x1=\"\(String(format: "%.1f", x))\" y1=\"\(Int(top))\" x2=\"\(String(format: "%.1f", x))\" y2=\"\(Int(top + rowHeight * Double(entries.count)))\" stroke=\"#e6550d\" stroke-dasharray=\"3,3\"/>"
        )
      }
    }
    for (row, entry) in entries.enumerated() {
      let y = top + rowHeight * Double(row)
      lines.append("<text x=\"\(Int(labelWidth - 8))\" y=\"\(Int(y + 14))\" text-anchor=\"end\">\(entry.module)</text>")
    }
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }
}
