/// How a module's registers are reset: all by the one active-low input `rst_ni`.
public enum ResetStyle: String, Sendable {
  /// Registers with a reset value take it on a clock edge while `rst_ni` is 0.
  case synchronous
  /// Registers with a reset value take it as soon as `rst_ni` falls.
  case asynchronous
}

/// A port of a built module.
public struct Port: Hashable, Sendable {
  public enum Direction: String, Sendable {
    case input, output
  }

  public let name: String
  public let direction: Direction
  public let width: Int
  public let isSigned: Bool
  /// What the port means, as given when it was declared.
  public let comment: String?
}

/// A built, checked module: the unit the Verilog emitter writes to one file and the simulator
/// runs. Immutable.
public final class Module: @unchecked Sendable {
  /// The Verilog module name.
  public let name: String
  /// The ports, in declaration order: `clk_i` and `rst_ni` first when the module has them.
  public let ports: [Port]
  /// Warnings found while building (unused inputs, unused wires).
  public let warnings: [Diagnostic]
  /// Lines for the emitted file's header: generator, version, configuration.
  public let headerLines: [String]
  /// The reset style of the module's registers.
  public let resetStyle: ResetStyle
  /// For each output, the inputs it depends on without a register in between.
  public let combinationalPaths: [String: Set<String>]

  /// Every named signal, in declaration order (ports included).
  let declarations: [Declaration]
  /// The instances, in declaration order.
  let instances: [Instance]

  init(
    name: String, ports: [Port], warnings: [Diagnostic], headerLines: [String], resetStyle: ResetStyle,
    combinationalPaths: [String: Set<String>], declarations: [Declaration], instances: [Instance]
  ) {
    self.name = name
    self.ports = ports
    self.warnings = warnings
    self.headerLines = headerLines
    self.resetStyle = resetStyle
    self.combinationalPaths = combinationalPaths
    self.declarations = declarations
    self.instances = instances
  }

  /// The input ports.
  public var inputs: [Port] { ports.filter { $0.direction == .input } }
  /// The output ports.
  public var outputs: [Port] { ports.filter { $0.direction == .output } }
  /// The port named `name`.
  public func port(_ name: String) -> Port? { ports.first { $0.name == name } }

  /// Whether the module has a clock (it holds registers or instances that do).
  public var hasClock: Bool { ports.contains { $0.name == ModuleBuilder.clockName } }

  /// This module and every module it instantiates, each once, submodules before their users.
  public var hierarchy: [Module] {
    var ordered: [Module] = []
    var seen = Set<ObjectIdentifier>()
    func visit(_ module: Module) {
      guard seen.insert(ObjectIdentifier(module)).inserted else { return }
      for instance in module.instances { visit(instance.module) }
      ordered.append(module)
    }
    visit(self)
    return ordered
  }

  /// The number of expression nodes (operations and constants) in this module alone.
  public var operationCount: Int {
    var roots: [Node] = []
    for declaration in declarations { roots += declaration.roots }
    for instance in instances { roots += instance.connections.map(\.node) }
    // Iterative (expressions can be deeper than recursion allows); reads of signals are not counted.
    return Graph.postOrder(roots).filter { $0.declaration == nil }.count
  }
}

/// An instance of a built module inside another module.
public final class Instance: @unchecked Sendable {
  /// The instance name in Verilog.
  public let name: String
  /// The module instantiated.
  public let module: Module
  let location: SourceLocation
  /// The input connections in the child's port order (clock and reset included).
  var connections: [(port: String, node: Node)] = []
  /// The declarations that carry the child's outputs, by port name.
  var outputs: [String: Declaration] = [:]

  init(name: String, module: Module, location: SourceLocation) {
    self.name = name
    self.module = module
    self.location = location
  }

  /// The value of an output port of the instance.
  public subscript(port: String) -> Signal {
    guard let declaration = outputs[port] else {
      let names = module.outputs.map(\.name).joined(separator: ", ")
      return .invalid("instance '\(name)' of \(module.name) has no output '\(port)'; its outputs: \(names)")
    }
    return Signal(Node(.reference(declaration), width: declaration.width, signed: declaration.isSigned))
  }
}
