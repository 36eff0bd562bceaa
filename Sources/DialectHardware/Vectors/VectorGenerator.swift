import BlockDialect
import HDL

/// Writes the golden vectors of every module of a design, from the numerics model.
///
/// - decoder, group select, membership: every input (exhaustive);
/// - block decoder, selectors, block quantizer, block dot product: the directed corner cases
///   and `count` seeded random blocks; the block dot product also gets an accumulation long
///   enough to overflow its accumulator;
/// - MAC lanes: `count` cycles of random operands with clears and idle cycles.
public struct VectorGenerator: Sendable {
  public let design: Design
  /// Random blocks (or cycles) per module.
  public let count: Int
  public let seed: UInt64

  public init(design: Design, count: Int = 100_000, seed: UInt64 = 1) {
    self.design = design
    self.count = count
    self.seed = seed
  }

  var configuration: HardwareConfiguration { design.configuration }
  var format: BlockFormat { configuration.format }
  var book: Formatbook { format.formatbook }

  /// The vectors of every requested module that has a harness.
  public func all() -> [ModuleVectors] {
    design.modules.compactMap(vectors(for:))
  }

  func fields(_ module: GeneratedModule, _ names: [String]) -> [ModuleVectors.Field] {
    names.compactMap { name in module.module.port(name).map { ModuleVectors.Field(port: name, width: $0.width) } }
  }

  /// The vectors of one module, or nil if it has no harness.
  public func vectors(for generated: GeneratedModule) -> ModuleVectors? {
    switch generated.kind {
    case .decoder: return decoder(generated)
    case .blockDecoder: return blockDecoder(generated)
    case .groupSelect: return groupSelect(generated)
    case .membership: return membership(generated)
    case .selector, .mseSelector: return selector(generated)
    case .blockQuantizer: return blockQuantizer(generated)
    case .macLane, .e2m1MACLane, .int4MACLane, .int8MACLane: return lane(generated)
    case .blockDot: return blockDot(generated)
    }
  }

  func decoder(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .combinational, inputs: fields(generated, ["dialect_i", "code_i"]),
      outputs: fields(generated, ["value_o"]))
    let decoder = DecoderGenerator(configuration: configuration)
    vectors.section("every (dialect, code)")
    for dialect in book.dialects.indices {
      for code in 0..<16 {
        let inputs = book.idWidth > 0 ? [dialect, code] : [code]
        vectors.add(inputs, [decoder.expectedValue(dialect: dialect, code: UInt8(code))])
      }
    }
    return vectors
  }

  func blockDecoder(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .combinational, inputs: fields(generated, ["dialect_i", "codes_i"]),
      outputs: fields(generated, ["values_o"]))
    let decoder = DecoderGenerator(configuration: configuration)
    let n = format.blockSize
    func add(_ dialect: Int, _ codes: [Int]) {
      let values = codes.map { decoder.expectedValue(dialect: dialect, code: UInt8($0)) }
      var inputs = [Self.packed(codes, width: 4)]
      if book.idWidth > 0 { inputs.insert(BitVector(UInt64(dialect), width: book.idWidth), at: 0) }
      vectors.add(inputs, [Self.packed(values, width: decoder.valueWidth)])
    }
    vectors.section("every code in every lane, each dialect")
    for dialect in book.dialects.indices {
      for shift in 0..<16 { add(dialect, (0..<n).map { ($0 + shift) % 16 }) }
    }
    vectors.section("random blocks")
    var random = SeededGenerator(seed: seed)
    for _ in 0..<min(count, 20_000) {
      add(Int(random.next() % UInt64(book.dialects.count)), (0..<n).map { _ in Int(random.next() % 16) })
    }
    return vectors
  }

  func groupSelect(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .combinational, inputs: fields(generated, ["maximum_i"]),
      outputs: fields(generated, ["group_o"]))
    vectors.section("every maximum")
    for h in 0...15 { vectors.add([h], [book.groupIndex(forTruncatedMaximum: h)]) }
    return vectors
  }

  func membership(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .combinational, inputs: fields(generated, ["group_i", "view_i"]),
      outputs: fields(generated, ["members_o"]))
    let largest = book.groups.map(\.members.count).max()!
    vectors.section("every (group, q)")
    for (index, group) in book.groups.enumerated() {
      for q in 0..<32 {
        var bits = 0
        for (position, member) in group.members.enumerated() where group.members.count > 1 {
          if (book.beneficialRanges[member] >> UInt32(q)) & 1 == 1 { bits |= 1 << position }
        }
        precondition(bits < 1 << largest)
        vectors.add([index, q], [bits])
      }
    }
    return vectors
  }

  func selector(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .combinational, inputs: fields(generated, ["views_i"]),
      outputs: fields(generated, ["dialect_o"]))
    let mse = generated.kind == .mseSelector
    vectors.section("edge cases, then random views")
    for views in Stimuli.viewBlocks(count, size: format.blockSize, seed: seed &+ 2) {
      let dialect = mse ? book.meanSquareDialect(views: views) : book.twoStageDialect(views: views)
      vectors.add([Self.packed(views, width: 5)], [BitVector(UInt64(dialect), width: book.idWidth)])
    }
    return vectors
  }

  func blockQuantizer(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .stream, inputs: fields(generated, ["elements_i"]),
      outputs: fields(generated, ["exponent_o", "dialect_o", "codes_o", "nonfinite_o"]))
    let generator = BlockQuantizerGenerator(configuration: configuration)
    let input = configuration.input
    let n = format.blockSize
    func add(_ block: [UInt16]) {
      let (packed, outcome) = generator.expected(elements: block)
      var outputs = [
        BitVector(UInt64(outcome.exponentField), width: format.exponentWidth),
        Self.packed(packed.rawCodes.map(Int.init), width: 4), BitVector(outcome.nonfinite ? 1 : 0, width: 1),
      ]
      if book.idWidth > 0 { outputs.insert(BitVector(UInt64(outcome.dialect), width: book.idWidth), at: 1) }
      vectors.add([Self.packed(block.map(Int.init), width: 16)], outputs)
    }
    vectors.section("edge cases")
    Stimuli.edgeElementBlocks(size: n, input: input).forEach(add)
    vectors.section("random blocks")
    Stimuli.randomElementBlocks(count, size: n, input: input, seed: seed &+ 3).forEach(add)
    return vectors
  }

  func lane(_ generated: GeneratedModule) -> ModuleVectors {
    let integerBits = generated.kind == .int4MACLane ? 4 : (generated.kind == .int8MACLane ? 8 : nil)
    let laneBook: Formatbook = generated.kind == .e2m1MACLane ? .e2m1 : book
    let names =
      integerBits != nil
      ? ["valid_i", "clear_i", "w_i", "a_i"]
      : ["valid_i", "clear_i", "w_dialect_i", "w_code_i", "a_dialect_i", "a_code_i"]
    var vectors = ModuleVectors(
      module: generated, mode: .cycle, inputs: fields(generated, names), outputs: fields(generated, ["sum_o"]))
    let width = configuration.laneAccumulatorWidth
    var random = SeededGenerator(seed: seed &+ 4)
    var sum = 0
    vectors.section("random operands, clears and idle cycles")
    for step in 0..<count {
      let valid = random.next() % 5 != 0
      let clear = step == 0 || random.next() % 40 == 0
      var inputs = [valid ? 1 : 0, clear ? 1 : 0]
      let product: Int
      if let bits = integerBits {
        let range = 1 << bits
        let (w, a) = (Int(random.next() % UInt64(range)) - range / 2, Int(random.next() % UInt64(range)) - range / 2)
        inputs += [w, a]
        product = w * a
      } else {
        let count = UInt64(laneBook.dialects.count)
        let w = (Int(random.next() % count), UInt8(random.next() % 16))
        let a = (Int(random.next() % count), UInt8(random.next() % 16))
        inputs += laneBook.idWidth > 0 ? [w.0, Int(w.1), a.0, Int(a.1)] : [Int(w.1), Int(a.1)]
        product = MACLaneGenerator.expectedProduct(book: laneBook, weight: w, activation: a)
      }
      if valid { sum = clear ? product : sum + product }
      // The lane accumulator wraps at its width.
      let modulus = 1 << width
      sum = ((sum % modulus) + modulus) % modulus
      if sum >= modulus / 2 { sum -= modulus }
      vectors.add(inputs, [sum])
    }
    return vectors
  }

  func blockDot(_ generated: GeneratedModule) -> ModuleVectors {
    var vectors = ModuleVectors(
      module: generated, mode: .stream,
      inputs: fields(
        generated,
        ["first_i", "last_i", "w_exponent_i", "w_dialect_i", "w_codes_i", "a_exponent_i", "a_dialect_i", "a_codes_i"]),
      outputs: fields(generated, ["last_o", "product_o", "exponent_sum_o", "sum_o", "overflow_o", "fp32_o"]))
    let width = configuration.accumulatorWidth
    var accumulator = BlockAccumulator(format: format, width: width)
    func add(_ step: Stimuli.DotStep) {
      let product = format.product(weight: step.weight, activation: step.activation)
      if step.first { accumulator.reset() }
      accumulator.add(product)
      var inputs = [
        BitVector(step.first ? 1 : 0, width: 1), BitVector(step.last ? 1 : 0, width: 1),
        BitVector(UInt64(step.weight.exponentField), width: format.exponentWidth),
        Self.packed(step.weight.rawCodes.map(Int.init), width: 4),
        BitVector(UInt64(step.activation.exponentField), width: format.exponentWidth),
        Self.packed(step.activation.rawCodes.map(Int.init), width: 4),
      ]
      if book.idWidth > 0 {
        inputs.insert(BitVector(UInt64(step.weight.dialect), width: book.idWidth), at: 3)
        inputs.insert(BitVector(UInt64(step.activation.dialect), width: book.idWidth), at: 6)
      }
      vectors.add(
        inputs,
        [
          BitVector(step.last ? 1 : 0, width: 1), BitVector(signed: product.sum, width: format.blockProductWidth),
          BitVector(UInt64(product.exponentSum), width: format.exponentWidth + 1),
          BitVector(width: width, words: accumulator.value.twosComplementWords(width: width)),
          BitVector(accumulator.overflow ? 1 : 0, width: 1),
          BitVector(UInt64(accumulator.float32.bitPattern), width: 32),
        ])
    }
    vectors.section("random accumulations")
    Stimuli.dotSteps(count, format: format, seed: seed &+ 5).forEach(add)
    vectors.section("random accumulations with large exponents")
    Stimuli.dotSteps(count / 10, format: format, seed: seed &+ 6, largeExponents: true).forEach(add)
    // Accumulations of the largest block value, long enough to overflow (capped at 2^17).
    let perBlock = BigInteger(format.largestBlockProduct).shiftedLeft(2 * format.maximumExponentField)
    var blocks = 1
    var total = perBlock
    while total < BigInteger.powerOfTwo(width - 1), blocks < 1 << 17 {
      total = total + perBlock
      blocks += 1
    }
    for negative in [false, true] {
      vectors.section("\(blocks) largest \(negative ? "negative" : "positive") blocks: accumulator overflow")
      Stimuli.overflowingAccumulation(blocks + 2, format: format, negative: negative).forEach(add)
    }
    return vectors
  }

  /// Lane values packed, lane 0 in the lowest bits.
  static func packed(_ values: [Int], width: Int) -> BitVector {
    var words = [UInt64](repeating: 0, count: (values.count * width + 63) / 64)
    let mask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
    for (lane, value) in values.enumerated() {
      ModuleVectors.place(
        BitVector(UInt64(bitPattern: Int64(value)) & mask, width: min(width, 64)), at: lane * width, into: &words)
    }
    return BitVector(width: values.count * width, words: words)
  }
}
