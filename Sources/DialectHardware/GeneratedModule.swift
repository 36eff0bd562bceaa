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
}

/// A module built by a generator, with what a testbench or another flow needs to know about it
/// without reading Swift.
public struct GeneratedModule: Sendable {
  /// Which generator built it.
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
  /// Generator parameters, for the manifest.
  public let parameters: [(key: String, value: JSONValue)]
}

/// Module names: the configured book's modules start with `bd_`; baseline lanes with their
/// format (`e2m1_`, `int4_`, `int8_`).
enum ModuleNames {
  static func name(_ kind: ModuleKind, prefix: String = "bd") -> String {
    switch kind {
    case .e2m1MACLane, .int4MACLane, .int8MACLane: return kind.rawValue
    default: return "\(prefix)_\(kind.rawValue)"
    }
  }
}

extension HardwareConfiguration {
  /// The header lines of a generated file: generator, version and configuration.
  func headerLines(generator: String, summary: String) -> [String] {
    [
      "\(summary)",
      "Generator: DialectHardware.\(generator), dialectgen \(dialectgenVersion)",
      "Configuration: \(self.summary)",
    ]
  }

  /// The id width of the configured book.
  var idWidth: Int { format.formatbook.idWidth }
}
