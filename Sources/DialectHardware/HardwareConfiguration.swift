import BlockDialect
import Foundation

/// A mistake in a hardware configuration: names the field or value at fault and what is
/// allowed.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Everything the generators need to build the design: the block format (formatbook, block
/// size, exponent), the input element format of the block quantizer, the pipeline depth of
/// each pipelined module and the accumulator widths.
public struct HardwareConfiguration: Sendable {
  /// Formatbook, block size n, exponent width w and bias b.
  public var format: BlockFormat
  /// The block quantizer's input elements: FP16 or BF16.
  public var input: ElementFormat
  /// Pipeline depth per pipelined module kind; a kind not listed is combinational (depth 0).
  public var pipelineDepths: [ModuleKind: Int]
  /// Width of the block dot product's multi-block accumulator.
  public var accumulatorWidth: Int
  /// Width of every MAC lane's accumulator (the same for BlockDialect, E2M1, INT4 and INT8
  /// lanes, so their areas compare like for like).
  public var laneAccumulatorWidth: Int
  /// The modules to emit (with whatever they instantiate); by default every module that
  /// applies to the book.
  public var modules: [ModuleKind]
  /// Whether the datapath uses the book's structure (the default) or ignores it (for
  /// measuring what the structure saves).
  public var datapathStyle: DatapathStyle = .structured
  /// The online selector the block quantizer is built with.
  public var selector: OnlineSelector = .twoStage
  /// The neighbour-group selector's cost of an element: `min(err, 7)^2` as docs/numerics.md
  /// specifies. Another cost builds a variant for measuring alternatives (the report does);
  /// the golden model and the vectors follow it. Not settable from files or the command line.
  public var neighborCost: NeighborCost = .specified
  /// The accelerator tile's shape: block-dot units, largest matrix, output format.
  public var tile = TileParameters()
  /// Prepended to every module name, so that two configurations can live in one netlist
  /// (empty by default: `bd_decoder`, `int4_mac_lane`, ...).
  public var prefix: String = ""
  /// Whether the streaming modules (block quantizer, block dot product) have a register slice
  /// at their input and at their output, so that `ready_o` and every output come from
  /// registers (adds two cycles of latency).
  public var registerSlices = false

  /// The default design: DialectFP4, n = 32, w = 5, b = 15, FP16 input, combinational, every
  /// module.
  public init(
    format: BlockFormat = .default, input: ElementFormat = .float16, pipelineDepths: [ModuleKind: Int] = [:],
    accumulatorWidth: Int? = nil, laneAccumulatorWidth: Int = 24, modules: [ModuleKind]? = nil
  ) {
    self.format = format
    self.input = input
    self.pipelineDepths = pipelineDepths
    self.accumulatorWidth = accumulatorWidth ?? format.defaultAccumulatorWidth
    self.laneAccumulatorWidth = laneAccumulatorWidth
    self.modules = modules ?? ModuleRegistry.kinds(for: format.formatbook)
  }

  /// The pipeline depth of a module kind (0 if not pipelined).
  public func depth(of kind: ModuleKind) -> Int { pipelineDepths[kind] ?? 0 }

  /// The deepest pipeline a module kind allows in this configuration (0: not pipelined).
  public func maximumDepth(of kind: ModuleKind) -> Int { kind.definition.pipeline(for: self).maximumDepth }

  /// The module kinds that can be pipelined.
  public var pipelinedKinds: [ModuleKind] { ModuleKind.allCases.filter { maximumDepth(of: $0) > 0 } }

  /// Sets the same depth for every pipelined module kind.
  public mutating func setUniformDepth(_ depth: Int) {
    pipelineDepths = Dictionary(uniqueKeysWithValues: pipelinedKinds.map { ($0, depth) })
  }

  /// Checks everything the generators rely on.
  public func validate() throws {
    guard input == .float16 || input == .bfloat16 else {
      throw ConfigurationError("input '\(input.rawValue)' is not allowed; the block quantizer takes fp16 or bf16")
    }
    for (kind, depth) in pipelineDepths.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
      let maximum = maximumDepth(of: kind)
      guard maximum > 0 else {
        throw ConfigurationError("module \(kind.rawValue) is not pipelined; it takes no pipeline depth")
      }
      guard (0...maximum).contains(depth) else {
        throw ConfigurationError(
          "pipeline depth \(depth) for \(kind.rawValue) is beyond its \(maximum) stages; allowed: 0 to \(maximum)")
      }
    }
    let minimum = BlockAccumulator.minimumWidth(for: format)
    guard (minimum...4096).contains(accumulatorWidth) else {
      throw ConfigurationError(
        "accumulator width \(accumulatorWidth) is not allowed; use \(minimum) (one block product) to 4096 bits (default \(format.defaultAccumulatorWidth))"
      )
    }
    guard (16...64).contains(laneAccumulatorWidth) else {
      throw ConfigurationError(
        "lane accumulator width \(laneAccumulatorWidth) is not allowed; use 16 (an INT8 product) to 64 bits")
    }
    guard !modules.isEmpty else { throw ConfigurationError("no modules selected") }
    try tile.validate(blockSize: format.blockSize)
    guard prefix.isEmpty || Self.isModulePrefix(prefix) else {
      throw ConfigurationError(
        "prefix '\(prefix.prefix(40))' is not allowed; use lower-case letters, digits and _, starting with a letter, at most 32 characters (e.g. x_)"
      )
    }
  }

  /// Whether `text` can start a Verilog module name: `[a-z][a-z0-9_]*`, at most 32 characters.
  static func isModulePrefix(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, ("a"..."z").contains(first), text.unicodeScalars.count <= 32 else {
      return false
    }
    return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
  }

  /// A one-line description for file headers.
  public var summary: String {
    var parts = [
      "formatbook \(format.formatbook.name) (\(format.formatbook.dialects.count) dialects, ties \(format.formatbook.ties.rawValue))",
      "block size \(format.blockSize)", "exponent \(format.exponentWidth) bits, bias \(format.exponentBias)",
      "input \(input.rawValue)", "\(selector.rawValue) selector", "accumulator \(accumulatorWidth) bits",
      "lane accumulator \(laneAccumulatorWidth) bits",
    ]
    let depths = pipelinedKinds.map { "\($0.rawValue) \(depth(of: $0))" }
    parts.append("pipeline depths: " + depths.joined(separator: ", "))
    if registerSlices { parts.append("register slices") }
    parts.append(
      "tile \(tile.rows) units, up to \(tile.maximumRows) x \(tile.maximumColumns), \(tile.output.rawValue) results")
    if datapathStyle != .structured { parts.append("datapath \(datapathStyle.rawValue)") }
    if !prefix.isEmpty { parts.append("module prefix \(prefix)") }
    return parts.joined(separator: "; ")
  }
}

/// How the generators build the datapath.
public enum DatapathStyle: String, Sendable, CaseIterable {
  /// From the book's structure: magnitude indices on which every dialect agrees are constants,
  /// a block's dialect table is looked up once and shared by its lanes, and signed products are
  /// added as ones' complements with the +1 corrections gathered into one carry or one
  /// population count.
  case structured
  /// Ignoring the structure, for comparison: every lane decodes with one flat table over
  /// (dialect, index), and products are negated before they are added.
  case naive
}

extension HardwareConfiguration {
  /// The fields a configuration file may hold.
  static let knownFields = [
    "formatbook", "block_size", "exponent_width", "exponent_bias", "input", "pipeline", "accumulator_width",
    "lane_accumulator_width", "modules", "datapath", "prefix", "register_slices", "selector", "tile",
  ]

  /// Reads a configuration file: a JSON object with any of `formatbook` (a built-in name, a
  /// path relative to the file, or an inline book), `block_size`, `exponent_width`,
  /// `exponent_bias`, `input` (`fp16` or `bf16`), `pipeline` (a depth for every pipelined
  /// module, or an object of depths by module), `accumulator_width`,
  /// `lane_accumulator_width` and `modules` (an array of module names).
  public init(contentsOf path: String) throws {
    let data: Data
    do {
      data = Data(try InputFile.contents(of: path, limit: 1 << 20, what: "configuration file"))
    } catch let error as TensorFileError {
      throw ConfigurationError(error.description)
    }
    let root: JSONValue
    do {
      root = try JSONValue.parse(data)
    } catch {
      throw ConfigurationError("\(path): \(error)")
    }
    guard root.isObject else { throw ConfigurationError("\(path): a configuration is a JSON object") }
    if let unknown = root.keys.first(where: { !Self.knownFields.contains($0) }) {
      throw ConfigurationError(
        "\(path): unknown field \"\(SafeText.escape(unknown))\"; allowed: \(Self.knownFields.joined(separator: ", "))")
    }
    func integer(_ key: String) throws -> Int? {
      guard let value = root[key] else { return nil }
      guard let number = value.intValue else {
        throw ConfigurationError(
          "\(path): field \"\(key)\" must be an integer, not \(SafeText.escape(value.compact()))")
      }
      return number
    }
    var book = Formatbook.dialectFP4
    if let value = root["formatbook"] {
      if let name = value.stringValue {
        let relative = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
        book = try Formatbook.builtIn[name] ?? Formatbook(contentsOf: name.hasPrefix("/") ? name : relative)
      } else if value.isObject {
        book = try Formatbook(jsonValue: value, source: "\(path): formatbook")
      } else {
        throw ConfigurationError("\(path): field \"formatbook\" must be a name, a path or a formatbook object")
      }
    }
    let format: BlockFormat
    do {
      format = try BlockFormat(
        blockSize: try integer("block_size") ?? 32, exponentWidth: try integer("exponent_width") ?? 5,
        exponentBias: try integer("exponent_bias"), formatbook: book)
    } catch let error as BlockFormatError {
      throw ConfigurationError("\(path): \(error.description)")
    }
    var input = ElementFormat.float16
    if let value = root["input"] {
      guard let name = value.stringValue, let parsed = ElementFormat(rawValue: name), parsed != .float32 else {
        throw ConfigurationError(
          "\(path): field \"input\" is \(SafeText.escape(value.compact())); allowed: \"fp16\", \"bf16\"")
      }
      input = parsed
    }
    var selector = OnlineSelector.twoStage
    if let value = root["selector"] {
      guard let name = value.stringValue, let parsed = OnlineSelector(rawValue: name) else {
        throw ConfigurationError(
          "\(path): field \"selector\" is \(value.compact()); allowed: \(OnlineSelector.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"
        )
      }
      selector = parsed
    }
    var depths: [ModuleKind: Int] = [:]
    if let value = root["pipeline"] {
      if let depth = value.intValue {
        var uniform = HardwareConfiguration(format: format, input: input)
        uniform.selector = selector
        uniform.setUniformDepth(depth)
        depths = uniform.pipelineDepths
      } else if case .object(let members) = value {
        for (name, depthValue) in members {
          guard let kind = ModuleKind(rawValue: name) else {
            throw ConfigurationError("\(path): pipeline: unknown module \"\(SafeText.escape(name))\"")
          }
          guard let depth = depthValue.intValue else {
            throw ConfigurationError("\(path): pipeline: \"\(name)\" must be an integer")
          }
          depths[kind] = depth
        }
      } else {
        throw ConfigurationError("\(path): field \"pipeline\" must be an integer or an object of depths by module")
      }
    }
    var modules: [ModuleKind]? = nil
    if let value = root["modules"] {
      guard let names = value.arrayValue?.map(\.stringValue), names.allSatisfy({ $0 != nil }) else {
        throw ConfigurationError("\(path): field \"modules\" must be an array of module names")
      }
      modules = try Self.modules(names.map { $0! })
    }
    self.init(
      format: format, input: input, pipelineDepths: depths, accumulatorWidth: try integer("accumulator_width"),
      laneAccumulatorWidth: try integer("lane_accumulator_width") ?? 24, modules: modules)
    self.selector = selector
    if let value = root["datapath"] {
      guard let name = value.stringValue, let style = DatapathStyle(rawValue: name) else {
        throw ConfigurationError(
          "\(path): field \"datapath\" is \(SafeText.escape(value.compact())); allowed: \(DatapathStyle.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"
        )
      }
      datapathStyle = style
    }
    if let value = root["prefix"] {
      guard let text = value.stringValue else {
        throw ConfigurationError("\(path): field \"prefix\" must be a string such as \"x_\"")
      }
      prefix = text
    }
    if let value = root["tile"] {
      tile = try TileParameters(jsonValue: value, path: path)
    }
    if let value = root["register_slices"] {
      guard case .bool(let flag) = value else {
        throw ConfigurationError("\(path): field \"register_slices\" must be true or false")
      }
      registerSlices = flag
    }
    do {
      try validate()
    } catch let error as ConfigurationError {
      throw ConfigurationError("\(path): \(error.description)")
    }
  }

  /// Module kinds by name, refusing unknown names.
  public static func modules(_ names: [String]) throws -> [ModuleKind] {
    try names.map { name in
      guard let kind = ModuleKind(rawValue: name) else {
        throw ConfigurationError(
          "unknown module '\(SafeText.escape(name))'; allowed: \(ModuleKind.allCases.map(\.rawValue).joined(separator: ", "))"
        )
      }
      return kind
    }
  }
}
