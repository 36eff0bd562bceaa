import BlockDialect
import HDL

/// The activation path's two-stage format selector (docs/numerics.md), and the view-MSE
/// selector it is compared against. Both take the n rounded views q (5 bits each,
/// quarter-units).
///
/// - `bd_group_select`: stage 1, the group for `h = floor(max q / 2)`.
/// - `bd_membership`: stage 2 for one element: for each member position of the chosen group,
///   whether q is in that member's beneficial range: a table on (group, q).
/// - `bd_selector`: max tree, group select, one membership unit per lane, a population count
///   per member position, and the largest count (ties to the lowest id).
/// - `bd_mse_selector`: per dialect of the whole book, the sum over lanes of the squared
///   quarter-unit error (a table on q), then the smallest sum (ties to the lowest id).
///
/// Only books with more than one dialect need a selector.
public struct SelectorGenerator: Sendable {
  public let configuration: HardwareConfiguration

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
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
    let m = ModuleBuilder(configuration.moduleName("bd_group_select"))
    let maximum = m.input(
      "maximum_i", width: Self.maximumWidth, comment: "h = floor(max q / 2): the block maximum in half-units, truncated"
    )
    let groups = (0...Dialect.largestMagnitude).map { book.groupIndex(forTruncatedMaximum: $0) }
    m.output(
      "group_o", m.lookup("group", index: maximum, values: groups, width: groupWidth),
      comment: "the group whose largest magnitude is the smallest one >= h, else the last")
    return try m.generated(
      .groupSelect, generator: "SelectorGenerator.groupSelect",
      summary: "Selector stage 1: the dialect group for a block's maximum", throughput: "1 per evaluation",
      parameters: [configuration.bookParameter()])
  }

  /// Stage 2 for one element as a module.
  public func membership() throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("bd_membership"))
    let group = m.input("group_i", width: groupWidth, comment: "the block's group (stage 1)")
    let view = m.input("view_i", width: Self.viewWidth, comment: "q: the element's rounded view, quarter-units")
    let bits = (0..<largestGroup).map { position in memberBit(in: m, group: group, view: view, position: position) }
    m.output(
      "members_o", concatenate(bits.reversed()),
      comment: "bit j: q is in the beneficial range of the group's member j")
    return try m.generated(
      .membership, generator: "SelectorGenerator.membership",
      summary: "Selector stage 2, one element: beneficial-range membership per member of the group",
      throughput: "1 per evaluation", parameters: [configuration.bookParameter()])
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

  /// The two-stage selector as logic inside `m`: the dialect id for the views. With a
  /// pipeline, its boundaries `membership` (after stage 1 and the membership tests) and `count`
  /// (after the population counts) carry `carried` along with the selector's own signals.
  func selectorLogic<Carried: SignalBundle>(
    in m: ModuleBuilder, views: [Signal], groupSelect: Module, membership: Module?, pipeline: Pipeline? = nil,
    carrying carried: Carried
  ) -> (dialect: Signal, carried: Carried) {
    let largest = m.maximumTree("view_maximum", views)
    let h = m.wire("block_maximum", largest[1...4], comment: "h = floor(max q / 2)")
    let group = m.instance("stage1", of: groupSelect, ["maximum_i": h])["group_o"]
    var memberBits: Signal? = nil
    if let membership {
      let members = (0..<n).map { lane in
        m.instance("lane\(lane)_membership", of: membership, ["group_i": group, "view_i": views[lane]])["members_o"]
      }
      memberBits = m.wire(
        "member_bits", concatenate(members.reversed()),
        comment: "lane i in bits \(largestGroup)i+\(largestGroup - 1)..\(largestGroup)i")
    }
    let tested = cross(
      "membership", MembershipStage(group: group, memberBits: memberBits, carried: carried), pipeline)
    let counts = tested.memberBits.map { bits in
      (0..<largestGroup).map { position in
        m.populationCount(
          "count\(position)", concatenate((0..<n).reversed().map { bits[$0 * largestGroup + position] }))
      }
    }
    let counted = cross(
      "count", CountStage(group: tested.group, counts: counts ?? [], carried: tested.carried), pipeline)
    guard counts != nil else { return (dialect(in: m, group: counted.group, position: nil), counted.carried) }
    // The largest count; a tie keeps the earlier (lower) member.
    let best = m.bestOf("best_count", counted.counts) { $0 > $1 }
    return (dialect(in: m, group: counted.group, position: best.position), counted.carried)
  }

  /// What crosses the `membership` boundary: the group, each lane's member bits (when some
  /// group has more than one member), and what the caller carries.
  struct MembershipStage<Carried: SignalBundle>: SignalBundle {
    var group: Signal
    var memberBits: Signal?
    var carried: Carried

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      MembershipStage(
        group: transform("group", group), memberBits: nested("member_bits", memberBits, transform),
        carried: carried.mapSignals(transform))
    }
  }

  /// What crosses the `count` boundary: the group, the count of each member position, and
  /// what the caller carries.
  struct CountStage<Carried: SignalBundle>: SignalBundle {
    var group: Signal
    var counts: [Signal]
    var carried: Carried

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      CountStage(
        group: transform("group", group), counts: nested("count", counts, transform),
        carried: carried.mapSignals(transform))
    }
  }

  /// The selector module.
  public func selector(groupSelect: Module, membership: Module?) throws -> GeneratedModule {
    let m = ModuleBuilder(configuration.moduleName("bd_selector"))
    let packed = m.input("views_i", width: Self.viewWidth * n, comment: "n views q, element i in bits 5i+4..5i")
    let views = (0..<n).map { packed[(5 * $0)...(5 * $0 + 4)] }
    let choice = selectorLogic(
      in: m, views: views, groupSelect: groupSelect, membership: membership, carrying: [Signal]())
    m.output("dialect_o", choice.dialect, comment: "the chosen dialect id")
    return try m.generated(
      .selector, generator: "SelectorGenerator.selector",
      summary:
        "Two-stage format selector over \(n) rounded views: group from the maximum, member by beneficial-range counts",
      throughput: "1 block per evaluation",
      parameters: [configuration.bookParameter(), configuration.blockSizeParameter]
    )
  }

  /// The squared quarter-unit error of every dialect for one view: `bd_view_errors`, the
  /// per-lane unit of the MSE selector.
  func viewErrors() throws -> (module: Module, errorWidth: Int) {
    let squares = book.squaredViewErrors
    let errorWidth = max(1, bitWidth(of: squares.flatMap { $0 }.max()!))
    let m = ModuleBuilder(configuration.moduleName("bd_view_errors"))
    m.headerLines = DialectHardware.headerLines(
      summary: "View-MSE selector lane: squared quarter-unit error per dialect",
      generator: "SelectorGenerator.viewErrors",
      parameters: [configuration.bookParameter()])
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

  /// The view-MSE selector module: least squared error on the rounded views, over the whole
  /// book. (Not the offline weight path: that one measures the error of the real encoding.)
  public func mseSelector() throws -> GeneratedModule {
    let (lane, errorWidth) = try viewErrors()
    let m = ModuleBuilder(configuration.moduleName("bd_mse_selector"))
    let packed = m.input("views_i", width: Self.viewWidth * n, comment: "n views q, element i in bits 5i+4..5i")
    let laneErrors = (0..<n).map { index in
      m.instance("lane\(index)_errors", of: lane, ["view_i": packed[(5 * index)...(5 * index + 4)]])["errors_o"]
    }
    let costs = book.dialects.indices.map { d in
      let errors = laneErrors.map { $0[(errorWidth * d)...(errorWidth * d + errorWidth - 1)] }
      return m.wire("cost\(d)", m.adderTree("cost\(d)_sum", errors), comment: "sum of squared errors, dialect \(d)")
    }
    let choice = m.bestOf("best_cost", costs) { $0 < $1 }.position
    m.output("dialect_o", choice, comment: "the dialect with the least sum of squared errors (ties: lowest id)")
    return try m.generated(
      .mseSelector, generator: "SelectorGenerator.mseSelector",
      summary:
        "View-MSE selector over \(n) rounded views: least sum of squared quarter-unit errors over the whole book",
      throughput: "1 block per evaluation",
      parameters: [configuration.bookParameter(), configuration.blockSizeParameter]
    )
  }
}

/// `bundle` across boundary `stage` of `pipeline`, or unchanged without a pipeline.
func cross<Bundle: SignalBundle>(_ stage: String, _ bundle: Bundle, _ pipeline: Pipeline?) -> Bundle {
  pipeline?.boundary(stage, bundle) ?? bundle
}
