extension ModuleBuilder {
  /// A register slice (a two-entry skid buffer) on a valid/ready channel: every output it
  /// drives, the upstream `ready` included, comes straight from a register, so neither the
  /// payload nor the handshake has a combinational path through it in either direction.
  /// Throughput is one item per cycle while the consumer is ready; latency is one cycle.
  ///
  /// Registers, for a slice named `s` carrying a field `f`: `f_s_q` (the output item),
  /// `f_s_skid_q` (the item taken while the output was stalled), `s_valid_q`, `s_skid_valid_q`.
  ///
  /// - Parameters:
  ///   - name: The slice's name, used in its register names.
  ///   - valid: The producer's valid.
  ///   - payload: The producer's item.
  ///   - ready: The consumer's ready.
  /// - Returns: The slice's output valid and item, and the ready to give the producer.
  public func registerSlice<Payload: SignalBundle>(
    _ name: String, valid: Signal, payload: Payload, ready: Signal, file: StaticString = #fileID, line: UInt = #line
  ) -> (valid: Signal, payload: Payload, ready: Signal) {
    let outputValid = register("\(name)_valid_q", width: 1, reset: 0, file: file, line: line)
    let skidValid = register("\(name)_skid_valid_q", width: 1, reset: 0, file: file, line: line)
    let upstreamReady = wire(
      "\(name)_ready", !skidValid, comment: "the skid entry is free: from a register", file: file, line: line)
    let accepted = wire("\(name)_accept", valid && upstreamReady, file: file, line: line)
    let outputFree = wire(
      "\(name)_output_free", !outputValid || ready, comment: "the output entry is empty or taken this cycle",
      file: file, line: line)
    // The skid entry holds an item accepted while the output entry was stalled.
    let skid = payload.mapSignals { field, signal in
      register(
        "\(bundleFieldName(field, name))_skid_q", next: signal, enable: accepted && !outputFree, file: file,
        line: line)
    }
    // The output entry refills from the skid entry first, else from the producer.
    let fromSkid = skid.namedSignals.map(\.signal)
    var index = 0
    let output = payload.mapSignals { field, signal in
      defer { index += 1 }
      return register(
        "\(bundleFieldName(field, name))_q", next: mux(skidValid, fromSkid[index], signal), enable: outputFree,
        file: file, line: line)
    }
    assignNext(outputValid, skidValid || accepted, enable: outputFree, file: file, line: line)
    assignNext(skidValid, mux(outputFree, Signal.constant(0, width: 1), skidValid || accepted), file: file, line: line)
    return (outputValid, output, upstreamReady)
  }
}
