import BlockDialect
import HDL

@testable import DialectHardware

/// Packs lane values (each `width` bits, two's complement for negatives), lane 0 lowest.
func pack(_ values: [Int], width: Int) -> BitVector {
  var words = [UInt64](repeating: 0, count: (values.count * width + 63) / 64)
  for (lane, value) in values.enumerated() {
    let bits = BitVector(signed: value, width: width)
    for bit in 0..<width where bits[bit: bit] {
      let position = lane * width + bit
      words[position / 64] |= UInt64(1) << UInt64(position % 64)
    }
  }
  return BitVector(width: values.count * width, words: words)
}

/// Unpacks `count` lanes of `width` bits, lane 0 lowest; signed lanes are sign-extended.
func unpack(_ bits: BitVector, count: Int, width: Int, signed: Bool = false) -> [Int] {
  (0..<count).map { lane in
    let part = bits.bits(from: lane * width, count: width)
    return signed ? part.signedValue! : part.unsignedValue!
  }
}

/// A random valid book with `count` dialects. With `sharedMaxima`, dialects come in groups
/// sharing their largest magnitude (so stage 2 has work to do).
func randomBook(count: Int, seed: UInt64, ties: TieRule = .up, sharedMaxima: Bool = true) -> Formatbook {
  var random = SeededGenerator(seed: seed)
  var dialects: [Dialect] = []
  var maximum = 8 + Int(random.next() % 8)
  for index in 0..<count {
    if !sharedMaxima || index == 0 || random.next() % 3 == 0 { maximum = 7 + Int(random.next() % 9) }
    var values = Set<Int>()
    while values.count < 6 { values.insert(1 + Int(random.next() % UInt64(maximum - 1))) }
    dialects.append(Dialect([0] + values.sorted() + [maximum]))
  }
  return try! Formatbook(name: "random\(seed)", ties: ties, dialects: dialects)
}

/// A configuration for `book` with every applicable module.
func configuration(
  book: Formatbook = .dialectFP4, blockSize: Int = 32, exponentWidth: Int = 5, exponentBias: Int? = nil,
  input: ElementFormat = .float16, depth: Int = 0, accumulatorWidth: Int? = nil,
  style: DatapathStyle = .structured
) -> HardwareConfiguration {
  let format = try! BlockFormat(
    blockSize: blockSize, exponentWidth: exponentWidth, exponentBias: exponentBias, formatbook: book)
  var result = HardwareConfiguration(format: format, input: input, accumulatorWidth: accumulatorWidth)
  result.datapathStyle = style
  // The depth applies to every pipelined module, up to each one's own maximum.
  result.pipelineDepths = Dictionary(
    uniqueKeysWithValues: result.pipelinedKinds.map { ($0, min(depth, result.maximumDepth(of: $0))) })
  return result
}

/// Streams `items` through a valid/ready module and collects `outputs` for every item that
/// leaves it. With `stalls`, `valid_i` drops and `ready_i` holds back on random cycles.
func stream(
  _ simulator: Simulator, items: [[String: BitVector]], outputs: [String], stalls: Bool, seed: UInt64 = 5
) -> [[String: BitVector]] {
  var random = SeededGenerator(seed: seed)
  var results: [[String: BitVector]] = []
  var next = 0
  var cycles = 0
  simulator.reset()
  while results.count < items.count && cycles < 10 * items.count + 100 {
    cycles += 1
    let offer = next < items.count && (!stalls || random.next() % 4 != 0)
    if next < items.count { for (name, value) in items[next] { simulator.set(name, value) } }
    simulator.set("valid_i", offer ? 1 : 0)
    let ready = !stalls || random.next() % 3 != 0
    simulator.set("ready_i", ready ? 1 : 0)
    simulator.evaluate()
    if ready && simulator.value("valid_o") == 1 {
      results.append(Dictionary(uniqueKeysWithValues: outputs.map { ($0, simulator.get($0)) }))
    }
    if offer && simulator.value("ready_o") == 1 { next += 1 }
    simulator.tick()
  }
  return results
}
