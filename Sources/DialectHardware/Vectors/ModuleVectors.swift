import BlockDialect
import HDL

/// What a module's testbench replays: the files of its golden vectors, and how many there are.
public protocol TestbenchData: Sendable {
  /// The module the data is for.
  var module: GeneratedModule { get }
  /// Vectors (or stream items) in all.
  var count: Int { get }
  /// How the harness applies them (for testbenches.mk).
  var modeName: String { get }
  /// The files, by name relative to the module's directory; `directory` is that directory as
  /// the simulator sees it (for the paths in the header).
  func files(directory: String) -> [(name: String, contents: String)]
}

/// Golden vectors for one module: inputs and expected outputs from the numerics model, one
/// vector per line of hex that `$readmemh` reads, and a header for the testbench harness.
public struct ModuleVectors: TestbenchData {
  /// How the harness applies vectors.
  public enum Mode: String, Sendable {
    /// Apply, let the logic settle, compare.
    case combinational
    /// Apply, clock edge, compare the state (MAC lanes): one vector per cycle.
    case cycle
    /// Valid/ready streaming: offer vectors in order with random stalls, compare outputs in
    /// order as they leave.
    case stream
  }

  /// A port's slice of a vector line.
  public struct Field: Sendable {
    public let port: String
    public let width: Int
  }

  /// The module the vectors are for.
  public let module: GeneratedModule
  public let mode: Mode
  /// The input fields of a stimulus line, most significant first.
  public let inputs: [Field]
  /// The output fields of an expected line, most significant first.
  public let outputs: [Field]
  /// Per vector, one value per input field.
  public private(set) var stimulus: [[BitVector]] = []
  /// Per vector, one value per output field.
  public private(set) var expected: [[BitVector]] = []
  /// Where each kind of vector starts: (description, first index).
  public private(set) var sections: [(name: String, start: Int)] = []

  init(module: GeneratedModule, mode: Mode, inputs: [Field], outputs: [Field]) {
    self.module = module
    self.mode = mode
    self.inputs = inputs
    self.outputs = outputs
  }

  /// Starts a named section (directed cases, random blocks, ...).
  mutating func section(_ name: String) { sections.append((name, stimulus.count)) }

  /// Adds a vector from integer field values (two's complement for negatives).
  mutating func add(_ inputValues: [Int], _ outputValues: [Int]) {
    add(
      zip(inputs, inputValues).map { BitVector(signed: $1, width: $0.width) },
      zip(outputs, outputValues).map { BitVector(signed: $1, width: $0.width) })
  }

  /// Adds a vector.
  mutating func add(_ inputValues: [BitVector], _ outputValues: [BitVector]) {
    precondition(inputValues.count == inputs.count && outputValues.count == outputs.count)
    stimulus.append(inputValues)
    expected.append(outputValues)
  }

  public var count: Int { stimulus.count }
  public var stimulusWidth: Int { inputs.map(\.width).reduce(0, +) }
  public var expectedWidth: Int { outputs.map(\.width).reduce(0, +) }

  static func hexLines(_ rows: [[BitVector]], width: Int) -> String {
    var text = ""
    text.reserveCapacity(rows.count * (width / 4 + 2))
    var words = [UInt64](repeating: 0, count: (width + 63) / 64)
    for row in rows {
      for i in words.indices { words[i] = 0 }
      var position = width
      for value in row {
        position -= value.width
        place(value, at: position, into: &words)
      }
      text += BitVector(width: width, words: words).hexDigits
      text += "\n"
    }
    return text
  }

  /// ORs `value` into `words` with its lowest bit at `position`.
  static func place(_ value: BitVector, at position: Int, into words: inout [UInt64]) {
    let shift = position % 64
    for (index, word) in value.words.enumerated() where word != 0 {
      let target = position / 64 + index
      words[target] |= word << UInt64(shift)
      if shift != 0, target + 1 < words.count { words[target + 1] |= word >> UInt64(64 - shift) }
    }
  }

  public var modeName: String { mode.rawValue }

  /// `config.vh`, `stimulus.hex` and `expected.hex`.
  public func files(directory: String) -> [(name: String, contents: String)] {
    [("config.vh", header(directory: directory)), ("stimulus.hex", stimulusText), ("expected.hex", expectedText)]
  }

  /// The stimulus file.
  public var stimulusText: String { Self.hexLines(stimulus, width: stimulusWidth) }
  /// The expected file.
  public var expectedText: String { Self.hexLines(expected, width: expectedWidth) }

  /// The header the harness includes: counts, widths, protocol, file names (relative to
  /// where the simulator runs).
  public func header(directory: String) -> String {
    let name = module.module.name
    var lines = [
      "// Golden vectors for \(name), written by dialectgen \(dialectgenVersion); do not edit.",
      "`define DUT \(name)",
      "`define DUT_NAME \"\(name)\"",
      "`define VECTOR_COUNT \(count)",
      "`define STIMULUS_BITS \(stimulusWidth)",
      "`define EXPECTED_BITS \(expectedWidth)",
      "`define STIMULUS_FILE \"\(directory)/stimulus.hex\"",
      "`define EXPECTED_FILE \"\(directory)/expected.hex\"",
      "`define LATENCY \(module.latency)",
    ]
    if module.module.hasClock { lines.append("`define HAS_CLOCK") }
    if module.module.port("rst_ni") != nil { lines.append("`define HAS_RESET") }
    // Each field's width and the position of its lowest bit in its line.
    for fields in [inputs, outputs] {
      var position = fields.map(\.width).reduce(0, +)
      for field in fields {
        position -= field.width
        let port = field.port.uppercased()
        lines += ["`define HAS_\(port)", "`define WIDTH_\(port) \(field.width)", "`define OFFSET_\(port) \(position)"]
      }
    }
    for (section, start) in sections { lines.append("// vectors from \(start): \(section)") }
    return lines.joined(separator: "\n") + "\n"
  }
}
