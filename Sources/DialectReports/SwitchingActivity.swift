import DialectHardware
import HDL

/// The switching activity of one input bit, as OpenSTA's `set_power_activity` takes it.
public struct BitActivity: Sendable, Equatable {
  /// The port.
  public let port: String
  /// The bit of a bus port, or nil for a one-bit port.
  public let bit: Int?
  /// Transitions per clock cycle (0 to 1: a bit can change at most once per cycle).
  public let toggleRate: Double
  /// The fraction of cycles the bit is 1.
  public let duty: Double

  public init(port: String, bit: Int?, toggleRate: Double, duty: Double) {
    self.port = port
    self.bit = bit
    self.toggleRate = toggleRate
    self.duty = duty
  }

  /// The bit as OpenSTA names it: `port` or `port[bit]`.
  public var name: String { bit.map { "\(port)[\($0)]" } ?? port }
}

/// Per-bit toggle rates and duties of a module's inputs, measured from its golden vectors.
///
/// The vectors are replayed one per clock cycle (a streaming module never stalls, a lane is
/// fed every cycle its vectors say). When the vectors have sections named "real-looking ..."
/// (operands drawn from LLM-like data rather than uniform random codes), only those are
/// measured; otherwise all of them are.
public enum SwitchingActivity {
  /// The prefix of the vector sections that hold real-looking data.
  public static let sectionPrefix = "real-looking"

  /// The vectors measured: the real-looking sections, or all of them.
  public static func measuredRange(of vectors: ModuleVectors) -> Range<Int> {
    let sections = vectors.sections
    guard let index = sections.firstIndex(where: { $0.name.hasPrefix(sectionPrefix) }) else {
      return 0..<vectors.count
    }
    // From the first real-looking section to the end of the last consecutive one.
    var end = index + 1
    while end < sections.count, sections[end].name.hasPrefix(sectionPrefix) { end += 1 }
    let upper = end < sections.count ? sections[end].start : vectors.count
    return sections[index].start..<upper
  }

  /// The activity of every bit of every input field of `vectors`, over `measuredRange`.
  /// A single vector toggles nothing.
  public static func measure(_ vectors: ModuleVectors) -> [BitActivity] {
    let range = measuredRange(of: vectors)
    return vectors.inputs.enumerated().flatMap { index, field in
      measure(port: field.port, width: field.width, values: range.map { vectors.stimulus[$0][index] })
    }
  }

  /// The activity of each bit of a `width`-bit port that takes `values` on successive cycles.
  public static func measure(port: String, width: Int, values: [BitVector]) -> [BitActivity] {
    (0..<width).map { bit in
      var ones = 0
      var toggles = 0
      var previous: Bool?
      for value in values {
        let current = value[bit: bit]
        if current { ones += 1 }
        if let previous, previous != current { toggles += 1 }
        previous = current
      }
      let cycles = values.count
      return BitActivity(
        port: port, bit: width == 1 ? nil : bit,
        toggleRate: cycles > 1 ? Double(toggles) / Double(cycles - 1) : 0,
        duty: cycles > 0 ? Double(ones) / Double(cycles) : 0)
    }
  }
}
