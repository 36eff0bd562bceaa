/// Flattens a module hierarchy into a ``SimulationProgram``: every instance gets its own copy
/// of its module's operations, references are followed to what drives them, and the
/// operations are ordered so that each runs after its operands.
struct Flattener {
  /// One instance of a module in the flattened hierarchy (context 0 is the top).
  struct Context {
    let module: Module
    let parent: Int?
    let instance: Instance?
    var children: [ObjectIdentifier: Int] = [:]
  }

  /// What a reference resolves to.
  enum Source: Hashable {
    /// An operation of the given context.
    case node(context: Int, node: ObjectIdentifier)
    case input(String)
    case register(context: Int, declaration: ObjectIdentifier)
  }

  let top: Module
  var contexts: [Context] = []
  var nodes: [ObjectIdentifier: Node] = [:]
  var slots: [Source: Slot] = [:]
  var wordCount = 0
  /// A memory of one context.
  struct MemoryKey: Hashable {
    let context: Int
    let declaration: ObjectIdentifier
  }
  /// Each memory's index in the program's `memories`.
  var memoryIndex: [MemoryKey: Int] = [:]

  init(top: Module) {
    self.top = top
    contexts.append(Context(module: top, parent: nil, instance: nil))
    var index = 0
    while index < contexts.count {
      for instance in contexts[index].module.instances {
        contexts[index].children[ObjectIdentifier(instance)] = contexts.count
        contexts.append(Context(module: instance.module, parent: index, instance: instance))
      }
      index += 1
    }
  }

  mutating func allocate(width: Int) -> Slot {
    let slot = Slot(offset: wordCount, width: width)
    wordCount += slot.words
    return slot
  }

  /// Follows references from `node` in `context` to the operation, input or register that
  /// produces its value.
  mutating func resolve(_ node: Node, in context: Int) -> (Source, Node?) {
    var node = node
    var context = context
    while let declaration = node.declaration {
      switch declaration.kind {
      case .input, .clock, .reset:
        guard let parent = contexts[context].parent, let instance = contexts[context].instance else {
          return (.input(declaration.name), nil)
        }
        node = instance.connections.first { $0.port == declaration.name }!.node
        context = parent
      case .output, .wire:
        node = declaration.driver!
      case .register:
        return (.register(context: context, declaration: ObjectIdentifier(declaration)), nil)
      case .instanceOutput(let instance, let port):
        let child = contexts[context].children[ObjectIdentifier(instance)]!
        node = instance.module.declarations.first { $0.name == port }!.driver!
        context = child
      case .memory:
        preconditionFailure("memory '\(declaration.name)' is read only by registers")
      }
    }
    nodes[ObjectIdentifier(node)] = node
    return (.node(context: context, node: ObjectIdentifier(node)), node)
  }

  mutating func compile(into program: inout SimulationProgram) {
    // State first: inputs and registers are the leaves.
    for port in top.inputs { slots[.input(port.name)] = allocate(width: port.width) }
    var registers: [(context: Int, declaration: Declaration)] = []
    var memories: [(context: Int, declaration: Declaration)] = []
    for (index, context) in contexts.enumerated() {
      for declaration in context.module.declarations where declaration.isMemory {
        guard case .memory(let depth) = declaration.kind else { continue }
        let storage = allocate(width: depth * ((declaration.width + 63) / 64) * 64)
        memoryIndex[MemoryKey(context: index, declaration: ObjectIdentifier(declaration))] = program.memories.count
        program.memories.append(.init(offset: storage.offset, depth: depth, width: declaration.width))
        memories.append((index, declaration))
      }
      for declaration in context.module.declarations where declaration.isRegister {
        slots[.register(context: index, declaration: ObjectIdentifier(declaration))] = allocate(
          width: declaration.width)
        registers.append((index, declaration))
      }
    }
    // Roots: top outputs, wires and instance outputs (so they can be read, even when nothing
    // else does), then every register's inputs.
    var roots: [(Node, Int)] = []
    for declaration in top.declarations {
      if let driver = declaration.driver, !declaration.isRegister { roots.append((driver, 0)) }
      if case .instanceOutput(let instance, let port) = declaration.kind { roots.append((instance[port].node, 0)) }
    }
    for (context, declaration) in registers + memories {
      for root in declaration.roots { roots.append((root, context)) }
    }
    for (root, context) in roots { order(root, in: context, into: &program) }

    for (context, declaration) in memories {
      program.memoryWrites.append(
        .init(
          memory: memoryIndex[MemoryKey(context: context, declaration: ObjectIdentifier(declaration))]!,
          address: slot(of: declaration.address!, in: context), data: slot(of: declaration.driver!, in: context),
          enable: slot(of: declaration.enable!, in: context)))
    }

    for (context, declaration) in registers {
      let state = slots[.register(context: context, declaration: ObjectIdentifier(declaration))]!
      let next = slot(of: declaration.driver!, in: context)
      let enable = declaration.enable.map { slot(of: $0, in: context) }
      program.registers.append(
        .init(
          slot: state, next: next, enable: enable, resetValue: declaration.resetValue,
          isAsynchronous: contexts[context].module.resetStyle == .asynchronous))
    }
    for port in top.inputs { program.inputs[port.name] = slots[.input(port.name)]! }
    for declaration in top.declarations {
      switch declaration.kind {
      case .input, .clock, .reset: program.named[declaration.name] = slots[.input(declaration.name)]!
      case .register:
        program.named[declaration.name] = slots[.register(context: 0, declaration: ObjectIdentifier(declaration))]!
      case .output, .wire: program.named[declaration.name] = slot(of: declaration.driver!, in: 0)
      case .instanceOutput(let instance, let port):
        program.named[declaration.name] = slot(of: instance[port].node, in: 0)
      case .memory: break
      }
    }
    program.wordCount = wordCount
  }

  mutating func slot(of node: Node, in context: Int) -> Slot {
    let (source, _) = resolve(node, in: context)
    return slots[source]!
  }

  /// Emits instructions for everything `root` needs, operands first (iteratively).
  mutating func order(_ root: Node, in context: Int, into program: inout SimulationProgram) {
    let (rootSource, rootNode) = resolve(root, in: context)
    guard let rootNode, slots[rootSource] == nil, case .node(let rootContext, _) = rootSource else { return }
    // The root may resolve into another context (an output driven by an instance's output).
    var stack: [(source: Source, node: Node, context: Int, next: Int)] = [(rootSource, rootNode, rootContext, 0)]
    var entered: Set<Source> = [rootSource]
    while let top = stack.last {
      if top.next < top.node.operands.count {
        stack[stack.count - 1].next += 1
        let (source, node) = resolve(top.node.operands[top.next], in: top.context)
        if let node, slots[source] == nil, !entered.contains(source) {
          entered.insert(source)
          let operandContext: Int
          if case .node(let c, _) = source { operandContext = c } else { operandContext = top.context }
          stack.append((source, node, operandContext, 0))
        }
      } else {
        stack.removeLast()
        emit(top.node, source: top.source, context: top.context, into: &program)
      }
    }
  }

  mutating func emit(_ node: Node, source: Source, context: Int, into program: inout SimulationProgram) {
    let result = allocate(width: node.width)
    slots[source] = result
    let operands = node.operands.map { slot(of: $0, in: context) }
    let none = Slot(offset: 0, width: 0)
    func instruction(_ opcode: SimulationProgram.Opcode, parameter: Int = 0, extra: Int = 0, signed: Bool? = nil)
      -> SimulationProgram.Instruction
    {
      let narrow = ([result] + operands).allSatisfy { $0.width <= 64 }
      return .init(
        opcode: opcode, result: result, a: operands.first ?? none, b: operands.count > 1 ? operands[1] : none,
        c: operands.count > 2 ? operands[2] : none, signed: signed ?? node.operands.first?.isSigned ?? false,
        parameter: parameter, extra: extra, isNarrow: narrow)
    }
    switch node.operation {
    case .constant(let value):
      program.constants.append((result, value))
      return
    case .literal, .invalid, .reference:
      preconditionFailure("unexpected node in a built module")
    case .not: program.instructions.append(instruction(.not))
    case .and: program.instructions.append(instruction(.and))
    case .or: program.instructions.append(instruction(.or))
    case .xor: program.instructions.append(instruction(.xor))
    case .add: program.instructions.append(instruction(.add))
    case .subtract: program.instructions.append(instruction(.subtract))
    case .multiply: program.instructions.append(instruction(.multiply))
    case .shiftLeftBy: program.instructions.append(instruction(.shiftLeftBy))
    case .shiftRightBy: program.instructions.append(instruction(.shiftRightBy))
    case .equal: program.instructions.append(instruction(.equal))
    case .notEqual: program.instructions.append(instruction(.notEqual))
    case .less: program.instructions.append(instruction(.less))
    case .lessOrEqual: program.instructions.append(instruction(.lessOrEqual))
    case .greater: program.instructions.append(instruction(.greater))
    case .greaterOrEqual: program.instructions.append(instruction(.greaterOrEqual))
    case .concatenate:
      program.operandLists.append(operands)
      program.instructions.append(instruction(.concatenate, extra: program.operandLists.count - 1))
    case .slice(let low): program.instructions.append(instruction(.slice, parameter: low))
    case .replicate(let count): program.instructions.append(instruction(.replicate, parameter: count))
    case .reduceAnd: program.instructions.append(instruction(.reduceAnd))
    case .reduceOr: program.instructions.append(instruction(.reduceOr))
    case .reduceXor: program.instructions.append(instruction(.reduceXor))
    case .mux: program.instructions.append(instruction(.mux))
    case .extend: program.instructions.append(instruction(.extend))
    case .reinterpret: program.instructions.append(instruction(.copy))
    case .lookup(let table, let fallback):
      program.tables.append((table, fallback, []))
      program.instructions.append(instruction(.lookup, extra: program.tables.count - 1))
    case .select(let labels):
      program.tables.append(([], BitVector(zeroOfWidth: 1), labels))
      program.operandLists.append(Array(operands.dropFirst()))
      program.instructions.append(
        instruction(.select, parameter: program.tables.count - 1, extra: program.operandLists.count - 1))
    case .priority:
      program.operandLists.append(operands)
      program.instructions.append(instruction(.priority, extra: program.operandLists.count - 1))
    case .memoryRead(let memory):
      let index = memoryIndex[MemoryKey(context: context, declaration: ObjectIdentifier(memory))]!
      program.instructions.append(instruction(.memoryRead, extra: index))
    }
  }
}
