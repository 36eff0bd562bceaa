import BlockDialect
import HDL

/// The neighbour-group selector (docs/numerics.md), built from the book's
/// ``NeighborGroupTables``:
///
/// - `bd_neighbor_errors`, one per element: for each candidate slot of the block's group, the
///   element's saturated squared view error less the smallest among the group's candidates: a
///   table on (group, q) per slot (residuals are 0 wherever the candidates agree, which is most
///   of the table);
/// - `bd_neighbor_selector`: the block maximum and stage 1 (`bd_group_select`), one errors unit
///   per lane, one adder tree per slot (four for DialectFP4), a comparison tree for the least
///   sum with ties to the earlier slot (slots hold the candidates in ascending id), and the
///   winning slot's dialect id from a table on (group, slot).
///
/// Subtracting the same amount from every candidate's sum leaves the comparison, ties
/// included, exactly as the full `S_d` of the spec.
public struct NeighborSelectorGenerator: Sendable {
  public let configuration: HardwareConfiguration
  let tables: NeighborGroupTables

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
    tables = NeighborGroupTables(book: configuration.format.formatbook, cost: configuration.neighborCost)
  }

  var book: Formatbook { configuration.format.formatbook }
  var n: Int { configuration.format.blockSize }
  /// Width of a group index (at least 1 bit).
  var groupWidth: Int { max(1, bitWidth(of: book.groups.count - 1)) }
  /// Width of a slot position.
  var slotWidth: Int { max(1, bitWidth(of: tables.slotCount - 1)) }

  /// The per-element unit as a module: `group_i`, `view_i` to every slot's residual.
  public func errors() throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("bd_neighbor_errors"))
    let group = m.input("group_i", width: groupWidth, comment: "the block's group (stage 1)")
    let view = m.input("view_i", width: SelectorGenerator.viewWidth, comment: "q: the element's rounded view")
    let width = tables.residualWidth
    let residuals = (0..<tables.slotCount).map { slot in
      m.lookup(
        "slot\(slot)", index: concatenate(group, view),
        values: tables.residuals.flatMap { $0[slot] }, width: width,
        comment: "min(err, 7)^2 of candidate \(slot), less the least of the group's candidates, by (group, q)")
    }
    m.output(
      "residuals_o", concatenate(residuals.reversed()),
      comment: "slot s in bits \(width)s+\(width - 1)..\(width)s")
    return try m.generated(
      .neighborErrors, generator: "NeighborSelectorGenerator.errors",
      summary: "Neighbour-group selector, one element: each candidate's saturated squared view error (residual)",
      throughput: "1 per evaluation", parameters: [configuration.bookParameter()] + costParameters)
  }

  /// The cost, when it is not the specified one.
  var costParameters: [(key: String, value: JSONValue)] {
    tables.cost == .specified ? [] : [("cost", .string(tables.cost.description))]
  }

  /// The selector as logic inside `m`, with its boundaries `errors` (after stage 1 and the
  /// per-element tables) and `sums` (after the adder trees) carrying `carried`.
  func selectorLogic<Carried: SignalBundle>(
    in m: ModuleBuilder, views: [Signal], groupSelect: Module, errors: Module, pipeline: Pipeline? = nil,
    carrying carried: Carried
  ) -> (dialect: Signal, carried: Carried) {
    let largest = m.maximumTree("view_maximum", views)
    let h = m.wire("block_maximum", largest[1...4], comment: "h = floor(max q / 2)")
    let group = m.instance("stage1", of: groupSelect, ["maximum_i": h])["group_o"]
    let residuals = (0..<n).map { lane in
      m.instance("lane\(lane)_errors", of: errors, ["group_i": group, "view_i": views[lane]])["residuals_o"]
    }
    let scored = cross("errors", ErrorStage(group: group, residuals: residuals, carried: carried), pipeline)
    let width = tables.residualWidth
    let sums = (0..<tables.slotCount).map { slot in
      m.adderTree("sum\(slot)", scored.residuals.map { $0[(width * slot)...(width * slot + width - 1)] })
    }
    let summed = cross("sums", SumStage(group: scored.group, sums: sums, carried: scored.carried), pipeline)
    let best = m.bestOf("least_sum", summed.sums) { $0 < $1 }
    var table: [Int] = []
    for candidates in tables.candidates {
      for slot in 0..<(1 << slotWidth) { table.append(slot < candidates.count ? candidates[slot] : candidates[0]) }
    }
    let dialect = m.lookup(
      "dialect", index: concatenate(summed.group, best.position), values: table, width: book.idWidth,
      comment: "dialect id of (group, candidate slot)")
    return (dialect, summed.carried)
  }

  /// What crosses `errors`: the group, each lane's residuals, and what the caller carries.
  struct ErrorStage<Carried: SignalBundle>: SignalBundle {
    var group: Signal
    var residuals: [Signal]
    var carried: Carried

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      ErrorStage(
        group: transform("group", group),
        residuals: residuals.enumerated().map { transform("lane\($0.offset)_residuals", $0.element) },
        carried: carried.mapSignals(transform))
    }
  }

  /// What crosses `sums`: the group, each slot's sum, and what the caller carries.
  struct SumStage<Carried: SignalBundle>: SignalBundle {
    var group: Signal
    var sums: [Signal]
    var carried: Carried

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      SumStage(
        group: transform("group", group), sums: nested("sum", sums, transform), carried: carried.mapSignals(transform))
    }
  }

  /// The selector module: n views to a dialect id.
  public func selector(groupSelect: Module, errors: Module) throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("bd_neighbor_selector"))
    let packed = m.input(
      "views_i", width: SelectorGenerator.viewWidth * n, comment: "n views q, element i in bits 5i+4..5i")
    let views = (0..<n).map { packed[(5 * $0)...(5 * $0 + 4)] }
    let choice = selectorLogic(in: m, views: views, groupSelect: groupSelect, errors: errors, carrying: [Signal]())
    m.output("dialect_o", choice.dialect, comment: "the chosen dialect id")
    return try m.generated(
      .neighborSelector, generator: "NeighborSelectorGenerator.selector",
      summary:
        "Neighbour-group selector over \(n) rounded views: stage-1 group and the next lower, least saturated squared view error",
      throughput: "1 block per evaluation",
      parameters: [configuration.bookParameter(), configuration.blockSizeParameter] + costParameters)
  }
}
