import Testing

@testable import HDL

/// Operand widths for the wide check: a (and c), b, the shift amount, and signedness.
struct WideShape: Sendable, CustomTestStringConvertible {
  let wa: Int
  let wb: Int
  let amountWidth: Int
  let signed: Bool
  var testDescription: String { "\(signed ? "SInt" : "UInt")<\(wa)> and <\(wb)>, amount <\(amountWidth)>" }
}

/// Every operation on values wider than 64 and 128 bits (and at the word boundaries), checked
/// against the bit-by-bit model ``Bits``.
@Suite("Wide values")
struct WideValueTests {
  static let shapes: [WideShape] = [
    .init(wa: 65, wb: 65, amountWidth: 8, signed: false), .init(wa: 65, wb: 64, amountWidth: 8, signed: true),
    .init(wa: 100, wb: 37, amountWidth: 8, signed: true), .init(wa: 128, wb: 128, amountWidth: 8, signed: false),
    .init(wa: 129, wb: 100, amountWidth: 9, signed: true), .init(wa: 150, wb: 200, amountWidth: 70, signed: false),
    .init(wa: 200, wb: 130, amountWidth: 70, signed: true), .init(wa: 64, wb: 63, amountWidth: 7, signed: true),
    .init(wa: 63, wb: 64, amountWidth: 64, signed: false), .init(wa: 33, wb: 32, amountWidth: 6, signed: true),
  ]

  @Test(arguments: shapes)
  func everyOperationAgainstTheBitModel(_ shape: WideShape) throws {
    let (wa, wb, s) = (shape.wa, shape.wb, shape.signed)
    let m = ModuleBuilder("wide")
    let a = m.input("a_i", width: wa, signed: s)
    let b = m.input("b_i", width: wb, signed: s)
    let c = m.input("c_i", width: wa, signed: s)
    let n = m.input("n_i", width: shape.amountWidth)
    let k = m.input("k_i", width: 1)
    let common = max(wa, wb)
    let half = wa / 2
    var random = SplitMix(seed: UInt64(wa * 7919 + wb * 31 + shape.amountWidth + (s ? 1 : 0)))
    let tableEntries = (0..<3).map { _ in random.bits(wa) }
    func table(_ name: String, _ index: Signal) -> Signal {
      // lookup takes Int entries; wide entries are built with select on constants.
      m.select(
        name, on: index,
        cases: tableEntries.enumerated().map { ($0.offset, Signal.constant(bits: $0.element, signed: s)) },
        fallback: c)
    }
    typealias Model = (_ a: Bits, _ b: Bits, _ c: Bits, _ n: Bits, _ k: Bool) -> Bits
    func compare(_ x: Bits, _ y: Bits) -> Int {
      Bits.compare(x.resized(common, signed: s), y.resized(common, signed: s), signed: s)
    }
    func bit(_ value: Bool) -> Bits { Bits([value]) }
    /// The shift amount, capped (anything at least the width acts the same).
    func amount(_ n: Bits) -> Int { n.small.map { min($0, 100_000) } ?? 100_000 }
    var checks: [(String, Signal, Model)] = [
      ("and", a & c, { x, _, z, _, _ in Bits(zip(x.bits, z.bits).map { $0 && $1 }) }),
      ("or", a | c, { x, _, z, _, _ in Bits(zip(x.bits, z.bits).map { $0 || $1 }) }),
      ("xor", a ^ c, { x, _, z, _, _ in Bits(zip(x.bits, z.bits).map { $0 != $1 }) }),
      ("not", ~a, { x, _, _, _, _ in ~x }),
      ("add", a + b, { x, y, _, _, _ in x.resized(common + 1, signed: s) + y.resized(common + 1, signed: s) }),
      ("subtract", a - b, { x, y, _, _, _ in x.resized(common + 1, signed: s) - y.resized(common + 1, signed: s) }),
      ("wrapping_add", a &+ c, { x, _, z, _, _ in x + z }),
      ("wrapping_subtract", a &- c, { x, _, z, _, _ in x - z }),
      ("multiply", a * b, { x, y, _, _, _ in x.resized(wa + wb, signed: s) * y.resized(wa + wb, signed: s) }),
      ("shift_left", a << 5, { x, _, _, _, _ in x.resized(wa + 5, signed: s).shiftedLeft(5) }),
      ("shift_right", a >> half, { x, _, _, _, _ in Bits(Array(x.bits[half...])) }),
      (
        "shift_left_by", a.shiftedLeft(by: n, width: wa + 10),
        { x, _, _, q, _ in x.resized(wa + 10, signed: s).shiftedLeft(min(amount(q), wa + 10)) }
      ),
      (
        "shift_right_by", a.shiftedRight(by: n),
        { x, _, _, q, _ in x.shiftedRight(min(amount(q), wa), signed: s) }
      ),
      ("equal", a == b, { x, y, _, _, _ in bit(compare(x, y) == 0) }),
      ("not_equal", a != b, { x, y, _, _, _ in bit(compare(x, y) != 0) }),
      ("less", a < b, { x, y, _, _, _ in bit(compare(x, y) < 0) }),
      ("less_or_equal", a <= b, { x, y, _, _, _ in bit(compare(x, y) <= 0) }),
      ("greater", a > b, { x, y, _, _, _ in bit(compare(x, y) > 0) }),
      ("greater_or_equal", a >= b, { x, y, _, _, _ in bit(compare(x, y) >= 0) }),
      ("equal_self", a == c, { x, _, z, _, _ in bit(x == z) }),
      ("top_bit", a[wa - 1], { x, _, _, _, _ in bit(x.sign) }),
      ("middle_bits", a[3...(wa - 2)], { x, _, _, _, _ in Bits(Array(x.bits[3...(wa - 2)])) }),
      ("replicated", a.replicated(3), { x, _, _, _, _ in Bits(x.bits + x.bits + x.bits) }),
      ("and_reduced", a.andReduced(), { x, _, _, _, _ in bit(x.bits.allSatisfy { $0 }) }),
      ("or_reduced", a.orReduced(), { x, _, _, _, _ in bit(x.bits.contains(true)) }),
      ("xor_reduced", a.xorReduced(), { x, _, _, _, _ in bit(x.bits.filter { $0 }.count % 2 == 1) }),
      ("concatenated", concatenate(a, b, c), { x, y, z, _, _ in Bits(z.bits + y.bits + x.bits) }),
      ("selected", mux(k, a, c), { x, _, z, _, q in q ? x : z }),
      ("extended", a.extended(to: wa + 40), { x, _, _, _, _ in x.resized(wa + 40, signed: s) }),
      ("truncated", a.truncated(to: wa - 1), { x, _, _, _, _ in x.resized(wa - 1, signed: s) }),
      ("reinterpreted", s ? a.asUnsigned : a.asSigned, { x, _, _, _, _ in x }),
      (
        "table", table("entries", b[0...1]),
        { _, y, z, _, _ in y.bits[0] && y.bits[1] ? z : Bits(tableEntries[(y.bits[0] ? 1 : 0) + (y.bits[1] ? 2 : 0)]) }
      ),
      (
        "first", m.priority("first", [(k, a), (b[0], ~c)], fallback: a ^ c),
        { x, y, z, _, q in q ? x : (y.bits[0] ? ~z : Bits(zip(x.bits, z.bits).map { $0 != $1 })) }
      ),
    ]
    // A table of integers, indexed by a wide value: small indices pick entries, the rest fall back.
    let entries = s ? [5, -7, -123_456_789] : [5, 7, 123_456_789]
    let fallback = s ? -1 : 77
    checks.append(
      (
        "lookup", m.lookup("lut", index: b.asUnsigned, values: entries, width: wa, signed: s, fallback: fallback),
        { _, y, _, _, _ in Bits(y.small.flatMap { $0 < 3 ? entries[$0] : nil } ?? fallback, width: wa) }
      ))
    if s {
      checks.append(("negated", -a, { x, _, _, _, _ in Bits(0, width: wa + 1) - x.resized(wa + 1, signed: true) }))
    }
    // A wide register with an enable: holds the last enabled a.
    let held = m.register("held_q", width: wa, signed: s)
    m.assignNext(held, a, enable: k)
    checks.append(("held", held, { _, _, _, _, _ in Bits(0, width: 0) }))  // checked separately below

    for (name, signal, _) in checks { m.output("\(name)_o", signal) }
    let module = try m.build()
    let simulator = Simulator(module)
    var heldValue = Bits(0, width: wa)
    for vector in 0..<60 {
      // Random bits, with some all-ones, zero and small amounts mixed in.
      func value(_ width: Int) -> BitVector {
        switch random.below(8) {
        case 0: return BitVector(width: width, words: [UInt64](repeating: ~0, count: (width + 63) / 64))
        case 1: return BitVector(zeroOfWidth: width)
        case 2: return BitVector(UInt64(random.below(4)), width: width)
        default: return random.bits(width)
        }
      }
      let inputs = [value(wa), value(wb), vector % 5 == 0 ? random.bits(wa) : value(wa)]
      var amountBits = random.bits(shape.amountWidth)
      if random.below(3) > 0 { amountBits = BitVector(UInt64(random.below(wa + 12)), width: shape.amountWidth) }
      let condition = random.below(2) == 1
      for (port, bits) in zip(["a_i", "b_i", "c_i"], inputs) { simulator.set(port, bits) }
      simulator.set("n_i", amountBits)
      simulator.set("k_i", condition ? 1 : 0)
      simulator.evaluate()
      let (x, y, z, q) = (Bits(inputs[0]), Bits(inputs[1]), Bits(inputs[2]), Bits(amountBits))
      for (name, signal, model) in checks where name != "held" {
        let expected = model(x, y, z, q, condition)
        #expect(
          expected.width == signal.width, "\(name): the model is \(expected.width) bits, the signal \(signal.width)")
        let actual = Bits(simulator.get("\(name)_o"))
        #expect(actual == expected, "\(name) of a=\(x) b=\(y) c=\(z) n=\(q) k=\(condition)")
      }
      #expect(Bits(simulator.get("held_o")) == heldValue)
      simulator.tick()
      if condition { heldValue = x }
    }
  }

  @Test func bitModelAgreesWithSwiftIntegers() {
    // The model itself, against Int arithmetic where Int suffices.
    var random = SplitMix(seed: 99)
    for _ in 0..<500 {
      let width = 1 + random.below(30)
      let (x, y) = (
        wrap(random.below(1 << 30), width: width, signed: true), wrap(random.below(1 << 30), width: width, signed: true)
      )
      let (bx, by) = (Bits(x, width: width), Bits(y, width: width))
      #expect((bx + by).vector.low64 == pattern(x + y, width: width))
      #expect((bx - by).vector.low64 == pattern(x - y, width: width))
      #expect((bx * by).vector.low64 == pattern(x * y, width: width))
      #expect(Bits.compare(bx, by, signed: true) == (x < y ? -1 : (x == y ? 0 : 1)))
      let (ux, uy) = (Int(pattern(x, width: width)), Int(pattern(y, width: width)))
      #expect(Bits.compare(bx, by, signed: false) == (ux < uy ? -1 : (ux == uy ? 0 : 1)))
      let k = random.below(width + 2)
      #expect(bx.shiftedRight(k, signed: true).vector.low64 == pattern(x >> k, width: width))
      #expect(bx.shiftedLeft(k).vector.low64 == pattern(x << k, width: width))
    }
  }
}
