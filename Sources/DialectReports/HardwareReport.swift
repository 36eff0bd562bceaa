import BlockDialect
import DialectHardware
import Foundation
import HDL

/// The figures behind `dialectgen report`: area, depth and iCE40 figures of every module, the
/// comparisons against FP4 (the E2M1 book), INT4 and INT8, the effect of the book's structure,
/// and the maximum frequency at each pipeline depth.
public struct HardwareReport: Sendable {
  /// One measured module.
  public struct Entry: Sendable {
    /// Which design variant it belongs to (`design`, `naive`, `e2m1`, `lanes-16`, `dot-depth-2`, ...).
    public let variant: String
    /// The module's kind.
    public let kind: ModuleKind
    /// The module's name.
    public let module: String
    public var area: AreaFigures?
    public var nandNorArea: AreaFigures?
    public var resources: FPGAResources?
    public var timing: FPGATiming?
    /// Pipeline depth and latency, for the pipelining table.
    public var depth: Int?
    public var latency: Int?
    /// Block size, when it differs from the configuration's (a smaller block for the FPGA).
    public var blockSize: Int?
    /// Why a figure is missing.
    public var problems: [String] = []
  }

  public let configuration: HardwareConfiguration
  public var entries: [Entry]
  /// Tool versions, for the record.
  public let tools: [String]
  /// Seconds the whole report took.
  public var seconds: Double = 0
  /// The directory holding the RTL, scripts and logs behind every figure.
  public var work = "build/report"
  /// The online selectors' accuracy (nil for a book of one dialect: nothing to select).
  public var selectorAccuracy: SelectorAccuracy?

  /// The entry for the module of `kind` in `variant`.
  public func entry(_ variant: String, _ kind: ModuleKind) -> Entry? {
    entries.first { $0.variant == variant && $0.kind == kind }
  }
}

/// Builds and runs the measurements of a ``HardwareReport``.
public struct HardwareReportRunner: Sendable {
  public let configuration: HardwareConfiguration
  /// Where the RTL, scripts and logs of every measurement go.
  public let work: String
  /// Tools run at once.
  public let jobs: Int
  /// Whether to run the iCE40 flow (synth_ice40 and nextpnr).
  public let fpga: Bool

  public init(configuration: HardwareConfiguration, work: String, jobs: Int = 2, fpga: Bool = true) {
    self.configuration = configuration
    self.work = work
    self.jobs = jobs
    self.fpga = fpga
  }

  /// The lane accumulator widths of the sensitivity table.
  static let laneWidths = [16, 32]

  /// A design variant: its name, its configuration, and the modules to measure.
  struct Variant {
    let name: String
    let configuration: HardwareConfiguration
    let measure: [ModuleKind]
    let nandNor: Bool
    let resources: Bool
    let timing: Bool
  }

  /// The block size for place and route: the configured one, halved until the wrapped module
  /// is likely to fit the device. The estimate, from earlier runs, is about 14 logic cells per
  /// input bit of a lane (the quantizer's 16-bit elements take about 250 per lane, the dot
  /// product's two 4-bit codes about 140), plus 30 per lane.
  func fpgaBlockSize(for module: Module) -> Int {
    var n = configuration.format.blockSize
    let inputBits = module.inputs.map(\.width).reduce(0, +)
    let perLane = 14 * inputBits / n + 30
    while n > 8 && n * perLane > HardwareFlows.deviceLogicCells * 3 / 4 { n /= 2 }
    return n
  }

  func variants() throws -> [Variant] {
    var list: [Variant] = []
    var base = configuration
    base.datapathStyle = .structured
    base.pipelineDepths = [:]
    base.modules = ModuleRegistry.kinds(for: configuration.format.formatbook)
    // The tile's memories would become flip-flops in the generic estimate: it is measured only
    // on the device, in the shape of tileOnTheDevice.
    list.append(
      Variant(
        name: "design", configuration: base,
        measure: base.modules.filter { !$0.definition.reportRole.contains(.memories) }, nandNor: true,
        resources: true, timing: false))
    var naive = base
    naive.datapathStyle = .naive
    naive.modules = base.modules.filter { $0.definition.reportRole.contains(.datapathStyles) }
    list.append(
      Variant(
        name: "naive", configuration: naive, measure: naive.modules, nandNor: false, resources: false, timing: false))
    var e2m1 = base
    e2m1.format = try BlockFormat(
      blockSize: base.format.blockSize, exponentWidth: base.format.exponentWidth,
      exponentBias: base.format.exponentBias, formatbook: .e2m1)
    e2m1.modules = ModuleRegistry.kinds(for: .e2m1).filter { $0.definition.reportRole.contains(.bookComparison) }
    list.append(
      Variant(name: "e2m1", configuration: e2m1, measure: e2m1.modules, nandNor: false, resources: true, timing: false))
    for width in Self.laneWidths where width != base.laneAccumulatorWidth {
      var lanes = base
      lanes.laneAccumulatorWidth = width
      lanes.modules = base.modules.filter { $0.definition.reportRole.contains(.lane) }
      list.append(
        Variant(
          name: "lanes-\(width)", configuration: lanes, measure: lanes.modules, nandNor: false, resources: false,
          timing: false))
    }
    list += try selectorVariants(base)
    if fpga {
      for kind in base.pipelinedKinds where base.modules.contains(kind) {
        for (selectorName, selected) in try selectorChoices(base, kind) {
          let maximum = selected.maximumDepth(of: kind)
          for depth in Array(Set([0, 1, 2, maximum])).sorted() {
            var pipelined = selected
            pipelined.format = try BlockFormat(
              blockSize: fpgaBlockSize(for: try DesignBuilder(selected).module(kind).module),
              exponentWidth: base.format.exponentWidth,
              exponentBias: base.format.exponentBias, formatbook: base.format.formatbook)
            pipelined.accumulatorWidth = pipelined.format.defaultAccumulatorWidth
            pipelined.pipelineDepths = [kind: depth]
            pipelined.modules = [kind]
            list.append(
              Variant(
                name: "\(kind.rawValue)\(selectorName)-depth-\(depth)", configuration: pipelined, measure: [kind],
                nandNor: false, resources: true, timing: true))
          }
        }
      }
    }
    if fpga && base.modules.contains(.tile) {
      list.append(try tileOnTheDevice(base))
    }
    return list
  }

  /// The accelerator tile in the largest shape found to fit the HX8K (7,680 logic cells, 32
  /// block RAMs of 4 kbit), found by hand (docs/results.md): n = 8, R = 1 block-dot unit,
  /// weights up to 128 x 128 (2,048 41-bit words), both units pipelined at depth 7 (91 % of the
  /// logic cells with the wrapper; 76 % at depth 0). R = 2 takes 104 %, n = 16 121 %, and
  /// 256 x 256 weights 85 block RAMs.
  public static let deviceTile = (blockSize: 8, rows: 1, maximumRows: 128, maximumColumns: 128, depth: 7)

  /// The ``deviceTile`` variant, placed and routed.
  func tileOnTheDevice(_ base: HardwareConfiguration) throws -> Variant {
    var tile = base
    tile.format = try BlockFormat(
      blockSize: Self.deviceTile.blockSize, exponentWidth: base.format.exponentWidth,
      exponentBias: base.format.exponentBias, formatbook: base.format.formatbook)
    tile.accumulatorWidth = tile.format.defaultAccumulatorWidth
    tile.tile.rows = Self.deviceTile.rows
    tile.tile.maximumRows = Self.deviceTile.maximumRows
    tile.tile.maximumColumns = Self.deviceTile.maximumColumns
    tile.pipelineDepths = [.blockQuantizer: Self.deviceTile.depth, .blockDot: Self.deviceTile.depth]
    tile.modules = [.tile]
    return Variant(
      name: "tile-device", configuration: tile, measure: [.tile], nandNor: false, resources: true, timing: true)
  }

  /// The configurations a pipelined kind is measured in: as configured, and, when the module
  /// is built around an online selector, with each other selector (named `-<selector>`).
  func selectorChoices(_ base: HardwareConfiguration, _ kind: ModuleKind) throws -> [(String, HardwareConfiguration)] {
    let module = try DesignBuilder(base).module(kind)
    guard module.parameters.contains(where: { $0.key == "selector" }) else { return [("", base)] }
    return OnlineSelector.allCases.map { selector in
      var configured = base
      configured.selector = selector
      return (selector == base.selector ? "" : "-\(selector.rawValue)", configured)
    }
  }

  /// The selector comparison's variants: the block quantizer with each other online selector,
  /// and the neighbour-group selector with each alternative cost.
  func selectorVariants(_ base: HardwareConfiguration) throws -> [Variant] {
    guard base.format.formatbook.dialects.count > 1 else { return [] }
    var list: [Variant] = []
    for selector in OnlineSelector.allCases where selector != base.selector {
      var configured = base
      configured.selector = selector
      configured.modules = [.blockQuantizer]
      list.append(
        Variant(
          name: selector.rawValue, configuration: configured, measure: [.blockQuantizer], nandNor: false,
          resources: true, timing: false))
    }
    for selector in SelectorAccuracy.selectors where selector.variant != "design" {
      var configured = base
      configured.neighborCost = selector.cost
      configured.modules = [selector.kind]
      list.append(
        Variant(
          name: selector.variant, configuration: configured, measure: [selector.kind], nandNor: false,
          resources: false, timing: false))
    }
    return list
  }

  /// Runs every measurement.
  public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> HardwareReport {
    let start = Date()
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    // Build every variant and write its RTL (cheap, done first and in order).
    var jobs: [(priority: Int, run: @Sendable () -> HardwareReport.Entry)] = []
    for variant in try variants() {
      let design = try Design(variant.configuration)
      let folder = "\(work)/\(variant.name)"
      let files = try HardwareFlows.writeRTL(of: design, into: folder)
      for kind in variant.measure {
        guard let generated = design.module(kind) else { continue }
        let module = generated.module
        let scratch = "\(folder)/\(module.name)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var wrapperFiles = files
        if variant.timing {
          let wrapper = try FPGAWrapper.wrap(module)
          let path = "\(folder)/\(wrapper.name).v"
          try VerilogEmitter(banner: "Generated by dialectgen \(dialectgenVersion)").emit(wrapper).write(
            toFile: path, atomically: true, encoding: .utf8)
          wrapperFiles.append(path)
        }
        let measureResources = variant.resources && fpga
        let (name, vary, nandNor, timing) = (variant.name, variant.configuration, variant.nandNor, variant.timing)
        let fileList = files
        let wrapped = wrapperFiles
        // Place and route and the big modules first, so the workers finish together.
        let priority = timing ? 2 : kind.definition.reportRole.contains(.large) ? 1 : 0
        jobs.append(
          (
            priority,
            {
              var entry = HardwareReport.Entry(variant: name, kind: kind, module: module.name)
              entry.depth = vary.depth(of: kind)
              entry.latency = generated.latency
              entry.blockSize = vary.format.blockSize
              do {
                if !timing {
                  entry.area = try HardwareFlows.area(
                    files: fileList, top: module.name, library: .generic, work: scratch)
                }
                if nandNor, kind.definition.reportRole.contains(.gateMapped) {
                  entry.nandNorArea = try HardwareFlows.area(
                    files: fileList, top: module.name, library: .nandNor, work: scratch)
                }
                if measureResources {
                  entry.resources = try HardwareFlows.ice40Resources(files: fileList, top: module.name, work: scratch)
                }
                if timing {
                  entry.timing = try HardwareFlows.ice40Timing(
                    files: wrapped, top: "fpga_\(module.name)", work: scratch)
                }
              } catch {
                entry.problems.append("\(error)")
              }
              progress("\(name): \(module.name)")
              return entry
            }
          ))
      }
    }
    // Back in the order the variants were listed.
    let entries = ToolRunner.parallel(prioritized: jobs, width: self.jobs)
    var report = HardwareReport(
      configuration: configuration, entries: entries,
      tools: [
        ToolRunner.version("yosys", flag: "-V"), ToolRunner.version("nextpnr-ice40"),
        "dialectgen \(dialectgenVersion)",
      ])
    if configuration.format.formatbook.dialects.count > 1 {
      progress("selector accuracy (numerics library)")
      report.selectorAccuracy = SelectorAccuracy.measure(format: configuration.format)
    }
    report.seconds = Date().timeIntervalSince(start)
    report.work = work
    return report
  }
}
