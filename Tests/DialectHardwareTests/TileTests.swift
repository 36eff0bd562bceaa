import BlockDialect
import HDL
import Testing

@testable import DialectHardware

/// The accelerator tile in the Swift simulator: a session of commands with random bubbles on
/// every input stream and random back-pressure on both output streams, every result and status
/// beat against the numerics library's model.
@Suite struct TileTests {
  /// Streams `session` through `module`; returns the mismatches (and records them).
  func run(_ module: Module, _ session: TileVectors, stalls: Bool, seed: UInt64 = 9) -> Int {
    let simulator = Simulator(module)
    simulator.reset()
    var random = SeededGenerator(seed: seed)
    var sent = (commands: 0, weights: 0, activations: 0)
    var received = (results: 0, statuses: 0)
    var mismatches = 0
    var idle = 0
    func offer() -> Bool { !stalls || random.next() % 4 != 0 }
    while (received.results < session.results.count || received.statuses < session.statuses.count) && idle < 5_000 {
      let commandValid = offer() && sent.commands < session.commands.count
      let weightValid = offer() && sent.weights < session.weightBeats.count
      let activationValid = offer() && sent.activations < session.activationBeats.count
      let resultReady = offer()
      let statusReady = offer()
      simulator.set("s_cmd_tvalid_i", commandValid ? 1 : 0)
      simulator.set(
        "s_cmd_tdata_i", BitVector(session.commands[min(sent.commands, session.commands.count - 1)], width: 64))
      simulator.set("s_weight_tvalid_i", weightValid ? 1 : 0)
      if let beat = session.weightBeats[safe: sent.weights] {
        simulator.set("s_weight_tdata_i", beat.data)
        simulator.set("s_weight_tlast_i", beat.last ? 1 : 0)
      }
      simulator.set("s_act_tvalid_i", activationValid ? 1 : 0)
      if let beat = session.activationBeats[safe: sent.activations] {
        simulator.set("s_act_tdata_i", beat.data)
        simulator.set("s_act_tlast_i", beat.last ? 1 : 0)
      }
      simulator.set("m_result_tready_i", resultReady ? 1 : 0)
      simulator.set("m_status_tready_i", statusReady ? 1 : 0)
      simulator.evaluate()
      idle += 1
      if resultReady && simulator.value("m_result_tvalid_o") == 1 {
        idle = 0
        let expected = session.results[safe: received.results]
        let same =
          expected.map {
            simulator.get("m_result_tdata_o") == $0.data && simulator.get("m_result_tkeep_o") == $0.keep
              && (simulator.value("m_result_tlast_o") == 1) == $0.last
          } ?? false
        if !same {
          mismatches += 1
          if mismatches <= 3 {
            Issue.record(
              "result beat \(received.results): \(simulator.get("m_result_tdata_o").hexDigits), expected \(expected?.data.hexDigits ?? "none")"
            )
          }
        }
        received.results += 1
      }
      if statusReady && simulator.value("m_status_tvalid_o") == 1 {
        idle = 0
        let expected = session.statuses[safe: received.statuses]
        if UInt32(simulator.value("m_status_tdata_o")) != expected {
          mismatches += 1
          Issue.record(
            "status \(received.statuses): \(simulator.value("m_status_tdata_o")), expected \(String(describing: expected))"
          )
        }
        received.statuses += 1
      }
      if commandValid && simulator.value("s_cmd_tready_o") == 1 { sent.commands += 1 }
      if weightValid && simulator.value("s_weight_tready_o") == 1 { sent.weights += 1 }
      if activationValid && simulator.value("s_act_tready_o") == 1 { sent.activations += 1 }
      simulator.tick()
    }
    #expect(received.results == session.results.count && received.statuses == session.statuses.count, "stalled")
    return mismatches
  }

  static func tileConfiguration(
    blockSize: Int = 16, rows: Int = 2, maximum: Int = 64, output: TileOutput = .float32,
    selector: OnlineSelector = .twoStage
  ) -> HardwareConfiguration {
    var config = configuration(blockSize: blockSize, depth: 2)
    config.tile.rows = rows
    config.tile.maximumRows = maximum
    config.tile.maximumColumns = maximum
    config.tile.output = output
    config.selector = selector
    config.modules = [.tile]
    return config
  }

  @Test(arguments: [false, true])
  func randomSessionMatchesTheModel(stalls: Bool) throws {
    let config = Self.tileConfiguration()
    let generated = try #require(try Design(config).module(.tile))
    let session = TileVectors.randomSession(for: generated, configuration: config, seed: 3)
    #expect(session.results.count > 10 && session.statuses.count > 10)
    #expect(run(generated.module, session, stalls: stalls) == 0)
  }

  /// Cycles from a vector's last activation beat being taken to its first result beat being
  /// offered, with no bubbles and no back-pressure: the manifest's latency plus K/n - 1 (the
  /// row group's block pairs), at any depth of the units and any K.
  @Test(arguments: [(0, 0), (2, 1), (7, 8)])
  func latencyIsTheManifests(quantizerDepth: Int, dotDepth: Int) throws {
    for blocks in [1, 3] {
      var config = Self.tileConfiguration(blockSize: 8, rows: 2, maximum: 32)
      config.pipelineDepths = [.blockQuantizer: quantizerDepth, .blockDot: dotDepth]
      let generated = try #require(try Design(config).module(.tile))
      let format = config.format
      let weights = (0..<(2 * blocks)).map { _ in
        try! PackedBlock(exponentField: 15, dialect: 0, rawCodes: [UInt8](repeating: 1, count: 8), format: format)
      }
      var session = TileVectors(module: generated, configuration: config)
      session.load(try BlockLinearLayer(format: format, rows: 2, columns: 8 * blocks, weights: weights))
      session.run(rows: 2, vectors: [[UInt16](repeating: 0x3C00, count: 8 * blocks)])
      let simulator = Simulator(generated.module)
      simulator.reset()
      var sent = (commands: 0, weights: 0, activations: 0)
      var lastActivation: Int?
      var firstResult: Int?
      for cycle in 0..<500 where firstResult == nil {
        simulator.set("s_cmd_tvalid_i", sent.commands < session.commands.count ? 1 : 0)
        simulator.set("s_cmd_tdata_i", BitVector(session.commands[min(sent.commands, 1)], width: 64))
        let weight = session.weightBeats[safe: sent.weights]
        simulator.set("s_weight_tvalid_i", weight == nil ? 0 : 1)
        if let weight {
          simulator.set("s_weight_tdata_i", weight.data)
          simulator.set("s_weight_tlast_i", weight.last ? 1 : 0)
        }
        // Activations only once the run has started, so that none waits in the input slice.
        let running = simulator.value("busy_q") == 1 && simulator.value("running_q") == 1
        let activation = running ? session.activationBeats[safe: sent.activations] : nil
        simulator.set("s_act_tvalid_i", activation == nil ? 0 : 1)
        if let activation {
          simulator.set("s_act_tdata_i", activation.data)
          simulator.set("s_act_tlast_i", activation.last ? 1 : 0)
        }
        simulator.set("m_result_tready_i", 1)
        simulator.set("m_status_tready_i", 1)
        simulator.evaluate()
        if simulator.value("m_result_tvalid_o") == 1 { firstResult = cycle }
        if simulator.value("s_cmd_tready_o") == 1 && sent.commands < session.commands.count { sent.commands += 1 }
        if weight != nil && simulator.value("s_weight_tready_o") == 1 { sent.weights += 1 }
        if activation != nil && simulator.value("s_act_tready_o") == 1 {
          sent.activations += 1
          if sent.activations == session.activationBeats.count { lastActivation = cycle }
        }
        simulator.tick()
      }
      let measured = try #require(firstResult) - (try #require(lastActivation))
      #expect(
        measured == generated.latency + blocks - 1,
        "depths \(quantizerDepth), \(dotDepth), \(blocks) block(s): \(measured) cycles; the manifest says \(generated.latency)"
      )
    }
  }

  /// FP16 and BF16 results, the neighbour-group selector, one unit.
  @Test(arguments: [TileOutput.float16, .bfloat16])
  func narrowResultsMatchTheModel(output: TileOutput) throws {
    let config = Self.tileConfiguration(blockSize: 8, rows: 1, maximum: 32, output: output, selector: .neighbor)
    let generated = try #require(try Design(config).module(.tile))
    let session = TileVectors.randomSession(for: generated, configuration: config, seed: 4)
    #expect(run(generated.module, session, stalls: true) == 0)
  }

  /// The FP32-to-FP16 and -BF16 conversions equal the library's on edge values and random ones.
  @Test(arguments: [TileOutput.float16, .bfloat16])
  func conversionsMatchTheLibrary(output: TileOutput) throws {
    let m = ModuleBuilder("convert")
    m.output("y_o", FloatConversion.fromFloat32(in: m, "value", m.input("x_i", width: 32), to: output))
    let simulator = Simulator(try m.build())
    var random = SeededGenerator(seed: 5)
    let edges: [Float] = [
      0, -0.0, 1, -1, 65504, 65519.99, 65520, -65520, .infinity, -.infinity, .nan, 0x1p-14, 0x1p-24, 0x1p-25,
      0x1.8p-25, 0x1p-26, 0x1.ffcp-15, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 3.0e-39,
    ]
    let values = edges + (0..<20_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
    let format: ElementFormat = output == .float16 ? .float16 : .bfloat16
    for value in values {
      simulator.set("x_i", BitVector(UInt64(value.bitPattern), width: 32))
      simulator.evaluate()
      #expect(UInt32(simulator.value("y_o")) == ResultRounding.bits(of: value, as: format), "\(value)")
    }
  }
}

extension Array {
  subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
