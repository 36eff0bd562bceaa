import BlockDialect

/// A kind of module the generators build, named as in configuration files, `--modules` and
/// the manifest (`decoder`, `block_dot`, ...). Everything about a kind (how to build it, its
/// pipeline boundaries, vectors, testbench and formal reference) is its ``ModuleDescription``
/// in ``ModuleRegistry``.
public struct ModuleKind: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// The name.
  public let rawValue: String

  /// A kind with a new name; only descriptions create kinds.
  init(_ rawValue: String) { self.rawValue = rawValue }

  /// The registered kind of that name, or nil.
  public init?(rawValue: String) {
    guard let kind = ModuleRegistry.descriptions.first(where: { $0.kind.rawValue == rawValue })?.kind else {
      return nil
    }
    self = kind
  }

  /// Every registered kind, in registry order (a kind's submodules come before it).
  public static var allCases: [ModuleKind] { ModuleRegistry.descriptions.map(\.kind) }

  public var description: String { rawValue }

  /// Registry order.
  public static func < (a: ModuleKind, b: ModuleKind) -> Bool { a.position < b.position }

  var position: Int { ModuleRegistry.descriptions.firstIndex { $0.kind == self } ?? Int.max }

  /// The description of this kind.
  public var definition: any ModuleDescription { ModuleRegistry.description(of: self) }
}

/// Where a module's datapath can be cut into pipeline stages.
public struct PipelineBoundaries: Sendable, Equatable {
  /// Every boundary, in datapath order.
  public let stages: [String]
  /// The boundaries registered for depth 1, 2, ...: depth d registers the first d.
  public let priority: [String]

  public init(stages: [String], priority: [String]) {
    precondition(Set(priority) == Set(stages) && priority.count == stages.count, "priority must order every stage")
    self.stages = stages
    self.priority = priority
  }

  /// A module without pipeline boundaries.
  public static let none = PipelineBoundaries(stages: [], priority: [])

  /// The deepest pipeline: every boundary registered.
  public var maximumDepth: Int { priority.count }

  /// The boundaries registered at `depth`.
  public func registered(depth: Int) -> Set<String> { Set(priority.prefix(depth)) }

  /// The registered boundaries at `depth`, in datapath order (for the manifest).
  public func registeredInOrder(depth: Int) -> [String] {
    let registered = registered(depth: depth)
    return stages.filter(registered.contains)
  }
}

/// What the hardware report does with a module kind.
public struct ReportRole: OptionSet, Sendable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }

  /// Small enough to map to NAND/NOR gates with ABC in reasonable time.
  public static let gateMapped = ReportRole(rawValue: 1)
  /// Measured with the naive datapath too, to show what the book's structure saves.
  public static let datapathStyles = ReportRole(rawValue: 2)
  /// A large module: scheduled first so the workers finish together.
  public static let large = ReportRole(rawValue: 4)
  /// A MAC lane: measured again at other lane accumulator widths.
  public static let lane = ReportRole(rawValue: 8)
  /// Measured again with the one-dialect E2M1 book (the FP4 comparison).
  public static let bookComparison = ReportRole(rawValue: 16)
  /// A block dot product: n multiply-accumulates per block pair (energy per block and per MAC).
  public static let blockProduct = ReportRole(rawValue: 32)
  /// A baseline format's module (E2M1, INT4, INT8): the standard-cell report times it at
  /// depth 0 and its deepest pipeline only, not at every depth.
  public static let baseline = ReportRole(rawValue: 64)
  /// A MAC lane's product without its accumulator: one multiply per evaluation.
  public static let product = ReportRole(rawValue: 128)
  /// Holds memories sized by the configuration (the tile's weights and activations): a gate
  /// flow would turn them into millions of flip-flops, so the generic estimate and the
  /// standard-cell flow leave it out; the iCE40 report places it in a shape that fits the
  /// device, its memories in block RAM.
  public static let memories = ReportRole(rawValue: 256)
  /// Mapped to standard cells with ABC's fast script whatever its size: the default script
  /// takes over ten minutes per run on it (the neighbour-group selector's adder trees).
  public static let fastMapping = ReportRole(rawValue: 512)
}

/// One kind of module, whole: its name, when it applies, its pipeline boundaries, how to build
/// it, its golden vectors, the harness that replays them, its formal reference and its place
/// in the report. Adding a kind is one new type conforming to this and one line in
/// ``ModuleRegistry/descriptions``.
public protocol ModuleDescription: Sendable {
  /// The kind described.
  var kind: ModuleKind { get }
  /// What the module does, in one line.
  var summary: String { get }
  /// Whether the module applies to `book` (a selector needs more than one dialect).
  func applies(to book: Formatbook) -> Bool
  /// Where the datapath can be cut (none for a combinational module).
  func pipeline(for configuration: HardwareConfiguration) -> PipelineBoundaries
  /// Builds the module; a module that instantiates another kind asks `design` for it.
  func build(in design: DesignBuilder) throws -> GeneratedModule
  /// The harness in `testbenches/` that replays the vectors, or nil if there are none.
  var testbench: String? { get }
  /// Golden vectors from the numerics library, or nil.
  func vectors(for module: GeneratedModule, in request: VectorRequest) -> (any TestbenchData)?
  /// A reference (a Verilog module named `name` with the same ports) that `make formal`
  /// proves the module equal to, or nil.
  func formalReference(for module: GeneratedModule, named name: String, configuration: HardwareConfiguration)
    -> String?
  /// How the hardware report measures the module.
  var reportRole: ReportRole { get }
}

extension ModuleDescription {
  public func applies(to book: Formatbook) -> Bool { true }
  public func pipeline(for configuration: HardwareConfiguration) -> PipelineBoundaries { .none }
  public func formalReference(
    for module: GeneratedModule, named name: String, configuration: HardwareConfiguration
  ) -> String? { nil }
  public var reportRole: ReportRole { [] }
}

/// Every module kind, in the order modules are built and listed (submodules first).
public enum ModuleRegistry {
  /// The descriptions. Add a new kind here.
  public static let descriptions: [any ModuleDescription] = [
    DecoderModule(),
    BlockDecoderModule(),
    GroupSelectModule(),
    MembershipModule(),
    SelectorModule(),
    MSESelectorModule(),
    NeighborErrorsModule(),
    NeighborSelectorModule(),
    BlockQuantizerModule(),
    MACLaneModule.blockDialect,
    BlockDotModule(),
    MACLaneModule.e2m1,
    MACLaneModule.int4,
    MACLaneModule.int8,
    TileModule(),
    LaneVariantModules.decoded,
    LaneVariantModules.e2m1Decoded,
    LaneVariantModules.product,
    LaneVariantModules.e2m1Product,
    LaneVariantModules.int4Product,
    LaneVariantModules.int8Product,
    BaselineBlockDotModules.e2m1,
    BaselineBlockDotModules.int4,
    BaselineBlockDotModules.int8,
  ]

  /// The description of `kind`.
  public static func description(of kind: ModuleKind) -> any ModuleDescription {
    guard let description = descriptions.first(where: { $0.kind == kind }) else {
      preconditionFailure("module kind \(kind) is not registered")
    }
    return description
  }

  /// The kinds that apply to `book`.
  public static func kinds(for book: Formatbook) -> [ModuleKind] {
    descriptions.filter { $0.applies(to: book) }.map(\.kind)
  }
}
