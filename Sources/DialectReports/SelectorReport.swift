import BlockDialect
import DialectHardware
import Foundation

/// The online-selector comparison of the hardware report: accuracy (SQNR gap to the weight
/// path) against area for every selector, and the block quantizer with each.
extension HardwareReportDocument {
  /// Neighbour-group selector area over the two-stage selector's (generic gates).
  public var neighborSelectorRatio: Double? {
    Self.ratio(transistors("design", .neighborSelector), transistors("design", .selector))
  }

  /// The comparison as Markdown, or nil for a book of one dialect.
  func selectorComparisonSection() -> String? {
    guard let accuracy = report.selectorAccuracy else { return nil }
    let twoStage = transistors("design", .selector)
    let rows = SelectorAccuracy.selectors.enumerated().map { index, selector -> [String] in
      let area = transistors(selector.variant, selector.kind)
      let module = report.entry(selector.variant, selector.kind)?.module ?? selector.kind.rawValue
      return [selector.name, "`\(module)`", Self.text(area), Self.text(Self.ratio(area, twoStage))]
        + accuracy.rows.map { Self.text($0.gaps[index], digits: 3) }
    }
    let quantizerRows = OnlineSelector.allCases.map { selector -> [String] in
      let variant = selector == configuration.selector ? "design" : selector.rawValue
      let entry = report.entry(variant, .blockQuantizer)
      let suffix = selector == configuration.selector ? "" : "-\(selector.rawValue)"
      let timings = report.entries.filter {
        $0.variant.hasPrefix("block_quantizer\(suffix)-depth-") && $0.timing != nil
      }
      .sorted { ($0.depth ?? 0) < ($1.depth ?? 0) }
      let fmax = timings.map { "\(String(format: "%.1f", $0.timing!.fmax)) (d\($0.depth ?? 0))" }.joined(
        separator: ", ")
      return [
        selector.rawValue, Self.text(entry?.area?.transistors), Self.text(entry?.resources?.luts),
        fmax.isEmpty ? "—" : fmax,
      ]
    }
    let weights = accuracy.rows.map { "\($0.distribution.rawValue) \(String(format: "%.2f", $0.weight)) dB" }
    return """
      ## Online selectors: accuracy against area

      SQNR gap to the offline weight path (least squared error over the whole book) in dB, on
      \(SelectorAccuracy.sampleCount) seeded samples (seed \(SelectorAccuracy.seed)) per distribution,
      block \(n), from the numerics library; area as the other tables (`bd_*` modules, \(n) views).
      The weight path: \(weights.joined(separator: ", ")). The alternative costs change the rule
      of docs/numerics.md and are measured here only; `--selector neighbor` builds the specified one.

      \(Self.table(["selector", "module", "transistors", "vs two-stage"] + accuracy.rows.map { "gap \($0.distribution.rawValue)" }, rows))

      The block quantizer with each selector (n = \(n) for area; Fmax in MHz on the iCE40 at the
      block size of the pipelining table, by pipeline depth):

      \(Self.table(["selector", "quantizer transistors", "iCE40 LUTs", "Fmax MHz (depth)"], quantizerRows))
      """
  }

  /// A scatter chart: each selector's gap to the weight path (one point per distribution)
  /// against its area.
  public func selectorChart() -> String {
    let width = 680.0
    let height = 420.0
    let (left, right, top, bottom) = (70.0, 30.0, 40.0, 60.0)
    var lines = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Online selectors: SQNR gap to the weight path against area</text>",
    ]
    guard let accuracy = report.selectorAccuracy else {
      lines.append("<text x=\"10\" y=\"60\">No selector: the book has one dialect.</text>")
      return (lines + ["</svg>"]).joined(separator: "\n") + "\n"
    }
    let points = SelectorAccuracy.selectors.enumerated().compactMap { index, selector -> (String, Double, [Double])? in
      guard let area = transistors(selector.variant, selector.kind) else { return nil }
      return (selector.name, Double(area), accuracy.rows.map { $0.gaps[index] })
    }
    let largestArea = max(1, points.map(\.1).max() ?? 1) * 1.1
    let largestGap = max(0.1, points.flatMap(\.2).max() ?? 0.1) * 1.15
    func x(_ area: Double) -> Double { left + (width - left - right) * area / largestArea }
    func y(_ gap: Double) -> Double { height - bottom - (height - top - bottom) * max(0, gap) / largestGap }
    lines.append(
      "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - right))\" y2=\"\(Int(height - bottom))\" stroke=\"black\"/>"
    )
    lines.append(
      "<line x1=\"\(Int(left))\" y1=\"\(Int(top))\" x2=\"\(Int(left))\" y2=\"\(Int(height - bottom))\" stroke=\"black\"/>"
    )
    lines.append(
      "<text x=\"\(Int((left + width - right) / 2))\" y=\"\(Int(height - 20))\" text-anchor=\"middle\">estimated transistors (\(n) views)</text>"
    )
    lines.append(
      "<text x=\"18\" y=\"\(Int((top + height - bottom) / 2))\" transform=\"rotate(-90 18 \(Int((top + height - bottom) / 2)))\" text-anchor=\"middle\">gap to weight path, dB</text>"
    )
    for tick in 0...4 {
      let gap = largestGap * Double(tick) / 4
      lines.append(
        "<text x=\"\(Int(left - 6))\" y=\"\(String(format: "%.1f", y(gap) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", gap))</text>"
      )
      let area = largestArea * Double(tick) / 4
      lines.append(
        "<text x=\"\(String(format: "%.1f", x(area)))\" y=\"\(Int(height - bottom + 16))\" text-anchor=\"middle\">\(Int(area))</text>"
      )
    }
    let colours = ["#3182bd", "#e6550d", "#31a354"]
    for (index, row) in accuracy.rows.enumerated() {
      lines.append(
        "<rect x=\"\(Int(width - 170))\" y=\"\(Int(top + 16 * Double(index)))\" width=\"10\" height=\"10\" fill=\"\(colours[index % 3])\"/>"
      )
      lines.append(
        "<text x=\"\(Int(width - 154))\" y=\"\(Int(top + 9 + 16 * Double(index)))\">\(row.distribution.rawValue)</text>"
      )
    }
    for (name, area, gaps) in points {
      for (index, gap) in gaps.enumerated() {
        lines.append(
          "<circle cx=\"\(String(format: "%.1f", x(area)))\" cy=\"\(String(format: "%.1f", y(gap)))\" r=\"4\" fill=\"\(colours[index % 3])\"/>"
        )
      }
      let label = name.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? name
      lines.append(
        "<text x=\"\(String(format: "%.1f", x(area) + 7))\" y=\"\(String(format: "%.1f", y(gaps.max() ?? 0) - 6))\">\(label)</text>"
      )
    }
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }
}
