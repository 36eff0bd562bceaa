import BlockDialect
import HDL

/// How a module exchanges data with its neighbours.
public enum Handshake: String, Sendable {
  /// Outputs are a function of the inputs (no clock).
  case combinational
  /// `valid_i` in, `valid_o` out; a new input may arrive on every cycle.
  case validOnly = "valid"
  /// `valid_i`/`ready_o` in, `valid_o`/`ready_i` out: the pipeline stalls while the consumer
  /// is not ready.
  case validReady = "valid-ready"
  /// AXI4-Stream interfaces (`tvalid`/`tready`, `tdata`, `tlast`, `tkeep`), each behind a
  /// register slice: the accelerator tile.
  case axiStream = "axi4-stream"
}

/// A module built by a generator, with what a testbench or another flow needs to know about it
/// without reading Swift.
public struct GeneratedModule: Sendable {
  /// Which kind it is.
  public let kind: ModuleKind
  /// The module (with its submodules).
  public let module: Module
  /// What it does, in one line.
  public let summary: String
  /// Cycles from an input to its output (0 for combinational logic).
  public let latency: Int
  /// How it exchanges data.
  public let handshake: Handshake
  /// Inputs accepted per cycle at best.
  public let throughput: String
  /// The generator parameters this module depends on (and only those), for the manifest and
  /// the file header.
  public let parameters: [(key: String, value: JSONValue)]
}

/// The header of a generated file: what the module does, which generator wrote it, and the
/// parameters it depends on (only its own, so a parameter change rewrites only the files of the
/// modules that use it).
func headerLines(summary: String, generator: String, parameters: [(key: String, value: JSONValue)]) -> [String] {
  var lines = [summary, "Generator: DialectHardware.\(generator)"]
  if !parameters.isEmpty {
    lines.append("Parameters: " + parameters.map { "\($0.key) \(parameterText($0.value))" }.joined(separator: ", "))
  }
  return lines
}

/// A parameter value as header text: strings bare, arrays in brackets.
func parameterText(_ value: JSONValue) -> String {
  switch value {
  case .string(let text): return text
  case .array(let items): return "[" + items.map(parameterText).joined(separator: " ") + "]"
  default: return value.compact()
  }
}

extension ModuleBuilder {
  /// Builds the module and describes it: sets the file header from `summary`, `generator` and
  /// `parameters`, checks the module, and wraps it as a ``GeneratedModule`` of `kind`.
  ///
  /// - Throws: ``ElaborationError`` if the circuit is inconsistent (a generator bug).
  func generated(
    _ kind: ModuleKind, generator: String, summary: String, latency: Int = 0,
    handshake: Handshake = .combinational, throughput: String,
    parameters: [(key: String, value: JSONValue)]
  ) throws -> GeneratedModule {
    headerLines = DialectHardware.headerLines(summary: summary, generator: generator, parameters: parameters)
    return GeneratedModule(
      kind: kind, module: try build(), summary: summary, latency: latency, handshake: handshake,
      throughput: throughput, parameters: parameters)
  }
}

extension HardwareConfiguration {
  /// The id width of the configured book.
  var idWidth: Int { format.formatbook.idWidth }

  /// The name of a module: the configuration's prefix, then `base` (`bd_decoder`,
  /// `int4_mac_lane`, ...). Every generated module is named here.
  public func moduleName(_ base: String) -> String { prefix + base }

  /// The book parameter, as every module that decodes or selects states it.
  func bookParameter(_ book: Formatbook? = nil) -> (key: String, value: JSONValue) {
    ("formatbook", .string((book ?? format.formatbook).name))
  }

  /// The block size parameter.
  var blockSizeParameter: (key: String, value: JSONValue) { ("block_size", .integer(format.blockSize)) }

  /// The shared exponent's width and bias.
  var exponentParameters: [(key: String, value: JSONValue)] {
    [("exponent_width", .integer(format.exponentWidth)), ("exponent_bias", .integer(format.exponentBias))]
  }

  /// The datapath style, when it is not the default.
  var datapathParameters: [(key: String, value: JSONValue)] {
    datapathStyle == .structured ? [] : [("datapath", .string(datapathStyle.rawValue))]
  }

  /// A pipelined module's depth and registered boundaries, and its register slices.
  func pipelineParameters(_ kind: ModuleKind) -> [(key: String, value: JSONValue)] {
    let boundaries = kind.definition.pipeline(for: self)
    var list: [(key: String, value: JSONValue)] = [
      ("pipeline_depth", .integer(depth(of: kind))),
      ("registered_stages", .array(boundaries.registeredInOrder(depth: depth(of: kind)).map { .string($0) })),
    ]
    if registerSlices { list.append(("register_slices", .bool(true))) }
    return list
  }
}
