/// Builds random circuits from every operator of the DSL, to cross-check the simulator against
/// Verilog simulators on the emitted text ("don't trust the generator, test its operators").
///
/// Each circuit has inputs of random widths (1 to 130 bits, signed or not), a few hundred
/// random operations including tables, cases and priority selections, some named wires, and
/// optionally registers with enables and resets.
public struct RandomCircuit {
  /// The circuit.
  public let module: Module

  /// Generates circuit number `seed`.
  ///
  /// - Parameters:
  ///   - seed: Chooses the circuit; the same seed gives the same circuit.
  ///   - operations: Roughly how many operations to build.
  ///   - sequential: Whether to include registers (reset, enable).
  public init(seed: UInt64, operations: Int = 120, sequential: Bool = false) throws {
    var random = SplitMix(seed: seed)
    let m = ModuleBuilder("random_\(seed)\(sequential ? "_seq" : "")")
    m.headerLines = ["Random circuit \(seed) for the simulator cross-check"]
    var pool: [Signal] = []
    let inputCount = 3 + random.below(5)
    for index in 0..<inputCount {
      let wide = random.below(6) == 0
      let width = wide ? 65 + random.below(66) : 1 + random.below(40)
      pool.append(m.input("in\(index)_i", width: width, signed: random.below(2) == 0))
    }
    var registers: [(Signal, Signal?)] = []
    if sequential {
      for index in 0..<(2 + random.below(3)) {
        let width = 1 + random.below(24)
        let signed = random.below(2) == 0
        let register = m.register(
          "state\(index)_q", width: width, signed: signed, reset: random.below(2) == 0 ? 0 : (signed ? -1 : 1))
        registers.append((register, random.below(2) == 0 ? pool[random.below(pool.count)][0] : nil))
        pool.append(register)
      }
    }
    var wireCount = 0
    for step in 0..<operations {
      var value = Self.operation(&random, pool: pool, builder: m, step: step)
      if value.width > 160 { value = value.truncated(to: 1 + random.below(160)) }
      if random.below(4) == 0 {
        value = m.wire("w\(wireCount)", value)
        wireCount += 1
      }
      pool.append(value)
    }
    for (register, enable) in registers {
      let next = Self.coerce(pool[pool.count - 1 - random.below(min(pool.count, 20))], to: register, &random)
      m.assignNext(register, next, enable: enable)
    }
    let outputCount = 4 + random.below(4)
    for index in 0..<outputCount {
      m.output("out\(index)_o", pool[pool.count - 1 - index * (1 + random.below(3)) % pool.count])
    }
    module = try m.build()
  }

  /// A value of `target`'s type made from `value` by truncation, extension and reinterpretation.
  static func coerce(_ value: Signal, to target: Signal, _ random: inout SplitMix) -> Signal {
    var result = value
    if result.width > target.width {
      result = result.truncated(to: target.width)
    } else if result.width < target.width {
      result = result.extended(to: target.width)
    }
    return target.isSigned ? result.asSigned : result.asUnsigned
  }

  static func operation(_ random: inout SplitMix, pool: [Signal], builder m: ModuleBuilder, step: Int) -> Signal {
    func pick() -> Signal { pool[pool.count - 1 - random.below(min(pool.count, 12))] }
    func pickPair(sameWidth: Bool) -> (Signal, Signal) {
      let a = pick()
      var b = pick()
      b = a.isSigned ? b.asSigned : b.asUnsigned
      if sameWidth { b = coerce(b, to: a, &random) }
      return (a, b)
    }
    func narrow(_ signal: Signal, _ limit: Int) -> Signal {
      signal.width > limit ? signal.truncated(to: limit) : signal
    }
    switch random.below(27) {
    case 0: let (a, b) = pickPair(sameWidth: true); return a & b
    case 1: let (a, b) = pickPair(sameWidth: true); return a | b
    case 2: let (a, b) = pickPair(sameWidth: true); return a ^ b
    case 3: return ~pick()
    case 4: let (a, b) = pickPair(sameWidth: false); return a + b
    case 5: let (a, b) = pickPair(sameWidth: false); return a - b
    case 6: let (a, b) = pickPair(sameWidth: true); return random.below(2) == 0 ? a &+ b : a &- b
    case 7:
      let (a, b) = pickPair(sameWidth: false)
      return narrow(a, 48) * narrow(b, 48)
    case 8: return -pick().asSigned
    case 9: return pick() << random.below(9)
    case 10:
      let a = pick()
      return a.width > 1 ? a >> random.below(a.width) : a
    case 11:
      let a = pick()
      let amount = narrow(pick().asUnsigned, 1 + random.below(8))
      return a.shiftedLeft(by: amount, width: a.width + random.below(20))
    case 12:
      return pick().shiftedRight(by: narrow(pick().asUnsigned, 1 + random.below(8)))
    case 13:
      let (a, b) = pickPair(sameWidth: false)
      switch random.below(6) {
      case 0: return a == b
      case 1: return a != b
      case 2: return a < b
      case 3: return a <= b
      case 4: return a > b
      default: return a >= b
      }
    case 14: return random.below(2) == 0 ? concatenate(pick(), pick()) : concatenate(pick(), pick(), pick())
    case 15:
      let a = pick()
      let low = random.below(a.width)
      return a[low...(low + random.below(a.width - low))]
    case 16: return narrow(pick(), 20).replicated(1 + random.below(4))
    case 17:
      let a = pick()
      switch random.below(3) {
      case 0: return a.andReduced()
      case 1: return a.orReduced()
      default: return a.xorReduced()
      }
    case 18:
      let (a, b) = pickPair(sameWidth: true)
      return mux(pick()[0], a, b)
    case 19: let a = pick(); return a.extended(to: a.width + random.below(40))
    case 20: let a = pick(); return a.truncated(to: 1 + random.below(a.width))
    case 21: return random.below(2) == 0 ? pick().asSigned : pick().asUnsigned
    case 22:
      let index = narrow(pick().asUnsigned, 1 + random.below(5))
      let width = 1 + random.below(12)
      let entries = (0..<(1 + random.below(1 << index.width))).map { _ in random.below(1 << width) }
      return m.lookup("table\(step)", index: index, values: entries, width: width, fallback: random.below(1 << width))
    case 23:
      let selector = narrow(pick().asUnsigned, 1 + random.below(4))
      let model = pick()
      let labels = Array(Set((0..<(1 + random.below(4))).map { _ in random.below(1 << selector.width) })).sorted()
      let cases = labels.map { ($0, coerce(pick(), to: model, &random)) }
      return m.select("case\(step)", on: selector, cases: cases, fallback: model)
    case 24:
      let model = pick()
      let cases = (0..<(1 + random.below(3))).map { _ in (pick()[0], coerce(pick(), to: model, &random)) }
      return m.priority("priority\(step)", cases, fallback: model)
    case 25:
      let a = pick()
      let constant = Signal.constant(
        random.below(1 << min(a.width - (a.isSigned ? 1 : 0), 30)), width: a.width, signed: a.isSigned)
      return random.below(2) == 0 ? a ^ constant : a &+ constant
    default:
      let a = pick()
      return mux(a.orReduced(), a, 0)
    }
  }
}

/// SplitMix64: a tiny seeded generator for test circuits and vectors.
public struct SplitMix: RandomNumberGenerator, Sendable {
  var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in 0..<bound.
  public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// `width` random bits.
  public mutating func bits(_ width: Int) -> BitVector {
    BitVector(width: width, words: (0..<(width + 63) / 64).map { _ in next() })
  }
}
