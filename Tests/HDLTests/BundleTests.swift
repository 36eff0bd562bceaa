import Testing

@testable import HDL

/// Signal bundles at pipeline boundaries, and the register slice.
@Suite struct BundleTests {
  /// A lane of two fields, and a stage of a scalar, an optional and an array of lanes.
  struct Lane: SignalBundle {
    var sign: Signal
    var magnitude: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Lane {
      Lane(sign: transform("sign", sign), magnitude: transform("magnitude", magnitude))
    }
  }

  struct Stage: SignalBundle {
    var exponent: Signal
    var dialect: Signal?
    var lanes: [Lane]

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Stage {
      Stage(
        exponent: transform("exponent", exponent), dialect: nested("dialect", dialect, transform),
        lanes: nested("lane", lanes, transform))
    }
  }

  @Test func fieldNamesNestAndNumberLanes() {
    let m = ModuleBuilder("names")
    let stage = Stage(
      exponent: m.input("e_i", width: 5), dialect: nil,
      lanes: (0..<2).map { Lane(sign: m.input("s\($0)_i", width: 1), magnitude: 3) })
    #expect(
      stage.namedSignals.map(\.name) == ["exponent", "lane0_sign", "lane0_magnitude", "lane1_sign", "lane1_magnitude"])
    let withDialect = Stage(exponent: stage.exponent, dialect: stage.exponent, lanes: [])
    #expect(withDialect.namedSignals.map(\.name) == ["exponent", "dialect"])
    #expect(
      bundleFieldName("lane", "3") == "lane3" && bundleFieldName("", "x") == "x" && bundleFieldName("a", "") == "a")
  }

  /// A registered boundary names each register after its field and the stage, and the
  /// registers hold the values one cycle later.
  @Test func registeredBoundaryNamesRegistersAfterFields() throws {
    let m = ModuleBuilder("staged")
    let valid = m.input("valid_i", width: 1)
    let pipe = Pipeline(m, name: "pipe", valid: valid, ready: nil, stages: ["align"], registered: ["align"])
    let lanes = (0..<2).map {
      Lane(sign: m.input("sign\($0)_i", width: 1), magnitude: m.input("magnitude\($0)_i", width: 4))
    }
    let staged = pipe.boundary("align", Stage(exponent: m.input("exponent_i", width: 5), dialect: nil, lanes: lanes))
    m.output("magnitude_o", staged.lanes[1].magnitude)
    m.output("exponent_o", staged.exponent)
    m.output("valid_o", pipe.finish().valid)
    let module = try m.build()
    let names = Set(module.declarations.map(\.name))
    for name in ["exponent_align_q", "lane0_sign_align_q", "lane1_magnitude_align_q", "pipe_valid_align_q"] {
      #expect(names.contains(name), "no register \(name)")
    }
    let simulator = Simulator(module)
    simulator.reset()
    simulator.set("valid_i", 1)
    simulator.set("exponent_i", 17)
    simulator.set("magnitude1_i", 9)
    for port in ["sign0_i", "sign1_i", "magnitude0_i"] { simulator.set(port, 0) }
    simulator.tick()
    simulator.evaluate()
    #expect(
      simulator.value("magnitude_o") == 9 && simulator.value("exponent_o") == 17 && simulator.value("valid_o") == 1)
  }

  /// A slice of an 8-bit item.
  static func slice() throws -> Module {
    let m = ModuleBuilder("slice")
    let slice = m.registerSlice(
      "slice", valid: m.input("valid_i", width: 1),
      payload: NamedSignal(name: "data", signal: m.input("data_i", width: 8)),
      ready: m.input("ready_i", width: 1))
    m.output("data_o", slice.payload.signal)
    m.output("valid_o", slice.valid)
    m.output("ready_o", slice.ready)
    return try m.build()
  }

  /// Under random valid and ready, every item comes out once and in order; with both always
  /// high, one item per cycle; and `ready_o` never depends on `ready_i` within a cycle.
  @Test(arguments: [false, true])
  func registerSliceKeepsOrderAndFullRate(stalls: Bool) throws {
    let simulator = Simulator(try Self.slice())
    simulator.reset()
    var random = SplitMix(seed: 3)
    var next = 0
    var received: [Int] = []
    for _ in 0..<2_000 {
      let offer = !stalls || random.below(3) != 0
      let ready = !stalls || random.below(3) != 0
      simulator.set("valid_i", offer ? 1 : 0)
      simulator.set("data_i", next & 0xFF)
      simulator.set("ready_i", 0)
      simulator.evaluate()
      let readyWhenStalled = simulator.value("ready_o")
      simulator.set("ready_i", ready ? 1 : 0)
      simulator.evaluate()
      #expect(simulator.value("ready_o") == readyWhenStalled, "ready_o follows ready_i combinationally")
      if ready && simulator.value("valid_o") == 1 { received.append(Int(simulator.value("data_o"))) }
      if offer && simulator.value("ready_o") == 1 { next += 1 }
      simulator.tick()
    }
    #expect(received == (0..<received.count).map { $0 & 0xFF })
    #expect(next - received.count <= 2)
    if !stalls { #expect(received.count == 1_999) }
    let names = Set(try Self.slice().declarations.map(\.name))
    for name in ["data_slice_q", "data_slice_skid_q", "slice_valid_q", "slice_skid_valid_q"] {
      #expect(names.contains(name), "no register \(name)")
    }
  }

  /// The best-of tree finds the least value and, on a tie, its lowest position.
  @Test(arguments: [1, 2, 3, 5, 8])
  func bestOfPicksTheLowestPositionAmongTheBest(count: Int) throws {
    let m = ModuleBuilder("best")
    let values = (0..<count).map { m.input("v\($0)_i", width: 3) }
    let best = m.bestOf("least", values) { $0 < $1 }
    m.output("value_o", best.value)
    m.output("position_o", best.position)
    let simulator = Simulator(try m.build())
    var random = SplitMix(seed: UInt64(count))
    for _ in 0..<300 {
      let inputs = (0..<count).map { _ in random.below(4) }
      for (index, value) in inputs.enumerated() { simulator.set("v\(index)_i", value) }
      simulator.evaluate()
      let least = inputs.min()!
      #expect(Int(simulator.value("value_o")) == least)
      #expect(Int(simulator.value("position_o")) == inputs.firstIndex(of: least)!, "\(inputs)")
    }
  }
}
