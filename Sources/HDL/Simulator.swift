/// Runs a module cycle by cycle in Swift: set inputs, ``evaluate()`` to settle the
/// combinational logic, ``tick()`` for a rising clock edge. The hierarchy is flattened and
/// every operation ordered once, when the simulator is made.
///
/// The semantics are those of the emitted Verilog, bit for bit: registers load their next
/// value (when enabled) on each tick; with `rst_ni` low they take their reset value on the tick
/// (synchronous) or at once (asynchronous).
public final class Simulator {
  /// The module simulated.
  public let module: Module
  var program: SimulationProgram
  var values: [UInt64]

  /// Prepares `module` (and everything it instantiates) for simulation.
  public init(_ module: Module) {
    self.module = module
    program = SimulationProgram(module)
    values = [UInt64](repeating: 0, count: program.wordCount)
    for register in program.registers {
      // Registers start at zero, like the emitted Verilog after reset for reset registers.
      for word in 0..<register.slot.words { values[register.slot.offset + word] = 0 }
    }
    if let reset = program.inputs[ModuleBuilder.resetName] { values[reset.offset] = 1 }
    evaluate()
  }

  // MARK: Inputs and outputs

  /// Sets an input port; the value is truncated to the port's width.
  public func set(_ port: String, _ value: BitVector) {
    guard let slot = program.inputs[port] else {
      preconditionFailure("\(module.name) has no input '\(port)'")
    }
    store(value.words, to: slot)
  }

  /// Sets an input port from an integer (two's complement for negative values).
  public func set(_ port: String, _ value: Int) {
    guard let slot = program.inputs[port] else { preconditionFailure("\(module.name) has no input '\(port)'") }
    set(port, BitVector(signed: value, width: slot.width))
  }

  /// The value of an output port, or of any named signal of the top module (a wire,
  /// register or input), after the last ``evaluate()`` or ``tick()``.
  public func get(_ name: String) -> BitVector {
    guard let slot = program.named[name] else { preconditionFailure("\(module.name) has no signal '\(name)'") }
    return BitVector(width: slot.width, words: Array(values[slot.offset..<slot.offset + slot.words]))
  }

  /// The names ``get(_:)`` accepts: the top module's ports, wires and registers.
  public var signalNames: [String] { program.named.keys.sorted() }

  /// An output or named signal read as an unsigned integer (it must fit in 64 bits).
  public func value(_ name: String) -> UInt64 {
    let bits = get(name)
    precondition(bits.width <= 64, "'\(name)' is \(bits.width) bits wide; use get(_:)")
    return bits.low64
  }

  func store(_ words: [UInt64], to slot: Slot) {
    for i in 0..<slot.words { values[slot.offset + i] = i < words.count ? words[i] : 0 }
    if slot.width % 64 != 0 { values[slot.offset + slot.words - 1] &= (UInt64(1) << UInt64(slot.width % 64)) - 1 }
  }

  // MARK: Time

  var resetIsLow: Bool {
    guard let reset = program.inputs[ModuleBuilder.resetName] else { return false }
    return values[reset.offset] & 1 == 0
  }

  /// Settles the combinational logic for the current inputs and register values.
  public func evaluate() {
    if resetIsLow { applyAsynchronousResets() }
    values.withUnsafeMutableBufferPointer { buffer in
      program.run(buffer.baseAddress!)
    }
  }

  /// Registers of asynchronously reset modules take their reset value while `rst_ni` is low.
  func applyAsynchronousResets() {
    for register in program.registers where register.isAsynchronous {
      if let reset = register.resetValue { store(reset.words, to: register.slot) }
    }
  }

  /// A rising clock edge: every register loads its next value (when enabled, and subject to
  /// reset), then the logic settles again.
  public func tick() {
    evaluate()
    var next: [(Slot, [UInt64])] = []
    let inReset = resetIsLow
    for register in program.registers {
      if inReset, let reset = register.resetValue {
        next.append((register.slot, reset.words))
        continue
      }
      if let enable = register.enable, values[enable.offset] & 1 == 0 { continue }
      let source = register.next
      next.append((register.slot, Array(values[source.offset..<source.offset + source.words])))
    }
    // Memory writes, from the values before the edge (a read of the same word sees the old one).
    var writes: [(offset: Int, words: [UInt64])] = []
    for write in program.memoryWrites where values[write.enable.offset] & 1 == 1 {
      let memory = program.memories[write.memory]
      let address = Int(values[write.address.offset])
      writes.append(
        (
          memory.offset + address * memory.wordsPerWord,
          Array(values[write.data.offset..<write.data.offset + write.data.words])
        ))
    }
    for write in writes {
      for (index, word) in write.words.enumerated() { values[write.offset + index] = word }
    }
    for (slot, words) in next { store(words, to: slot) }
    evaluate()
  }

  /// Holds `rst_ni` low for one tick, then releases it.
  public func reset() {
    guard program.inputs[ModuleBuilder.resetName] != nil else { return }
    set(ModuleBuilder.resetName, 0)
    tick()
    set(ModuleBuilder.resetName, 1)
    evaluate()
  }
}

/// Where a value lives in the simulator's word array.
struct Slot: Hashable {
  let offset: Int
  let width: Int
  var words: Int { (width + 63) / 64 }
}
