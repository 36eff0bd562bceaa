import HDL

/// The valid/ready handshake of a streaming module (`valid_i`, `ready_o` in; `valid_o`,
/// `ready_i` out) around its pipeline, with an optional register slice at each end.
///
/// Without slices the pipeline's own handshake is the module's: `ready_o` is the pipeline's
/// `advance`, combinational from `ready_i`. With slices, a register slice takes the inputs and
/// another gives the outputs, so `ready_o` and every output come from registers and no path
/// runs from `ready_i` to `ready_o` (two more cycles of latency).
///
/// Use: ``init(_:slices:)`` declares `valid_i` and `ready_i`; ``input(_:)`` passes the input
/// ports' values (through the input slice) to the pipeline; the pipeline is built with
/// ``valid`` and ``pipelineReady``; ``output(from:_:)`` closes the pipeline, adds the output
/// slice and the `ready_o`/`valid_o` ports, and returns the values for the output ports.
final class StreamingPorts {
  let builder: ModuleBuilder
  let slices: Bool
  /// The valid the pipeline starts with (after the input slice).
  private(set) var valid: Signal
  /// The ready the pipeline sees from downstream: `ready_i`, or the output slice's.
  let pipelineReady: Signal
  /// The consumer's ready, `ready_i`.
  let readyInput: Signal
  /// Driven with the pipeline's upstream ready when there is an input slice.
  private let sliceConsumerReady: Signal?
  private var upstreamReady: Signal?

  /// Declares `valid_i` (its comment saying what it means) and `ready_i`.
  init(_ m: ModuleBuilder, slices: Bool, validMeans: String) {
    builder = m
    self.slices = slices
    valid = m.input("valid_i", width: 1, comment: validMeans)
    readyInput = m.input("ready_i", width: 1, comment: "the consumer takes the outputs this cycle")
    pipelineReady =
      slices ? m.wire("pipeline_out_ready", width: 1, comment: "the output slice can take an item") : readyInput
    sliceConsumerReady =
      slices ? m.wire("pipeline_in_ready", width: 1, comment: "the pipeline takes an item from the input slice") : nil
  }

  /// The input ports' values as the pipeline sees them: through the input slice, if any.
  func input<Payload: SignalBundle>(_ payload: Payload) -> Payload {
    guard let sliceConsumerReady else { return payload }
    let slice = builder.registerSlice("input_slice", valid: valid, payload: payload, ready: sliceConsumerReady)
    valid = slice.valid
    upstreamReady = slice.ready
    return slice.payload
  }

  /// Closes `pipeline`, adds the output slice and the `ready_o` and `valid_o` ports, and
  /// returns the values for the output ports.
  func output<Payload: SignalBundle>(from pipeline: Pipeline, _ payload: Payload) -> Payload {
    let (pipelineValid, pipelineUpstreamReady) = pipeline.finish()
    var validOut = pipelineValid
    var result = payload
    if let sliceConsumerReady {
      builder.assign(sliceConsumerReady, pipelineUpstreamReady)
      let slice = builder.registerSlice(
        "output_slice", valid: pipelineValid, payload: payload, ready: readyInput)
      builder.assign(pipelineReady, slice.ready)
      validOut = slice.valid
      result = slice.payload
    }
    builder.output("ready_o", upstreamReady ?? pipelineUpstreamReady, comment: "the inputs are taken this cycle")
    builder.output("valid_o", validOut, comment: "the outputs hold a result")
    return result
  }

  /// Cycles the slices add to the pipeline's latency.
  var sliceLatency: Int { slices ? 2 : 0 }
}
