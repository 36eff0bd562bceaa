import Foundation
import HDL

/// A Boolean function of a liberty cell pin (`function : "!(A1 & A2)"`), parsed once and
/// evaluated on 64 independent simulations at a time (one per bit of a word).
indirect enum CellFunction: Sendable, Equatable {
  case constant(Bool)
  case pin(String)
  case not(CellFunction)
  case and(CellFunction, CellFunction)
  case or(CellFunction, CellFunction)
  case xor(CellFunction, CellFunction)

  /// Parses liberty's function syntax: `!` or a trailing `'` for not, `&`, `*` or a blank for
  /// and, `|` or `+` for or, `^` for xor, parentheses, `0` and `1`.
  init(parsing text: String) throws {
    var parser = Parser(characters: Array(text), position: 0)
    self = try parser.or()
    parser.skipBlanks()
    guard parser.position == parser.characters.count else {
      throw FlowError(description: "liberty: cannot read the function \"\(text)\"")
    }
  }

  struct Parser {
    let characters: [Character]
    var position: Int

    mutating func skipBlanks() {
      while position < characters.count, characters[position] == " " { position += 1 }
    }

    func peek() -> Character? { position < characters.count ? characters[position] : nil }

    mutating func or() throws -> CellFunction {
      var value = try xor()
      skipBlanks()
      while let c = peek(), c == "|" || c == "+" {
        position += 1
        value = .or(value, try xor())
        skipBlanks()
      }
      return value
    }

    mutating func xor() throws -> CellFunction {
      var value = try and()
      skipBlanks()
      while peek() == "^" {
        position += 1
        value = .xor(value, try and())
        skipBlanks()
      }
      return value
    }

    mutating func and() throws -> CellFunction {
      var value = try unary()
      while true {
        skipBlanks()
        guard let c = peek() else { return value }
        if c == "&" || c == "*" {
          position += 1
        } else if !(c == "!" || c == "(" || c.isLetter || c.isNumber || c == "_") {
          return value
        }
        value = .and(value, try unary())
      }
    }

    mutating func unary() throws -> CellFunction {
      skipBlanks()
      guard let c = peek() else { throw FlowError(description: "liberty: a function ends too early") }
      var value: CellFunction
      if c == "!" {
        position += 1
        value = .not(try unary())
      } else if c == "(" {
        position += 1
        value = try or()
        skipBlanks()
        guard peek() == ")" else { throw FlowError(description: "liberty: a function misses a ')'") }
        position += 1
      } else if c.isLetter || c == "_" || c.isNumber {
        var name = ""
        while let d = peek(), d.isLetter || d.isNumber || d == "_" {
          name.append(d)
          position += 1
        }
        value = name == "0" ? .constant(false) : name == "1" ? .constant(true) : .pin(name)
      } else {
        throw FlowError(description: "liberty: unexpected '\(c)' in a function")
      }
      while peek() == "'" {
        position += 1
        value = .not(value)
      }
      return value
    }
  }

  /// The function with its pins replaced by slots (`slot(name)`; nil: an unknown pin, 0).
  func compiled(_ slot: (String) -> Int?) -> SlotFunction {
    switch self {
    case .constant(let value): return .constant(value ? ~0 : 0)
    case .pin(let name): return slot(name).map { .slot($0) } ?? .constant(0)
    case .not(let a): return .not(a.compiled(slot))
    case .and(let a, let b): return .and(a.compiled(slot), b.compiled(slot))
    case .or(let a, let b): return .or(a.compiled(slot), b.compiled(slot))
    case .xor(let a, let b): return .xor(a.compiled(slot), b.compiled(slot))
    }
  }
}

/// A ``CellFunction`` whose pins are slots of an array of words.
indirect enum SlotFunction: Sendable {
  case constant(UInt64)
  case slot(Int)
  case not(SlotFunction)
  case and(SlotFunction, SlotFunction)
  case or(SlotFunction, SlotFunction)
  case xor(SlotFunction, SlotFunction)

  /// The value on 64 simulations, given each slot's word.
  func evaluate(_ slots: [UInt64]) -> UInt64 {
    switch self {
    case .constant(let value): return value
    case .slot(let index): return slots[index]
    case .not(let a): return ~a.evaluate(slots)
    case .and(let a, let b): return a.evaluate(slots) & b.evaluate(slots)
    case .or(let a, let b): return a.evaluate(slots) | b.evaluate(slots)
    case .xor(let a, let b): return a.evaluate(slots) ^ b.evaluate(slots)
    }
  }
}

/// The logic of a liberty cell: its output pins' functions and, for a flip-flop, its state.
struct CellLogic: Sendable {
  /// Output pin and its function (of input pins and the state variables).
  var outputs: [(pin: String, function: CellFunction)]
  /// A flip-flop's state variable, its complement's name and its next state.
  var state: (name: String, complement: String, next: CellFunction)?
}

/// A zero-delay simulation of a mapped netlist (Yosys's JSON) on a module's input vectors,
/// counting each net's transitions and ones: the switching activity of every cell output, as
/// OpenSTA's `set_power_activity -pins` takes it. Flip-flops load their next state on every
/// clock edge and start at 0 (the reset).
///
/// The vectors are cut into up to 64 consecutive segments simulated at once, one per bit of a
/// 64-bit word; each segment starts from reset, and transitions are counted within segments.
struct GateSimulation {
  struct Cell {
    let name: String
    let logic: CellLogic
    /// Input pin to net.
    let inputs: [String: Int]
    /// Output pin to net.
    let outputs: [String: Int]
    /// The nets of the slots the compiled functions read: the input pins in order; for a
    /// flip-flop the state and its complement follow.
    let slotNets: [Int]
    /// Each driven output: its net and its function of the slots.
    let driven: [(net: Int, function: SlotFunction)]
    /// A flip-flop's next state, of the slots.
    let next: SlotFunction?

    init(name: String, logic: CellLogic, inputs: [String: Int], outputs: [String: Int]) {
      self.name = name
      self.logic = logic
      self.inputs = inputs
      self.outputs = outputs
      let pins = inputs.keys.sorted()
      slotNets = pins.map { inputs[$0]! }
      var slots = Dictionary(uniqueKeysWithValues: pins.enumerated().map { ($0.element, $0.offset) })
      if let state = logic.state {
        slots[state.name] = pins.count
        slots[state.complement] = pins.count + 1
      }
      driven = logic.outputs.compactMap { pin, function in
        outputs[pin].map { ($0, function.compiled { slots[$0] }) }
      }
      next = logic.state.map { state in state.next.compiled { slots[$0] } }
    }
  }

  let cells: [Cell]
  /// Input port bits: (port, bit, net).
  let inputBits: [(port: String, bit: Int, net: Int)]
  let netCount: Int
  /// Nets 0 and 1 hold the constants.
  static let zeroNet = 0
  static let oneNet = 1

  /// Reads the module `top` from Yosys's `write_json` output, with each cell type's logic.
  init(json: Data, top: String, logic: [String: CellLogic]) throws {
    let module = try YosysJSON.module(top, in: json)
    var largest = 1
    func net(_ value: Any) -> Int {
      if let number = value as? Int {
        largest = max(largest, number)
        return number
      }
      return (value as? String) == "1" ? Self.oneNet : Self.zeroNet
    }
    var inputBits: [(String, Int, Int)] = []
    for (name, value) in (module["ports"] as? [String: Any]) ?? [:] {
      guard let port = value as? [String: Any], port["direction"] as? String == "input",
        let bits = port["bits"] as? [Any]
      else { continue }
      for (index, bit) in bits.enumerated() { inputBits.append((name, index, net(bit))) }
    }
    var cells: [Cell] = []
    for (name, value) in (module["cells"] as? [String: Any]) ?? [:] {
      guard let cell = value as? [String: Any], let type = cell["type"] as? String,
        let connections = cell["connections"] as? [String: [Any]]
      else { continue }
      guard let cellLogic = logic[type] else {
        throw FlowError(description: "liberty: the netlist of \(top) uses cell \(type), which has no function")
      }
      // A library cell's pins are outputs when the library gives them a function.
      let outputPins = Set(cellLogic.outputs.map(\.pin))
      var inputs: [String: Int] = [:]
      var outputs: [String: Int] = [:]
      for (pin, bits) in connections {
        guard let bit = bits.first else { continue }
        if outputPins.contains(pin) { outputs[pin] = net(bit) } else { inputs[pin] = net(bit) }
      }
      cells.append(Cell(name: name, logic: cellLogic, inputs: inputs, outputs: outputs))
    }
    self.inputBits = inputBits
    netCount = largest + 1
    self.cells = try Self.ordered(cells, top: top)
  }

  /// The cells in evaluation order: flip-flops first (their outputs are the state), then every
  /// combinational cell after the cells driving its inputs.
  static func ordered(_ cells: [Cell], top: String) throws -> [Cell] {
    var driver: [Int: Int] = [:]
    for (index, cell) in cells.enumerated() where cell.logic.state == nil {
      for net in cell.outputs.values { driver[net] = index }
    }
    var order = cells.indices.filter { cells[$0].logic.state != nil }
    var state = [UInt8](repeating: 0, count: cells.count)  // 0 new, 1 visiting, 2 done
    for index in order { state[index] = 2 }
    func visit(_ index: Int) throws {
      if state[index] == 2 { return }
      guard state[index] == 0 else {
        throw FlowError(
          description: "yosys (\(top)): the netlist has a combinational loop through \(cells[index].name)")
      }
      state[index] = 1
      for net in cells[index].inputs.values { if let source = driver[net] { try visit(source) } }
      state[index] = 2
      order.append(index)
    }
    for index in cells.indices { try visit(index) }
    return order.map { cells[$0] }
  }

  /// Fills `slots` with a cell's input words and, for a flip-flop, its state and complement.
  func load(_ cell: Cell, into slots: inout [UInt64], values: [UInt64], state: UInt64) {
    let count = cell.slotNets.count
    if slots.count < count + 2 { slots += [UInt64](repeating: 0, count: count + 2 - slots.count) }
    for (slot, net) in cell.slotNets.enumerated() { slots[slot] = values[net] }
    slots[count] = state
    slots[count + 1] = ~state
  }

  /// Transitions per cycle and duty of every cell output pin, over `cycles` cycles whose input
  /// bits `input(port, bit, cycle)` gives.
  func activity(cycles: Int, input: (String, Int, Int) -> Bool) -> [BitActivity] {
    guard cycles > 1 else { return [] }
    // Segments of at least 32 cycles, at most 64 of them.
    let segments = max(1, min(64, cycles / 32))
    let length = cycles / segments
    var values = [UInt64](repeating: 0, count: netCount)
    values[Self.oneNet] = ~0
    let mask: UInt64 = segments == 64 ? ~0 : (1 << UInt64(segments)) - 1
    var toggles = [Int](repeating: 0, count: netCount)
    var ones = [Int](repeating: 0, count: netCount)
    var states = [UInt64](repeating: 0, count: cells.count)
    var previous = [UInt64](repeating: 0, count: netCount)
    for step in 0..<length {
      for (port, bit, net) in inputBits where net > Self.oneNet {
        var word: UInt64 = 0
        for segment in 0..<segments where input(port, bit, segment * length + step) {
          word |= 1 << UInt64(segment)
        }
        values[net] = word
      }
      var slots = [UInt64](repeating: 0, count: 16)
      for (index, cell) in cells.enumerated() {
        load(cell, into: &slots, values: values, state: states[index])
        for (net, function) in cell.driven where net > Self.oneNet { values[net] = function.evaluate(slots) & mask }
      }
      for net in 2..<netCount {
        ones[net] += (values[net] & mask).nonzeroBitCount
        if step > 0 { toggles[net] += ((values[net] ^ previous[net]) & mask).nonzeroBitCount }
      }
      previous = values
      // The clock edge: every flip-flop loads its next state.
      for (index, cell) in cells.enumerated() {
        guard let next = cell.next else { continue }
        load(cell, into: &slots, values: values, state: states[index])
        states[index] = next.evaluate(slots) & mask
      }
    }
    var result: [BitActivity] = []
    for cell in cells {
      for (pin, net) in cell.outputs.sorted(by: { $0.key < $1.key }) {
        let rate = net > Self.oneNet ? Double(toggles[net]) / Double(segments * (length - 1)) : 0
        let duty =
          net == Self.oneNet ? 1 : net == Self.zeroNet ? 0 : Double(ones[net]) / Double(segments * length)
        result.append(BitActivity(port: "\(cell.name)/\(pin)", bit: nil, toggleRate: rate, duty: duty))
      }
    }
    return result
  }
}
