import Testing

@testable import HDL

/// ceil(log2(n)) for n >= 1.
private func ceilLog2(_ n: Int) -> Int {
  var bits = 0
  while 1 << bits < n { bits += 1 }
  return bits
}

@Suite("Library: trees and pipelines")
struct LibraryTests {
  // MARK: Trees

  @Test(arguments: [false, true])
  func adderTreeSumsLikeSwift(_ signed: Bool) throws {
    var random = SplitMix(seed: signed ? 21 : 20)
    for (count, sameWidth) in [
      (1, true), (2, true), (3, false), (5, true), (6, false), (8, false), (9, true), (13, false),
    ] {
      let common = 1 + random.below(12)
      let widths = (0..<count).map { _ in sameWidth ? common : 1 + random.below(12) }
      let m = ModuleBuilder("adders")
      let inputs = widths.enumerated().map { m.input("x\($0.offset)_i", width: $0.element, signed: signed) }
      let sum = m.adderTree("sum", inputs)
      // ceil(log2(count)) bits wider than the values when they share a width; at most that otherwise.
      if sameWidth {
        #expect(sum.width == common + ceilLog2(count))
      } else {
        #expect(sum.width <= widths.max()! + ceilLog2(count))
      }
      #expect(sum.isSigned == signed)
      m.output("sum_o", sum)
      let simulator = Simulator(try m.build())
      for _ in 0..<100 {
        var expected = 0
        for (index, width) in widths.enumerated() {
          let value = signed ? random.below(1 << width) - (1 << (width - 1)) : random.below(1 << width)
          simulator.set("x\(index)_i", value)
          expected += value
        }
        simulator.evaluate()
        #expect(meaning(simulator.value("sum_o"), width: sum.width, signed: signed) == expected)
      }
    }
  }

  @Test func aTreeWithRegistersBetweenLevels() throws {
    let m = ModuleBuilder("pipelined_sum")
    let inputs = (0..<8).map { m.input("x\($0)_i", width: 4) }
    let sum = m.adderTree("sum", inputs) { level, values in
      values.enumerated().map { m.register("sum_l\(level)_\($0.offset)_q", next: $0.element) }
    }
    m.output("sum_o", sum)
    let simulator = Simulator(try m.build())
    var random = SplitMix(seed: 4)
    var history: [Int] = []
    for cycle in 0..<30 {
      let values = (0..<8).map { _ in random.below(16) }
      for (index, value) in values.enumerated() { simulator.set("x\(index)_i", value) }
      simulator.evaluate()
      if cycle >= 3 { #expect(simulator.value("sum_o") == UInt64(history[cycle - 3])) }
      history.append(values.reduce(0, +))
      simulator.tick()
    }
  }

  @Test(arguments: [false, true])
  func maximumTreeFindsTheLargest(_ signed: Bool) throws {
    var random = SplitMix(seed: signed ? 31 : 30)
    for count in [1, 2, 3, 6, 7, 16] {
      let m = ModuleBuilder("maximum")
      let inputs = (0..<count).map { m.input("x\($0)_i", width: 6, signed: signed) }
      let largest = m.maximumTree("largest", inputs)
      #expect(largest.typeName == Signal.typeName(width: 6, signed: signed))
      m.output("max_o", largest)
      let simulator = Simulator(try m.build())
      for _ in 0..<100 {
        let values = (0..<count).map { _ in signed ? random.below(64) - 32 : random.below(64) }
        for (index, value) in values.enumerated() { simulator.set("x\(index)_i", value) }
        simulator.evaluate()
        #expect(meaning(simulator.value("max_o"), width: 6, signed: signed) == values.max()!)
      }
    }
  }

  @Test func populationCountCountsSetBits() throws {
    var random = SplitMix(seed: 40)
    for width in [1, 2, 3, 7, 8, 31, 64, 65, 100] {
      let m = ModuleBuilder("ones")
      let bits = m.input("bits_i", width: width, signed: width == 7)
      let count = m.populationCount("ones", bits)
      #expect(!count.isSigned)
      #expect(count.width == (width == 1 ? 1 : 1 + ceilLog2(width)))
      #expect(1 << count.width > width)  // every count fits
      m.output("count_o", count)
      let simulator = Simulator(try m.build())
      for trial in 0..<60 {
        let value =
          trial == 0
          ? BitVector(width: width, words: [UInt64](repeating: ~0, count: (width + 63) / 64)) : random.bits(width)
        simulator.set("bits_i", value)
        simulator.evaluate()
        let expected = (0..<width).filter { value[bit: $0] }.count
        #expect(simulator.value("count_o") == UInt64(expected))
      }
    }
  }

  @Test func treeErrors() {
    let m = ModuleBuilder("trees")
    let line = #line + 1
    _ = m.adderTree("sum", [])
    m.output("y_o", m.input("a_i", width: 1))
    expectError(m, line: line, ["tree 'sum' needs at least one value"])
    let n = ModuleBuilder("trees")
    let a = n.input("a_i", width: 4)
    let b = n.input("b_i", width: 4, signed: true)
    let treeLine = #line + 1
    n.output("y_o", n.adderTree("sum", [a, b]))
    expectError(
      n, line: treeLine, ["'sum_l1_0'", "'+' needs operands of equal signedness", "'a_i' (UInt<4>)", "'b_i' (SInt<4>)"])
  }

  // MARK: Pipelines

  static let stages = ["s1", "s2", "s3"]

  /// y = 3 * x through three boundaries, of which `registered` are registers.
  static func tripler(registered: Set<String>, ready: Bool) throws -> (Module, latency: Int) {
    let m = ModuleBuilder("tripler")
    let x = m.input("x_i", width: 8)
    let valid = m.input("valid_i", width: 1)
    let readyIn = ready ? m.input("ready_i", width: 1) : nil
    let pipe = Pipeline(m, name: "pipe", valid: valid, ready: readyIn, stages: stages, registered: registered)
    let a = pipe.boundary("s1", "x", x)
    let doubled = m.wire("doubled", a + a)
    let b = pipe.boundary("s2", Doubled(doubled: doubled, x: a))
    let c = pipe.boundary("s3", "tripled", b.doubled + b.x.extended(to: 9))
    let (validOut, readyOut) = pipe.finish()
    m.output("y_o", c)
    m.output("valid_o", validOut)
    m.output("ready_o", readyOut)
    return (try m.build(), pipe.latency)
  }

  /// What the tripler's second stage hands on.
  struct Doubled: SignalBundle {
    var doubled: Signal
    var x: Signal

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Doubled {
      Doubled(doubled: transform("doubled", doubled), x: transform("x", x))
    }
  }

  static let depths: [Set<String>] = [[], ["s2"], ["s1", "s3"]]

  @Test(arguments: depths)
  func validOnlyPipeline(_ registered: Set<String>) throws {
    let (module, latency) = try Self.tripler(registered: registered, ready: false)
    #expect(latency == registered.count)
    let registers = Set(Simulator(module).signalNames.filter { $0.hasSuffix("_q") })
    var expectedRegisters = Set<String>()
    if registered.contains("s1") { expectedRegisters.formUnion(["x_s1_q", "pipe_valid_s1_q"]) }
    if registered.contains("s2") { expectedRegisters.formUnion(["doubled_s2_q", "x_s2_q", "pipe_valid_s2_q"]) }
    if registered.contains("s3") { expectedRegisters.formUnion(["tripled_s3_q", "pipe_valid_s3_q"]) }
    #expect(registers == expectedRegisters)
    let simulator = Simulator(module)
    simulator.reset()
    var random = SplitMix(seed: UInt64(latency))
    var inputs: [(x: Int, valid: Int)] = []
    for cycle in 0..<200 {
      let x = random.below(256)
      let valid = random.below(3) == 0 ? 0 : 1
      inputs.append((x, valid))
      simulator.set("x_i", x)
      simulator.set("valid_i", valid)
      simulator.evaluate()
      #expect(simulator.value("ready_o") == 1)
      if cycle >= latency {
        let source = inputs[cycle - latency]
        #expect(simulator.value("valid_o") == UInt64(source.valid))
        #expect(simulator.value("y_o") == UInt64(3 * source.x))
      } else {
        #expect(simulator.value("valid_o") == 0)  // reset empties the pipeline
      }
      simulator.tick()
    }
  }

  /// Valid/ready: nothing lost or repeated, a stalled output holds, and with the consumer
  /// always ready one item per cycle goes through.
  @Test(arguments: depths)
  func readyPipeline(_ registered: Set<String>) throws {
    let (module, latency) = try Self.tripler(registered: registered, ready: true)
    for alwaysReady in [false, true] {
      let simulator = Simulator(module)
      simulator.reset()
      var random = SplitMix(seed: UInt64(10 + latency))
      var accepted: [Int] = []
      var delivered: [Int] = []
      var acceptedAt: [Int] = []
      var deliveredAt: [Int] = []
      var stalled: UInt64?
      for cycle in 0..<400 {
        let x = random.below(256)
        let valid = random.below(4) == 0 ? 0 : 1
        let ready = alwaysReady || random.below(3) > 0 ? 1 : 0
        simulator.set("x_i", x)
        simulator.set("valid_i", valid)
        simulator.set("ready_i", ready)
        simulator.evaluate()
        let (validOut, readyOut, y) = (simulator.value("valid_o"), simulator.value("ready_o"), simulator.value("y_o"))
        // (With no registered stage the pipeline holds nothing: holding is the producer's job.)
        if let held = stalled, latency > 0 {
          #expect(validOut == 1 && y == held, "a stalled output must hold (cycle \(cycle))")
        }
        if alwaysReady { #expect(readyOut == 1) }
        if valid == 1 && readyOut == 1 {
          accepted.append(x)
          acceptedAt.append(cycle)
        }
        if validOut == 1 && ready == 1 {
          delivered.append(Int(y))
          deliveredAt.append(cycle)
        }
        stalled = validOut == 1 && ready == 0 ? y : nil
        simulator.tick()
      }
      #expect(delivered.count >= accepted.count - latency && delivered.count <= accepted.count)
      #expect(delivered == accepted.prefix(delivered.count).map { 3 * $0 })
      if alwaysReady {
        // Every accepted item comes out exactly `latency` cycles later.
        #expect(zip(acceptedAt, deliveredAt).allSatisfy { $1 - $0 == latency })
        #expect(accepted.count > 250)
      }
    }
  }

  @Test func pipelineErrors() {
    let m = ModuleBuilder("pipes")
    let x = m.input("x_i", width: 4)
    let line = #line + 1
    let pipe = Pipeline(
      m, name: "pipe", valid: m.input("valid_i", width: 1), ready: nil, stages: ["a"], registered: ["b"])
    m.output("y_o", pipe.boundary("a", "x", x))
    m.output("valid_o", pipe.finish().valid)
    expectError(m, line: line, ["pipeline 'pipe': stage 'b' is not one of [\"a\"]"])

    let n = ModuleBuilder("pipes")
    let y = n.input("x_i", width: 4)
    let ordered = Pipeline(
      n, name: "pipe", valid: n.input("valid_i", width: 1), ready: nil, stages: ["a", "b"], registered: ["a", "b"])
    let first = ordered.boundary("b", "x", y)
    let orderLine = #line + 1
    let second = ordered.boundary("a", "x", first)
    n.output("y_o", second)
    n.output("valid_o", ordered.finish().valid)
    expectError(n, line: orderLine, ["pipeline 'pipe': boundary 'a' is unknown or out of order"])
  }
}
