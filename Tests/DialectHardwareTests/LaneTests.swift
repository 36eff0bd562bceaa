import BlockDialect
import HDL
import Testing

@testable import DialectHardware

@Suite struct LaneTests {
  /// Drives a lane with random operands, clears and idle cycles, and checks the sum against a
  /// plain Swift accumulation (wrapping at the lane width).
  func check(_ module: Module, width: Int, operands: (inout SeededGenerator) -> ([String: Int], Int)) {
    let simulator = Simulator(module)
    simulator.reset()
    var random = SeededGenerator(seed: 41)
    var expected = 0
    let modulus = 1 << width
    for step in 0..<3_000 {
      let (inputs, product) = operands(&random)
      let valid = random.next() % 5 != 0
      let clear = step == 0 || random.next() % 40 == 0
      for (name, value) in inputs { simulator.set(name, value) }
      simulator.set("valid_i", valid ? 1 : 0)
      simulator.set("clear_i", clear ? 1 : 0)
      simulator.tick()
      if valid { expected = clear ? product : expected + product }
      var wrapped = ((expected % modulus) + modulus) % modulus
      if wrapped >= modulus / 2 { wrapped -= modulus }
      #expect(simulator.get("sum_o").signedValue == wrapped, "step \(step)")
      if simulator.get("sum_o").signedValue != wrapped { return }
    }
  }

  @Test(arguments: [Formatbook.dialectFP4, .e2m1, randomBook(count: 7, seed: 42)], DatapathStyle.allCases)
  func formatbookLaneAccumulatesDecodedProducts(book: Formatbook, style: DatapathStyle) throws {
    let config = configuration(book: book, style: style)
    let lane = try MACLaneGenerator(configuration: config).formatbookLane(book: book, format: "t", kind: .macLane)
    check(lane.module, width: config.laneAccumulatorWidth) { random in
      let w = (Int(random.next() % UInt64(book.dialects.count)), UInt8(random.next() % 16))
      let a = (Int(random.next() % UInt64(book.dialects.count)), UInt8(random.next() % 16))
      var inputs = ["w_code_i": Int(w.1), "a_code_i": Int(a.1)]
      if book.idWidth > 0 {
        inputs["w_dialect_i"] = w.0
        inputs["a_dialect_i"] = a.0
      }
      return (inputs, book.halfUnits(dialect: w.0, code: w.1) * book.halfUnits(dialect: a.0, code: a.1))
    }
  }

  @Test(arguments: [4, 8])
  func integerLaneAccumulatesProducts(bits: Int) throws {
    let config = configuration()
    let lane = try MACLaneGenerator(configuration: config).integerLane(
      bits: bits, kind: bits == 4 ? .int4MACLane : .int8MACLane)
    check(lane.module, width: config.laneAccumulatorWidth) { random in
      let range = 1 << bits
      let w = Int(random.next() % UInt64(range)) - range / 2
      let a = Int(random.next() % UInt64(range)) - range / 2
      return (["w_i": w, "a_i": a], w * a)
    }
  }
}
