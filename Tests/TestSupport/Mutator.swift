import Foundation

/// A small seeded generator (SplitMix64) for the fuzzers: the same seed gives the same cases
/// on every machine.
public struct FuzzRandom: RandomNumberGenerator {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in `0..<bound` (`bound` > 0).
  public mutating func below(_ bound: Int) -> Int { Int(next().multipliedFullWidth(by: UInt64(bound)).high) }

  /// True with probability `numerator / denominator`.
  public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool { below(denominator) < numerator }

  /// One of `choices`.
  public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

/// Mutations of a file's bytes for the fuzzers: bit flips, interesting bytes, insertions,
/// deletions, duplicated and spliced ranges, truncation, and numbers in the text replaced with
/// hostile ones.
public enum Mutator {
  /// Byte values that often sit on a boundary.
  static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x0A, 0x1B, 0x22, 0x5C, 0x2C, 0x7B, 0x7D]
  /// Numbers that often sit on a boundary, as text.
  public static let interestingNumbers = [
    "0", "1", "-1", "2.0", "3.2e1", "1e3", "-0", "0.5", "255", "256", "65535", "4294967296",
    "9223372036854775807", "9223372036854775808", "18446744073709551616", "4611686018427387904",
    "2147483648", String(repeating: "9", count: 400), "1e999", "1E-5",
  ]

  /// `bytes` after one to four random mutations; `corpus` supplies spliced ranges.
  public static func mutate(_ bytes: [UInt8], random: inout FuzzRandom, corpus: [[UInt8]]) -> [UInt8] {
    var out = bytes
    for _ in 0...random.below(4) { mutateOnce(&out, random: &random, corpus: corpus) }
    return out
  }

  static func mutateOnce(_ out: inout [UInt8], random: inout FuzzRandom, corpus: [[UInt8]]) {
    let operation = random.below(9)
    if out.isEmpty {
      out = Array((corpus.randomElement(using: &random) ?? [1]).prefix(64))
      return
    }
    switch operation {
    case 0:  // flip a bit
      out[random.below(out.count)] ^= 1 << UInt8(random.below(8))
    case 1:  // set an interesting byte
      out[random.below(out.count)] = random.pick(interestingBytes)
    case 2:  // insert a few random or interesting bytes
      let count = 1 + random.below(8)
      let inserted = (0..<count).map { _ in
        random.chance(1, in: 2) ? UInt8(truncatingIfNeeded: random.next()) : random.pick(interestingBytes)
      }
      out.insert(contentsOf: inserted, at: random.below(out.count + 1))
    case 3:  // delete a range
      let start = random.below(out.count)
      out.removeSubrange(start..<min(out.count, start + 1 + random.below(16)))
    case 4:  // duplicate a range in place
      let start = random.below(out.count)
      let range = start..<min(out.count, start + 1 + random.below(32))
      out.insert(contentsOf: out[range], at: random.below(out.count + 1))
    case 5:  // splice in a range of another file
      guard let other = corpus.randomElement(using: &random), !other.isEmpty else { return }
      let start = random.below(other.count)
      let range = start..<min(other.count, start + 1 + random.below(64))
      let at = random.below(out.count)
      out.replaceSubrange(at..<min(out.count, at + range.count), with: other[range])
    case 6:  // truncate
      out.removeSubrange(random.below(out.count)...)
    case 7:  // replace a run of digits with a hostile number
      let digits = out.indices.filter { (0x30...0x39).contains(out[$0]) }
      guard let first = digits.randomElement(using: &random) else { return }
      var end = first
      while end < out.count, (0x30...0x39).contains(out[end]) || out[end] == UInt8(ascii: ".") { end += 1 }
      out.replaceSubrange(first..<end, with: Array(random.pick(interestingNumbers).utf8))
    default:  // overwrite a little-endian word with a boundary value
      let width = random.pick([2, 4, 8])
      guard out.count >= width else { return }
      let at = random.below(out.count - width + 1)
      let value: UInt64 = random.pick([
        0, 1, UInt64.max, UInt64(Int64.max), 1 << 62, 0x8000_0000, 0x7FFF_FFFF, 100_000_001,
      ])
      for k in 0..<width { out[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }
  }
}

/// How many cases a fuzzer runs: `DIALECTGEN_FUZZ_CASES` (make fuzz sets it), or `default`
/// (a few seconds' worth in `swift test`); and the seed, `DIALECTGEN_FUZZ_SEED` or 1.
public enum FuzzSettings {
  public static func cases(default count: Int, scale: Double = 1) -> Int {
    guard let text = ProcessInfo.processInfo.environment["DIALECTGEN_FUZZ_CASES"], let total = Int(text) else {
      return count
    }
    return max(1, Int(Double(total) * scale))
  }

  public static var seed: UInt64 {
    ProcessInfo.processInfo.environment["DIALECTGEN_FUZZ_SEED"].flatMap { UInt64($0) } ?? 1
  }
}
