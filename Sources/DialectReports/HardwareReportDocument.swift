import BlockDialect
import DialectHardware
import Foundation

/// Writes a ``HardwareReport`` as Markdown tables, JSON and an SVG bar chart.
public struct HardwareReportDocument: Sendable {
  public let report: HardwareReport

  public init(report: HardwareReport) {
    self.report = report
  }

  /// The paper's MAC unit areas (Nangate 45 nm, square micrometres) and selector ratio.
  static let paperArea: [String: Int] = ["INT4": 207, "FP4": 247, "BlockDialect": 248, "FP6": 382, "INT8": 554]
  static let paperSelectorRatio = 0.11

  /// The paper's BlockDialect MAC area over `format`'s, to three digits.
  static func paperRatio(over format: String) -> String {
    text(ratio(paperArea["BlockDialect"], paperArea[format]), digits: 3)
  }

  var configuration: HardwareConfiguration { report.configuration }
  var n: Int { configuration.format.blockSize }

  func transistors(_ variant: String, _ kind: ModuleKind) -> Int? { report.entry(variant, kind)?.area?.transistors }

  static func ratio(_ a: Int?, _ b: Int?) -> Double? {
    guard let a, let b, b > 0 else { return nil }
    return Double(a) / Double(b)
  }

  static func text(_ value: Int?) -> String { value.map(String.init) ?? "—" }
  static func text(_ value: Double?, digits: Int = 2) -> String {
    value.map { String(format: "%.\(digits)f", $0) } ?? "—"
  }

  static func table(_ header: [String], _ rows: [[String]]) -> String {
    let lines =
      ["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
      + rows.map { "| " + $0.joined(separator: " | ") + " |" }
    return lines.joined(separator: "\n")
  }

  // MARK: The figures the targets are about

  /// BlockDialect lane / E2M1 lane, / INT4 lane, / INT8 lane (generic gates).
  public var laneRatios: (e2m1: Double?, int4: Double?, int8: Double?) {
    let lane = transistors("design", .macLane)
    return (
      Self.ratio(lane, transistors("design", .e2m1MACLane)),
      Self.ratio(lane, transistors("design", .int4MACLane)),
      Self.ratio(lane, transistors("design", .int8MACLane))
    )
  }

  /// Two-stage selector / MSE selector.
  public var selectorRatio: Double? {
    Self.ratio(transistors("design", .selector), transistors("design", .mseSelector))
  }

  /// Fmax at the maximum depth over Fmax at depth 0, per pipelined module.
  public func fmaxGain(_ kind: ModuleKind) -> Double? {
    let entries = report.entries.filter { $0.variant.hasPrefix("\(kind.rawValue)-depth-") && $0.timing != nil }
    guard let shallow = entries.first(where: { $0.depth == 0 })?.timing?.fmax,
      let deep = entries.max(by: { ($0.depth ?? 0) < ($1.depth ?? 0) })?.timing?.fmax, shallow > 0
    else { return nil }
    return deep / shallow
  }

  // MARK: Markdown

  /// The whole report as Markdown.
  public func markdown(command: String) -> String {
    var parts: [String] = []
    let lanes = laneRatios
    parts.append(
      """
      # Hardware report

      Configuration: \(configuration.summary). Every figure comes from one run of `\(command)`
      (\(String(format: "%.0f", report.seconds)) s). Areas are Yosys estimates of CMOS transistors
      (`synth -flatten`, every flip-flop made a plain D flip-flop so that `stat -tech cmos` prices it
      and its enable and reset logic); depth is the longest combinational path in cells (`ltp -noff`).

      ## Targets

      """)
    let targets: [[String]] = [
      [
        "BlockDialect MAC lane / E2M1 lane", "≤ 1.10", Self.text(lanes.e2m1), Self.paperRatio(over: "FP4"),
        verdict(lanes.e2m1, atMost: 1.10),
      ],
      [
        "BlockDialect MAC lane / INT8 lane", "≤ 0.55", Self.text(lanes.int8), Self.paperRatio(over: "INT8"),
        verdict(lanes.int8, atMost: 0.55),
      ],
      [
        "two-stage selector / MSE selector", "≤ 0.25", Self.text(selectorRatio), "≈ \(Self.paperSelectorRatio)",
        verdict(selectorRatio, atMost: 0.25),
      ],
      [
        "block dot product Fmax, deepest / depth 0", "≥ 1.5", Self.text(fmaxGain(.blockDot)), "—",
        verdict(fmaxGain(.blockDot), atLeast: 1.5),
      ],
      [
        "neighbour-group selector / two-stage selector", "≤ 2.0", Self.text(neighborSelectorRatio), "—",
        verdict(neighborSelectorRatio, atMost: 2.0),
      ],
    ]
    parts.append(Self.table(["figure", "target", "measured", "paper", "met"], targets))
    parts.append(laneSection())
    parts.append(dotSection())
    parts.append(selectorSection())
    if let comparison = selectorComparisonSection() { parts.append(comparison) }
    parts.append(decoderSection())
    parts.append(structureSection())
    parts.append(pipelineSection())
    parts.append(moduleSection())
    parts.append(methodSection(command: command))
    let problems = report.entries.flatMap { entry in entry.problems.map { "- \(entry.variant) \(entry.module): \($0)" }
    }
    if !problems.isEmpty { parts.append("## Problems\n\n" + problems.joined(separator: "\n")) }
    return parts.joined(separator: "\n\n") + "\n"
  }

  func verdict(_ value: Double?, atMost limit: Double) -> String {
    guard let value else { return "not measured" }
    return value <= limit ? "yes" : String(format: "no, by %.1f%%", (value / limit - 1) * 100)
  }

  func verdict(_ value: Double?, atLeast limit: Double) -> String {
    guard let value else { return "not measured" }
    return value >= limit ? "yes" : String(format: "no, by %.1f%%", (1 - value / limit) * 100)
  }

  func laneSection() -> String {
    let width = configuration.laneAccumulatorWidth
    let e2m1 = transistors("design", .e2m1MACLane)
    let int4 = transistors("design", .int4MACLane)
    let int8 = transistors("design", .int8MACLane)
    let lanes: [(String, String, ModuleKind, String)] = [
      ("BlockDialect (\(configuration.format.formatbook.name))", "design", .macLane, "BlockDialect"),
      ("BlockDialect, naive datapath", "naive", .macLane, ""),
      ("E2M1 (FP4) book", "design", .e2m1MACLane, "FP4"),
      ("INT4", "design", .int4MACLane, "INT4"),
      ("INT8", "design", .int8MACLane, "INT8"),
    ]
    let rows = lanes.map { label, variant, module, paper -> [String] in
      let entry = report.entry(variant, module)
      let area = entry?.area?.transistors
      return [
        label, Self.text(area), Self.text(Self.ratio(area, e2m1)), Self.text(Self.ratio(area, int4)),
        Self.text(Self.ratio(area, int8)), Self.text(entry?.nandNorArea?.transistors), Self.text(entry?.area?.depth),
        Self.text(entry?.resources?.luts), Self.text(Self.paperArea[paper]),
      ]
    }
    var sensitivity: [[String]] = []
    for laneWidth in (HardwareReportRunner.laneWidths + [width]).sorted() {
      let variant = laneWidth == width ? "design" : "lanes-\(laneWidth)"
      let lane = transistors(variant, .macLane)
      sensitivity.append([
        "\(laneWidth)\(laneWidth == width ? " (used above)" : "")",
        Self.text(Self.ratio(lane, transistors(variant, .e2m1MACLane))),
        Self.text(Self.ratio(lane, transistors(variant, .int4MACLane))),
        Self.text(Self.ratio(lane, transistors(variant, .int8MACLane))),
      ])
    }
    let nandNorRatio = Self.ratio(
      report.entry("design", .macLane)?.nandNorArea?.transistors,
      report.entry("design", .e2m1MACLane)?.nandNorArea?.transistors)
    return """
      ## MAC lanes

      One weight element times one activation element per cycle, accumulated in \(width) bits (the
      same accumulator for every lane). The E2M1 lane is the same generator with the E2M1 book: an
      FP4 MAC on equal terms. Paper: MAC unit areas in square micrometres (Nangate 45 nm).

      \(Self.table(["lane", "transistors", "vs E2M1", "vs INT4", "vs INT8", "NAND/NOR-mapped", "depth", "iCE40 LUTs", "paper µm²"], rows))

      The BlockDialect lane against E2M1 with ABC's NAND/NOR/NOT mapping instead: \(Self.text(nandNorRatio)).
      Paper ratios: BlockDialect / FP4 = \(Self.paperRatio(over: "FP4")), / INT4 = \(Self.paperRatio(over: "INT4")), / INT8 = \(Self.paperRatio(over: "INT8")).

      The ratios against the accumulator width (a wider accumulator is a larger common part):

      \(Self.table(["lane accumulator bits", "BlockDialect / E2M1", "/ INT4", "/ INT8"], sensitivity))

      ![Area per MAC lane](lane-area.svg)
      """
  }

  func dotSection() -> String {
    let fp4 = report.entry("design", .blockDot)
    let e2m1 = report.entry("e2m1", .blockDot)
    let rows = [
      [
        configuration.format.formatbook.name, Self.text(fp4?.area?.transistors), Self.text(fp4?.area?.depth),
        Self.text(fp4?.resources?.luts), "1.00",
      ],
      [
        "e2m1", Self.text(e2m1?.area?.transistors), Self.text(e2m1?.area?.depth), Self.text(e2m1?.resources?.luts),
        Self.text(Self.ratio(e2m1?.area?.transistors, fp4?.area?.transistors)),
      ],
    ]
    return """
      ## Block dot product, \(n) lanes

      Both blocks decoded with shared tables, \(n) lane products, the adder tree, the exact
      \(configuration.accumulatorWidth)-bit accumulator and the FP32 readout; combinational but for
      the accumulator.

      \(Self.table(["formatbook", "transistors", "depth", "iCE40 LUTs", "relative"], rows))
      """
  }

  func selectorSection() -> String {
    let twoStage = report.entry("design", .selector)
    let mse = report.entry("design", .mseSelector)
    let rows = [
      [
        "two-stage (bd_selector)", Self.text(twoStage?.area?.transistors), Self.text(twoStage?.area?.depth),
        Self.text(twoStage?.resources?.luts), Self.text(selectorRatio),
      ],
      [
        "MSE (bd_mse_selector)", Self.text(mse?.area?.transistors), Self.text(mse?.area?.depth),
        Self.text(mse?.resources?.luts), "1.00",
      ],
    ]
    return """
      ## Format selectors, \(n) views

      \(Self.table(["selector", "transistors", "depth", "iCE40 LUTs", "relative"], rows))

      Paper: the two-stage selector costs about \(Self.paperSelectorRatio) of an MSE selector.
      """
  }

  func decoderSection() -> String {
    let one = report.entry("design", .decoder)
    let block = report.entry("design", .blockDecoder)
    let replicated = one?.area.map { $0.transistors * n }
    let rows = [
      ["\(n) one-lane decoders (bd_decoder × \(n))", Self.text(replicated), "1.00"],
      [
        "\(n)-lane decoder, one shared table (bd_block_decoder)", Self.text(block?.area?.transistors),
        Self.text(Self.ratio(block?.area?.transistors, replicated)),
      ],
    ]
    return """
      ## Decoders

      \(Self.table(["decoders", "transistors", "relative"], rows))
      """
  }

  func structureSection() -> String {
    let kinds = ModuleKind.allCases.filter { $0.definition.reportRole.contains(.datapathStyles) }
    let rows = kinds.compactMap { kind -> [String]? in
      guard let structured = transistors("design", kind), let naive = transistors("naive", kind),
        let module = report.entry("design", kind)?.module
      else { return nil }
      return [
        module, String(naive), String(structured),
        String(format: "%.1f%%", (1 - Double(structured) / Double(naive)) * 100),
      ]
    }
    return """
      ## What the book's structure saves

      The naive datapath ignores the book's structure: every lane decodes with one flat table over
      (dialect, index), and products are negated before they are added. The structured datapath
      (the default) makes magnitudes every dialect shares constants, looks a block's dialect table
      up once for all its lanes, and adds negative products as ones' complements with the +1s
      gathered into one carry (lanes) or one population count (block dot product). The selector's
      stage 2 is a table on (group, q) in both: for a regular book such as DialectFP4 the table
      reduces to a few gates per lane, smaller than comparisons against per-group bounds.

      \(Self.table(["module", "naive transistors", "structured transistors", "saved"], rows))
      """
  }

  func pipelineSection() -> String {
    var rows: [[String]] = []
    for kind in configuration.pipelinedKinds {
      let entries = report.entries.filter { $0.variant.hasPrefix("\(kind.rawValue)-depth-") }.sorted {
        ($0.depth ?? 0) < ($1.depth ?? 0)
      }
      let base = entries.first { $0.depth == 0 }?.timing?.fmax
      for entry in entries {
        rows.append([
          entry.module, "\(entry.blockSize ?? n)", "\(entry.depth ?? 0)", "\(entry.latency ?? 0)",
          Self.text(entry.resources?.luts), Self.text(entry.resources?.flipFlops), Self.text(entry.timing?.fmax),
          Self.text(entry.timing.flatMap { timing in base.map { timing.fmax / $0 } }),
        ])
      }
    }
    // The accelerator tile in the shape that fits the device (its units pipelined).
    let shape = HardwareReportRunner.deviceTile
    for entry in report.entries where entry.variant == "tile-device" {
      rows.append([
        "\(entry.module) (R = \(shape.rows), up to \(shape.maximumRows) x \(shape.maximumColumns))",
        "\(shape.blockSize)", "\(shape.depth) (both units)", Self.text(entry.latency),
        Self.text(entry.resources?.luts), Self.text(entry.resources?.flipFlops), Self.text(entry.timing?.fmax), "—",
      ])
    }
    guard !rows.isEmpty else { return "## Pipelining\n\nNot measured (run without --no-fpga)." }
    return """
      ## Pipelining: iCE40 maximum frequency

      Place and route with nextpnr-ice40 on the HX8K (ct256), seed 1. Each module is wrapped in a
      thin register wrapper (inputs from a serial shift chain, outputs captured and folded by XOR
      into eight pins), so the frequency is the module's register-to-register speed; LUTs and
      flip-flops are the bare module's (`synth_ice40`). The quantizer is measured at the largest
      block size that fits the device with its wrapper.

      \(Self.table(["module", "block size", "depth", "latency (cycles)", "LUTs", "flip-flops", "Fmax MHz", "vs depth 0"], rows))
      """
  }

  func moduleSection() -> String {
    let rows = report.entries.filter { $0.variant == "design" }.map { entry -> [String] in
      [
        entry.module, Self.text(entry.area?.transistors), Self.text(entry.area?.cells),
        Self.text(entry.area?.flipFlops),
        Self.text(entry.area?.depth), Self.text(entry.resources?.luts), Self.text(entry.resources?.carries),
        Self.text(entry.resources?.flipFlops),
      ]
    }
    return """
      ## Every module

      \(Self.table(["module", "transistors", "cells", "flip-flops", "depth", "iCE40 LUTs", "carries", "iCE40 flip-flops"], rows))
      """
  }

  func methodSection(command: String) -> String {
    """
    ## How the figures were taken

    - Command: `\(command)`. The RTL, the Yosys scripts and every log are in the work directory
      (`\(report.work)/<variant>/<module>/`), so any figure can be reproduced by hand.
    - Area: `synth -flatten -top M; dfflegalize -cell $_DFF_P_ 01; opt_clean; stat -tech cmos` (Yosys's
      gate library: AND, NAND, OR, NOR, XOR, XNOR, ANDNOT, ORNOT, MUX, NOT), and for small modules
      also with `abc -g cmos2` (NAND, NOR, NOT). Depth: `ltp -noff`.
    - iCE40: `synth_ice40 -top M; stat` for LUTs, carries and flip-flops; `nextpnr-ice40 --hx8k
      --package ct256 --freq 100 --seed 1` on the wrapped module for Fmax.
    - Tools: \(report.tools.joined(separator: "; ")).
    """
  }

  // MARK: JSON

  public func json() -> JSONValue {
    func area(_ figures: AreaFigures?) -> JSONValue {
      guard let figures else { return .null }
      return .object([
        ("transistors", .integer(figures.transistors)), ("cells", .integer(figures.cells)),
        ("flip_flops", .integer(figures.flipFlops)), ("depth", .integer(figures.depth)),
      ])
    }
    let lanes = laneRatios
    return .object([
      ("configuration", .string(configuration.summary)),
      ("seconds", .double((report.seconds * 10).rounded() / 10)),
      ("tools", .array(report.tools.map { .string($0) })),
      (
        "ratios",
        .object([
          ("lane_vs_e2m1", lanes.e2m1.map { .double($0) } ?? .null),
          ("lane_vs_int4", lanes.int4.map { .double($0) } ?? .null),
          ("lane_vs_int8", lanes.int8.map { .double($0) } ?? .null),
          ("selector_vs_mse", selectorRatio.map { .double($0) } ?? .null),
          ("neighbor_vs_two_stage", neighborSelectorRatio.map { .double($0) } ?? .null),
          ("dot_fmax_gain", fmaxGain(.blockDot).map { .double($0) } ?? .null),
          ("quantizer_fmax_gain", fmaxGain(.blockQuantizer).map { .double($0) } ?? .null),
        ])
      ),
      (
        "selector_accuracy",
        report.selectorAccuracy.map { accuracy in
          .array(
            accuracy.rows.map { row in
              .object([
                ("distribution", .string(row.distribution.rawValue)), ("weight_sqnr_db", .double(row.weight)),
                ("gaps_db", .object(zip(SelectorAccuracy.selectors, row.gaps).map { ($0.name, .double($1)) })),
              ])
            })
        } ?? .null
      ),
      (
        "entries",
        .array(
          report.entries.map { entry in
            .object([
              ("variant", .string(entry.variant)), ("module", .string(entry.module)),
              ("block_size", entry.blockSize.map { .integer($0) } ?? .null),
              ("pipeline_depth", entry.depth.map { .integer($0) } ?? .null),
              ("latency", entry.latency.map { .integer($0) } ?? .null),
              ("area", area(entry.area)), ("nand_nor_area", area(entry.nandNorArea)),
              (
                "ice40",
                entry.resources.map {
                  .object([
                    ("luts", .integer($0.luts)), ("carries", .integer($0.carries)),
                    ("flip_flops", .integer($0.flipFlops)),
                  ])
                } ?? .null
              ),
              (
                "timing",
                entry.timing.map {
                  .object([("fmax_mhz", .double($0.fmax)), ("logic_cells", .integer($0.logicCells))])
                } ?? .null
              ),
              ("problems", .array(entry.problems.map { .string($0) })),
            ])
          })
      ),
    ])
  }

  // MARK: SVG

  /// A horizontal bar chart of the transistors per MAC lane by format.
  public func laneChart() -> String {
    let bars: [(String, Int?)] = [
      ("INT4", transistors("design", .int4MACLane)),
      ("E2M1 (FP4)", transistors("design", .e2m1MACLane)),
      ("BlockDialect", transistors("design", .macLane)),
      ("BlockDialect, naive", transistors("naive", .macLane)),
      ("INT8", transistors("design", .int8MACLane)),
    ]
    let largest = Double(bars.compactMap(\.1).max() ?? 1)
    let (left, barWidth, rowHeight) = (150.0, 420.0, 34.0)
    let height = 60 + rowHeight * Double(bars.count)
    var lines = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"680\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"13\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Estimated transistors per MAC lane (\(configuration.laneAccumulatorWidth)-bit accumulator)</text>",
    ]
    for (index, (label, value)) in bars.enumerated() {
      let y = 40 + rowHeight * Double(index)
      let length = value.map { barWidth * Double($0) / largest } ?? 0
      let colour = label.hasPrefix("BlockDialect") ? (label.hasSuffix("naive") ? "#9ecae1" : "#3182bd") : "#969696"
      lines.append("<text x=\"\(Int(left - 8))\" y=\"\(Int(y + 17))\" text-anchor=\"end\">\(label)</text>")
      lines.append(
        "<rect x=\"\(Int(left))\" y=\"\(Int(y + 4))\" width=\"\(String(format: "%.1f", length))\" height=\"20\" fill=\"\(colour)\"/>"
      )
      lines.append(
        "<text x=\"\(String(format: "%.1f", left + length + 6))\" y=\"\(Int(y + 19))\">\(value.map(String.init) ?? "not measured")</text>"
      )
    }
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }
}
