/// Pipeline registers at named stage boundaries, with a valid bit carried along and,
/// optionally, a ready handshake.
///
/// A generator lists every place its datapath *could* be cut (`stages`, in order) and the
/// subset that is cut (`registered`); at each boundary it passes the signals that cross it.
/// At a registered boundary they come back as registers `<signal>_<stage>_q`; at any other
/// they come back unchanged. So one description gives every pipeline depth.
///
/// Flow control:
/// - valid only (`ready: nil`): every stage register loads on every cycle; `valid` follows
///   the data down the pipeline.
/// - valid/ready: the whole pipeline advances together when its output is empty or taken
///   (`advance = !valid_out | ready_in`); the upstream ready is `advance`. A bubble occupies a
///   stage, and throughput is one item per cycle while the consumer is ready.
public final class Pipeline {
  /// Every boundary the datapath could be cut at, in order.
  public let stages: [String]
  /// The boundaries that hold registers.
  public let registered: Set<String>
  /// The valid bit at the current point of the pipeline.
  public private(set) var valid: Signal

  /// Whether the pipeline moves forward this cycle (nil for a valid-only pipeline, which
  /// always does). State updated by the item at some stage, such as an accumulator, loads
  /// when that stage's `valid` and this are both 1.
  public let advance: Signal?

  let builder: ModuleBuilder
  public let name: String
  var nextStage = 0
  var validRegisters: [Signal] = []

  /// Starts a pipeline.
  ///
  /// - Parameters:
  ///   - builder: The module it belongs to.
  ///   - name: A prefix for its signals (e.g. `pipe`).
  ///   - valid: The valid input.
  ///   - ready: The consumer's ready input, or nil for valid-only streaming.
  ///   - stages: Every boundary name, in order.
  ///   - registered: The boundaries to register (each must be in `stages`).
  public init(
    _ builder: ModuleBuilder, name: String, valid: Signal, ready: Signal?, stages: [String], registered: Set<String>,
    file: StaticString = #fileID, line: UInt = #line
  ) {
    self.builder = builder
    self.name = name
    self.stages = stages
    self.registered = registered
    self.valid = valid
    for stage in registered.sorted() where !stages.contains(stage) {
      builder.error("pipeline '\(name)': stage '\(stage)' is not one of \(stages)", at: SourceLocation(file, line))
    }
    advance =
      ready == nil
      ? nil
      : builder.wire(
        "\(name)_advance", width: 1, comment: "the pipeline moves forward this cycle", file: file, line: line)
    readyIn = ready
  }

  let readyIn: Signal?

  /// The number of registered boundaries: the latency in cycles.
  public var latency: Int { registered.count }

  /// Passes `bundle` across boundary `stage`: registered (each signal becomes
  /// `<field>_<stage>_q`) if the boundary is, unchanged otherwise. Boundaries must be visited
  /// in order.
  public func boundary<Bundle: SignalBundle>(
    _ stage: String, _ bundle: Bundle, file: StaticString = #fileID, line: UInt = #line
  ) -> Bundle {
    guard let position = stages.firstIndex(of: stage), position >= nextStage else {
      builder.error(
        "pipeline '\(name)': boundary '\(stage)' is unknown or out of order", at: SourceLocation(file, line))
      return bundle
    }
    nextStage = position + 1
    guard registered.contains(stage) else { return bundle }
    let outputs = bundle.mapSignals { field, signal in
      builder.register("\(field)_\(stage)_q", next: signal, enable: advance, file: file, line: line)
    }
    valid = builder.register("\(name)_valid_\(stage)_q", next: valid, reset: 0, enable: advance, file: file, line: line)
    return outputs
  }

  /// Passes one signal, named `name`, across boundary `stage`.
  public func boundary(
    _ stage: String, _ name: String, _ signal: Signal, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    boundary(stage, NamedSignal(name: name, signal: signal), file: file, line: line).signal
  }

  /// Closes the pipeline: returns the output valid and the ready to give upstream (1 for a
  /// valid-only pipeline).
  public func finish(file: StaticString = #fileID, line: UInt = #line) -> (valid: Signal, ready: Signal) {
    guard let advance, let readyIn else { return (valid, Signal.constant(1, width: 1)) }
    builder.assign(advance, !valid || readyIn, file: file, line: line)
    return (valid, advance)
  }
}
