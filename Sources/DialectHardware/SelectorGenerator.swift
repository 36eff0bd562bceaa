import BlockDialect
import HDL

/// The activation path's two-stage format selector (NUMERICS.md), and the MSE selector it is
/// compared against. Both take the n rounded views q (5 bits each, quarter-units).
///
/// - `<prefix>_group_select`: stage 1, the group for `h = floor(max q / 2)`.
/// - `<prefix>_membership`: stage 2 for one element: for each member position of the chosen
///   group, whether q is in that member's beneficial range: a table on (group, q).
/// - `<prefix>_selector`: max tree, group select, one membership unit per lane, a population
///   count per member position, and the largest count (ties to the lowest id).
/// - `<prefix>_mse_selector`: per dialect, the sum over lanes of the squared quarter-unit error
///   (a table on q), then the smallest sum (ties to the lowest id).
///
/// Only books with more than one dialect need a selector.
public struct SelectorGenerator: Sendable {
  public let configuration: HardwareConfiguration
  public let prefix: String

  public init(configuration: HardwareConfiguration, prefix: String = "bd") {
    self.configuration = configuration
    self.prefix = prefix
  }

  var book: Formatbook { configuration.format.formatbook }
  var n: Int { configuration.format.blockSize }
  /// Width of a group index (at least 1 bit, so a one-group book still has a port).
  var groupWidth: Int { max(1, bitWidth(of: book.groups.count - 1)) }
  /// The most members any group has.
  var largestGroup: Int { book.groups.map(\.members.count).max()! }
  /// Width of a member position.
  var positionWidth: Int { max(1, bitWidth(of: largestGroup - 1)) }
  /// Whether stage 2 exists (some group has more than one member).
  public var hasStageTwo: Bool { largestGroup > 1 }
  static let viewWidth = 5
  static let maximumWidth = 4

  /// Stage 1 as a module.
  public func groupSelect() throws -> GeneratedModule {
    let m = ModuleBuilder("\(prefix)_group_select")
    m.headerLines = configuration.headerLines(
      generator: "SelectorGenerator.groupSelect", summary: "Selector stage 1: the dialect group for a block's maximum")
    let maximum = m.input(
      "maximum_i", width: Self.maximumWidth, comment: "h = floor(max q / 2): the block maximum in half-units, truncated"
    )
    let groups = (0...Dialect.largestMagnitude).map { book.groupIndex(forTruncatedMaximum: $0) }
    m.output(
      "group_o", m.lookup("group", index: maximum, values: groups, width: groupWidth),
      comment: "the group whose largest magnitude is the smallest one >= h, else the last")
    return GeneratedModule(
      kind: .groupSelect, module: try m.build(), summary: "stage 1 of the two-stage selector", latency: 0,
      handshake: .combinational, throughput: "1 per evaluation", parameters: [("formatbook", .string(book.name))])
  }

  /// Stage 2 for one element as a module.
  public func membership() throws -> GeneratedModule {
    let m = ModuleBuilder("\(prefix)_membership")
    m.headerLines = configuration.headerLines(
      generator: "SelectorGenerator.membership",
      summary: "Selector stage 2, one element: beneficial-range membership per member of the group")
    let group = m.input("group_i", width: groupWidth, comment: "the block's group (stage 1)")
    let view = m.input("view_i", width: Self.viewWidth, comment: "q: the element's rounded view, quarter-units")
    let bits = (0..<largestGroup).map { position in memberBit(in: m, group: group, view: view, position: position) }
    m.output(
      "members_o", concatenate(bits.reversed()),
      comment: "bit j: q is in the beneficial range of the group's member j")
    return GeneratedModule(
      kind: .membership, module: try m.build(), summary: "stage 2 membership of one element", latency: 0,
      handshake: .combinational, throughput: "1 per evaluation", parameters: [("formatbook", .string(book.name))])
  }

  /// The beneficial range of member `position` of each group, as a 32-bit mask (0 for a
  /// group without that member, or a group of one).
  func ranges(position: Int) -> [UInt32] {
    book.groups.map { group in
      position < group.members.count && group.members.count > 1 ? book.beneficialRanges[group.members[position]] : 0
    }
  }

  /// Whether q is in the beneficial range of member `position` of `group`: a table on
  /// (group, q). (Two comparisons of q against bounds looked up by group, possible when every
  /// range is an interval, synthesize larger: about 29,300 against 21,800 estimated transistors
  /// for the DialectFP4 selector with n = 32, since the table of a regular book reduces to a
  /// few gates per lane while a comparison against a variable bound does not.)
  func memberBit(in m: ModuleBuilder, group: Signal, view: Signal, position: Int) -> Signal {
    let table = ranges(position: position).flatMap { mask in (0..<32).map { Int((mask >> UInt32($0)) & 1) } }
    return m.lookup(
      "member\(position)", index: concatenate(group, view), values: table, width: 1,
      comment: "beneficial range of member \(position), by (group, q)")
  }

  /// The dialect id of member `position` of `group`.
  func dialect(in m: ModuleBuilder, group: Signal, position: Signal?) -> Signal {
    let idWidth = book.idWidth
    guard let position else {
      return m.lookup("dialect", index: group, values: book.groups.map { $0.members[0] }, width: idWidth)
    }
    var table: [Int] = []
    for group in book.groups {
      for j in 0..<(1 << positionWidth) { table.append(j < group.members.count ? group.members[j] : group.members[0]) }
    }
    return m.lookup(
      "dialect", index: concatenate(group, position), values: table, width: idWidth,
      comment: "dialect id of (group, member position)")
  }

  /// The two-stage selector as logic inside `m`: the dialect id for the views, with pipeline
  /// boundaries `membership` (after stage 1 and the membership tests) and `count` (after the
  /// population counts) offered to `boundary`.
  func selectorLogic(
    in m: ModuleBuilder, views: [Signal], groupSelect: Module, membership: Module?,
    boundary: (String, [(name: String, signal: Signal)]) -> [Signal] = { _, signals in signals.map(\.signal) }
  ) -> Signal {
    let largest = m.maximumTree("view_maximum", views)
    let h = m.wire("block_maximum", largest[1...4], comment: "h = floor(max q / 2)")
    let group = m.instance("stage1", of: groupSelect, ["maximum_i": h])["group_o"]
    guard let membership else {
      let staged = boundary("membership", [("group", group)])
      return dialect(in: m, group: boundary("count", [("group", staged[0])])[0], position: nil)
    }
    let members = (0..<n).map { lane in
      m.instance("lane\(lane)_membership", of: membership, ["group_i": group, "view_i": views[lane]])["members_o"]
    }
    let memberBits = m.wire(
      "member_bits", concatenate(members.reversed()),
      comment: "lane i in bits \(largestGroup)i+\(largestGroup - 1)..\(largestGroup)i")
    let staged = boundary("membership", [("group", group), ("member_bits", memberBits)])
    let counts = (0..<largestGroup).map { position in
      let bits = concatenate((0..<n).reversed().map { staged[1][$0 * largestGroup + position] })
      return m.populationCount("count\(position)", bits)
    }
    let afterCount = boundary(
      "count", [("group", staged[0])] + counts.enumerated().map { ("count\($0.offset)", $0.element) })
    // The largest count; a tie keeps the earlier (lower) member.
    var best = afterCount[1]
    var position = Signal.constant(0, width: positionWidth)
    for candidate in 1..<largestGroup {
      let wins = m.wire("member\(candidate)_wins", afterCount[1 + candidate] > best)
      best = m.wire("best_count\(candidate)", mux(wins, afterCount[1 + candidate], best))
      position = m.wire("best_member\(candidate)", mux(wins, .constant(candidate, width: positionWidth), position))
    }
    return dialect(in: m, group: afterCount[0], position: position)
  }

  /// The selector module.
  public func selector(groupSelect: Module, membership: Module?) throws -> GeneratedModule {
    let m = ModuleBuilder("\(prefix)_selector")
    m.headerLines = configuration.headerLines(
      generator: "SelectorGenerator.selector", summary: "Two-stage format selector over \(n) rounded views")
    let packed = m.input("views_i", width: Self.viewWidth * n, comment: "n views q, element i in bits 5i+4..5i")
    let views = (0..<n).map { packed[(5 * $0)...(5 * $0 + 4)] }
    m.output(
      "dialect_o", selectorLogic(in: m, views: views, groupSelect: groupSelect, membership: membership),
      comment: "the chosen dialect id")
    return GeneratedModule(
      kind: .selector, module: try m.build(),
      summary: "two-stage selector: group from the maximum, member by beneficial-range counts",
      latency: 0, handshake: .combinational, throughput: "1 block per evaluation",
      parameters: [("formatbook", .string(book.name)), ("block_size", .integer(n))])
  }

  /// The squared quarter-unit error of every dialect for one view: `<prefix>_view_errors`, the
  /// per-lane unit of the MSE selector.
  func viewErrors() throws -> (module: Module, errorWidth: Int) {
    let squares = book.dialects.map { dialect in
      (0..<32).map { q in dialect.quarterUnitError(q) * dialect.quarterUnitError(q) }
    }
    let errorWidth = max(1, bitWidth(of: squares.flatMap { $0 }.max()!))
    let m = ModuleBuilder("\(prefix)_view_errors")
    m.headerLines = configuration.headerLines(
      generator: "SelectorGenerator.viewErrors", summary: "MSE selector lane: squared quarter-unit error per dialect")
    let view = m.input("view_i", width: Self.viewWidth, comment: "q: an element's rounded view, quarter-units")
    let errors = squares.enumerated().map { d, table in
      m.lookup(
        "error\(d)", index: view, values: table, width: errorWidth, comment: "(min_k |q - 2 m_k|)^2 for dialect \(d)")
    }
    m.output(
      "errors_o", concatenate(errors.reversed()),
      comment: "dialect d's squared error in bits \(errorWidth)d+\(errorWidth - 1)..\(errorWidth)d")
    return (try m.build(), errorWidth)
  }

  /// The MSE reference selector module.
  public func mseSelector() throws -> GeneratedModule {
    let (lane, errorWidth) = try viewErrors()
    let m = ModuleBuilder("\(prefix)_mse_selector")
    m.headerLines = configuration.headerLines(
      generator: "SelectorGenerator.mseSelector",
      summary: "MSE selector over \(n) rounded views: least sum of squared quarter-unit errors")
    let packed = m.input("views_i", width: Self.viewWidth * n, comment: "n views q, element i in bits 5i+4..5i")
    let laneErrors = (0..<n).map { index in
      m.instance("lane\(index)_errors", of: lane, ["view_i": packed[(5 * index)...(5 * index + 4)]])["errors_o"]
    }
    let costs = book.dialects.indices.map { d in
      let errors = laneErrors.map { $0[(errorWidth * d)...(errorWidth * d + errorWidth - 1)] }
      return m.wire("cost\(d)", m.adderTree("cost\(d)_sum", errors), comment: "sum of squared errors, dialect \(d)")
    }
    var best = costs[0]
    var choice = Signal.constant(0, width: book.idWidth)
    for d in 1..<costs.count {
      let wins = m.wire("dialect\(d)_wins", costs[d] < best)
      best = m.wire("best_cost\(d)", mux(wins, costs[d], best))
      choice = m.wire("best_dialect\(d)", mux(wins, .constant(d, width: book.idWidth), choice))
    }
    m.output("dialect_o", choice, comment: "the dialect with the least sum of squared errors (ties: lowest id)")
    return GeneratedModule(
      kind: .mseSelector, module: try m.build(),
      summary: "reference selector: least squared quarter-unit error over the whole book",
      latency: 0, handshake: .combinational, throughput: "1 block per evaluation",
      parameters: [("formatbook", .string(book.name)), ("block_size", .integer(n))])
  }
}
