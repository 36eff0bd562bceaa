import Foundation
import Testing

@testable import BlockDialect

/// 2^k as a Double (exact for every k used here).
func power2(_ k: Int) -> Double { pow(2.0, Double(k)) }

/// A safetensors file assembled by hand: 8-byte little-endian header length, the header text
/// as given (no padding unless asked), then `data`.
func handMadeSafetensors(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
  let headerBytes = Array(header.utf8)
  let length = declaredLength ?? UInt64(headerBytes.count)
  return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
}

/// Little-endian bytes of 16-bit words (F16 and BF16 tensors).
func littleEndianHalfWords(_ words: [UInt16]) -> [UInt8] {
  words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
}

/// A random-block sampler for the brute-force comparisons: many distributions, scales from
/// Float subnormals to 2^60, short blocks, zeros, repeated values, exact quarter-unit grids and
/// FP16- and BF16-derived inputs.
struct BlockSampler {
  var rng: SeededGenerator

  init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

  mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

  /// A random power-of-two exponent in `range`.
  mutating func scale(_ range: ClosedRange<Int> = -150...60) -> Double { power2(int(range)) }

  /// One block of `count` elements and the element format they come from.
  mutating func block(count: Int) -> (values: [Float], input: ElementFormat) {
    let kind = int(0...11)
    let s = scale()
    func fill(_ sample: (inout SeededGenerator) -> Double) -> [Float] {
      (0..<count).map { _ in Float(sample(&rng) * s) }
    }
    switch kind {
    case 0: return (fill { $0.normal() }, .float32)
    case 1: return (fill { $0.laplace() }, .float32)
    case 2:
      // Cauchy: very heavy tails, so one element dominates the block.
      return (fill { tan(Double.pi * ($0.openUnit() - 0.5)) }, .float32)
    case 3: return (fill { $0.studentT(degrees: 3) }, .float32)
    case 4:
      // Exact quarter-unit grid at a power-of-two scale: many exact element and cost ties.
      let gridScale = power2(int(-30...30))
      return ((0..<count).map { _ in Float(Double(int(-32...32)) / 4 * gridScale) }, .float32)
    case 5:
      // Half-unit grid (the magnitudes themselves) with a few quarter-unit midpoints.
      let gridScale = power2(int(-10...10))
      return ((0..<count).map { _ in Float(Double(int(-16...16)) / 2 * gridScale) }, .float32)
    case 6:
      // Sparse: mostly zeros (including negative zeros).
      return (
        (0..<count).map { _ in
          let r = int(0...9)
          return r < 6 ? (r < 3 ? 0 : -0.0) : Float(rng.normal() * s)
        }, .float32
      )
    case 7:
      // A few repeated values.
      let choices = (0..<3).map { _ in Float(rng.normal() * s) }
      return ((0..<count).map { _ in choices[int(0...2)] }, .float32)
    case 8:
      // FP16 inputs, subnormals included: random finite bit patterns near one exponent.
      let center = int(0...30)
      return (
        (0..<count).map { _ in
          let exponent = UInt16(max(0, min(30, center - int(0...6))))
          let bits = UInt16(int(0...1)) << 15 | exponent << 10 | UInt16(int(0...1023))
          return Float(Float16(bitPattern: bits))
        }, .float16
      )
    case 9:
      // BF16 inputs.
      return (
        (0..<count).map { _ in
          let value = Float(rng.normal() * s)
          return Float(bitPattern: value.bitPattern & 0xFFFF_0000)
        }, .bfloat16
      )
    case 10:
      // Float subnormals and tiny normals.
      return (
        (0..<count).map { _ in Float(bitPattern: UInt32(int(0...0x0100_0000))) * (int(0...1) == 0 ? 1 : -1) }, .float32
      )
    default:
      // Uniform magnitudes.
      return (fill { $0.unit() * 2 - 1 }, .float32)
    }
  }

  /// A random valid formatbook: 2 to 6 groups of 1 to 3 dialects with distinct maxima, each
  /// dialect's inner magnitudes drawn at random, in a random order of ids.
  mutating func book(name: String) -> Formatbook {
    var maxima = Set<Int>()
    let groupCount = int(2...6)
    while maxima.count < groupCount { maxima.insert(int(7...15)) }
    var dialects: [Dialect] = []
    for maximum in maxima.sorted() {
      for _ in 0..<int(1...3) {
        var inner = Set<Int>()
        while inner.count < 6 { inner.insert(int(1...(maximum - 1))) }
        dialects.append(Dialect([0] + inner.sorted() + [maximum]))
      }
    }
    dialects.shuffle(using: &rng)
    return try! Formatbook(name: name, ties: int(0...1) == 0 ? .up : .even, dialects: dialects)
  }
}
