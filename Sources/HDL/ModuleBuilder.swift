/// Describes one module: its ports, wires, registers, tables and instances. Call ``build()``
/// to check it and get an immutable ``Module``.
///
/// ```swift
/// let m = ModuleBuilder("counter")
/// let enable = m.input("enable_i", width: 1)
/// let count = m.register("count_q", width: 8, reset: 0)
/// m.assignNext(count, count &+ 1, enable: enable)
/// m.output("count_o", count)
/// let counter = try m.build()
/// ```
///
/// Every declaration and assignment records the Swift file and line it was written on, and
/// every problem (a width mismatch inside an expression, a second driver, a combinational
/// loop) is reported with that location when ``build()`` throws.
///
/// Names follow one convention, checked here: inputs end in `_i` (`_ni` if active low),
/// outputs in `_o`, registers in `_q`; wires end in none of these. The clock `clk_i` and the
/// active-low reset `rst_ni` are added by the builder when registers or instances need them.
public final class ModuleBuilder {
  /// The clock input every register uses.
  public static let clockName = "clk_i"
  /// The active-low reset input.
  public static let resetName = "rst_ni"

  /// The module name.
  public let name: String
  /// How registers with a reset value are reset.
  public let resetStyle: ResetStyle
  /// Lines for the emitted file's header comment (generator, version, configuration).
  public var headerLines: [String] = []
  /// Whether port, register and wire names must follow the `_i` / `_o` / `_q` convention.
  public var checksNamingConvention = true

  let location: SourceLocation
  var declarations: [Declaration] = []
  var instances: [Instance] = []
  var diagnostics: [Diagnostic] = []
  var names: [String: SourceLocation] = [:]
  var clock: Declaration?
  var reset: Declaration?
  var identity: ObjectIdentifier { ObjectIdentifier(self) }

  /// Starts a module.
  public init(
    _ name: String, reset: ResetStyle = .synchronous, file: StaticString = #fileID, line: UInt = #line
  ) {
    self.name = name
    resetStyle = reset
    location = SourceLocation(file, line)
    if let problem = VerilogNames.problem(with: name) {
      error("module name '\(name)' \(problem)", at: location)
    }
  }

  // MARK: Diagnostics

  func error(_ message: String, at location: SourceLocation?) {
    diagnostics.append(Diagnostic(severity: .error, module: name, location: location, message: message))
  }

  func warning(_ message: String, at location: SourceLocation?) {
    diagnostics.append(Diagnostic(severity: .warning, module: name, location: location, message: message))
  }

  // MARK: Declarations

  @discardableResult
  func declare(
    _ name: String, _ kind: Declaration.Kind, width: Int, signed: Bool, comment: String?, at location: SourceLocation
  ) -> Declaration {
    checkName(name, kind: kind, at: location)
    var width = width
    if width < 1 {
      error("'\(name)' needs a width of at least 1, not \(width)", at: location)
      width = 1
    }
    let declaration = Declaration(
      name: name, kind: kind, width: width, signed: signed, location: location, owner: identity, comment: comment)
    declarations.append(declaration)
    return declaration
  }

  func checkName(_ name: String, kind: Declaration.Kind, at location: SourceLocation) {
    if let problem = VerilogNames.problem(with: name) {
      error("name '\(name)' \(problem)", at: location)
    }
    if let previous = names[name] {
      error("name '\(name)' is already used (at \(previous))", at: location)
    }
    names[name] = location
    guard checksNamingConvention else { return }
    switch kind {
    case .input:
      if !(name.hasSuffix("_i") || name.hasSuffix("_ni")) || name == Self.clockName || name == Self.resetName {
        error(
          "input '\(name)' must end in _i (_ni if active low) and not be \(Self.clockName) or \(Self.resetName)",
          at: location)
      }
    case .output:
      if !name.hasSuffix("_o") { error("output '\(name)' must end in _o", at: location) }
    case .register:
      if !name.hasSuffix("_q") { error("register '\(name)' must end in _q", at: location) }
    case .wire:
      if ["_i", "_o", "_q"].contains(where: { name.hasSuffix($0) }) {
        error("wire '\(name)' must not end in _i, _o or _q (those mark inputs, outputs and registers)", at: location)
      }
    case .memory:
      if !name.hasSuffix("_q") {
        error("memory '\(name)' must end in _q (it holds state, as a register does)", at: location)
      }
    case .clock, .reset, .instanceOutput:
      break
    }
  }

  func reference(_ declaration: Declaration) -> Signal {
    Signal(Node(.reference(declaration), width: declaration.width, signed: declaration.isSigned))
  }

  /// Declares an input port.
  public func input(
    _ name: String, width: Int, signed: Bool = false, comment: String? = nil, file: StaticString = #fileID,
    line: UInt = #line
  ) -> Signal {
    reference(declare(name, .input, width: width, signed: signed, comment: comment, at: SourceLocation(file, line)))
  }

  /// Declares an output port, to be driven by ``assign(_:_:file:line:)``.
  @discardableResult
  public func output(
    _ name: String, width: Int, signed: Bool = false, comment: String? = nil, file: StaticString = #fileID,
    line: UInt = #line
  ) -> Signal {
    reference(declare(name, .output, width: width, signed: signed, comment: comment, at: SourceLocation(file, line)))
  }

  /// Declares an output port driven by `value` (its type is the value's).
  @discardableResult
  public func output(
    _ name: String, _ value: Signal, comment: String? = nil, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    declareDriven(name, .output, value, comment: comment, at: SourceLocation(file, line))
  }

  /// Declares a wire, to be driven by ``assign(_:_:file:line:)`` (for forward references).
  public func wire(
    _ name: String, width: Int, signed: Bool = false, comment: String? = nil, file: StaticString = #fileID,
    line: UInt = #line
  ) -> Signal {
    reference(declare(name, .wire, width: width, signed: signed, comment: comment, at: SourceLocation(file, line)))
  }

  /// Declares a wire driven by `value`: names an intermediate result, so that it appears
  /// under that name in the Verilog and in waveforms.
  public func wire(
    _ name: String, _ value: Signal, comment: String? = nil, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    declareDriven(name, .wire, value, comment: comment, at: SourceLocation(file, line))
  }

  func declareDriven(
    _ name: String, _ kind: Declaration.Kind, _ value: Signal, comment: String?, at location: SourceLocation
  ) -> Signal {
    if let problem = value.checkedUnary(name), problem.isInvalid {
      report(problem, statement: "'\(name)'", at: location)
      return placeholder(name, kind, comment: comment, at: location)
    }
    let declaration = declare(name, kind, width: value.width, signed: value.isSigned, comment: comment, at: location)
    declaration.driver = value.node
    declaration.driverLocation = location
    return reference(declaration)
  }

  /// A stand-in for the declaration of a statement whose error is already reported: one bit
  /// wide and counted as driven, so that ``build()`` does not report the statement a second
  /// time as a missing driver.
  func placeholder(_ name: String, _ kind: Declaration.Kind, comment: String?, at location: SourceLocation) -> Signal {
    let declaration = declare(name, kind, width: 1, signed: false, comment: comment, at: location)
    declaration.driverLocation = location
    return reference(declaration)
  }

  /// Reports an invalid signal used by a statement.
  func report(_ value: Signal, statement: String, at location: SourceLocation) {
    let error = value.node.error ?? Graph.firstError([value.node])
    let origin = error?.location.map { " (at \($0))" } ?? ""
    self.error("\(statement): \(error?.message ?? "invalid value")\(origin)", at: location)
  }

  /// Declares a register, clocked by `clk_i`. `reset` is its value while `rst_ni` is low
  /// (nil: not reset). Give it its next value with ``assignNext(_:_:enable:file:line:)``.
  public func register(
    _ name: String, width: Int, signed: Bool = false, reset: Int? = nil, comment: String? = nil,
    file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    let location = SourceLocation(file, line)
    let declaration = declare(name, .register, width: width, signed: signed, comment: comment, at: location)
    useClock(reset: reset != nil)
    if let reset {
      if BitVector.fits(reset, width: declaration.width, signed: signed) {
        declaration.resetValue = BitVector(signed: reset, width: declaration.width)
      } else {
        error(
          "reset value \(reset) of register '\(name)' does not fit \(Signal.typeName(width: width, signed: signed))",
          at: location)
      }
    }
    return reference(declaration)
  }

  /// Declares a register that loads `next` (when `enable` is 1, if given) on every clock edge:
  /// the usual pipeline register.
  public func register(
    _ name: String, next: Signal, reset: Int? = nil, enable: Signal? = nil, comment: String? = nil,
    file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    let location = SourceLocation(file, line)
    if next.isInvalid || next.width == 0 {
      report(next.checkedUnary(name) ?? next, statement: "register '\(name)'", at: location)
      return placeholder(name, .register, comment: comment, at: location)
    }
    let q = register(
      name, width: next.width, signed: next.isSigned, reset: reset, comment: comment, file: file, line: line)
    assignNext(q, next, enable: enable, file: file, line: line)
    return q
  }

  /// Declares the clock `clk_i` and the reset `rst_ni` now, whether or not a register uses
  /// them: for a module whose ports must not depend on a parameter (a pipeline of depth 0 has no
  /// registers). An input nothing reads is emitted with a lint waiver.
  public func declareClockAndReset() {
    useClock(reset: true)
  }

  func useClock(reset: Bool) {
    if clock == nil {
      clock = Declaration(
        name: Self.clockName, kind: .clock, width: 1, signed: false, location: location, owner: identity,
        comment: "clock; registers load on its rising edge")
      checkName(Self.clockName, kind: .clock, at: location)
    }
    if reset, self.reset == nil {
      self.reset = Declaration(
        name: Self.resetName, kind: .reset, width: 1, signed: false, location: location, owner: identity,
        comment: "\(resetStyle.rawValue) reset, active low")
      checkName(Self.resetName, kind: .reset, at: location)
    }
  }

  // MARK: Assignments

  /// The declaration `target` refers to, if it is one of this module's, of an allowed kind.
  func target(_ target: Signal, what: String, allowed: (Declaration) -> Bool, at location: SourceLocation)
    -> Declaration?
  {
    guard let declaration = target.node.declaration, declaration.owner == identity, allowed(declaration) else {
      error(
        "\(what) target must be one of this module's \(what == "assignNext" ? "registers" : "wires or outputs"), not \(target)",
        at: location)
      return nil
    }
    return declaration
  }

  /// Checks `value` against a target's type: errors are reported, literals sized.
  func checked(_ value: Signal, for declaration: Declaration, statement: String, at location: SourceLocation) -> Node? {
    let sized = value.sized(width: declaration.width, signed: declaration.isSigned)
    if sized.isInvalid {
      report(sized, statement: statement, at: location)
      return nil
    }
    guard sized.width == declaration.width, sized.isSigned == declaration.isSigned else {
      let type = Signal.typeName(width: declaration.width, signed: declaration.isSigned)
      error(
        "\(statement): '\(declaration.name)' is \(type) but the value is \(sized); convert explicitly (extended, truncated, asSigned)",
        at: location)
      return nil
    }
    return sized.node
  }

  /// Drives a wire or output declared without a value. Each is driven exactly once.
  public func assign(_ target: Signal, _ value: Signal, file: StaticString = #fileID, line: UInt = #line) {
    let location = SourceLocation(file, line)
    guard let declaration = self.target(target, what: "assign", allowed: \.isAssignable, at: location) else { return }
    if let previous = declaration.driverLocation {
      error("'\(declaration.name)' is driven twice: here and at \(previous)", at: location)
      return
    }
    declaration.driverLocation = location
    declaration.driver = checked(value, for: declaration, statement: "assign to '\(declaration.name)'", at: location)
  }

  /// Gives a register its next value, loaded on each rising clock edge (only when `enable`,
  /// a `UInt<1>`, is 1, if given). Each register gets exactly one.
  public func assignNext(
    _ register: Signal, _ value: Signal, enable: Signal? = nil, file: StaticString = #fileID, line: UInt = #line
  ) {
    let location = SourceLocation(file, line)
    guard let declaration = target(register, what: "assignNext", allowed: \.isRegister, at: location) else { return }
    if let previous = declaration.driverLocation {
      error("register '\(declaration.name)' is given a next value twice: here and at \(previous)", at: location)
      return
    }
    declaration.driverLocation = location
    declaration.driver = checked(
      value, for: declaration, statement: "next value of '\(declaration.name)'", at: location)
    if let enable {
      if enable.isInvalid {
        report(enable, statement: "enable of '\(declaration.name)'", at: location)
      } else if enable.width != 1 || enable.isSigned {
        error("the enable of register '\(declaration.name)' must be a UInt<1>, not \(enable)", at: location)
      } else {
        declaration.enable = enable.node
      }
    }
  }

  // MARK: Tables and cases

  /// A named constant table: `values[index]`, and `fallback` for indices past the end. Emitted
  /// as a `case` statement.
  public func lookup(
    _ name: String, index: Signal, values: [Int], width: Int, signed: Bool = false, fallback: Int = 0,
    comment: String? = nil, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    let location = SourceLocation(file, line)
    let declaration = declare(name, .wire, width: width, signed: signed, comment: comment, at: location)
    declaration.driverLocation = location
    if let problem = index.checkedUnary("lookup") {
      report(problem, statement: "table '\(name)'", at: location)
      return reference(declaration)
    }
    guard !index.isSigned else {
      error("table '\(name)': the index must be unsigned, not \(index)", at: location)
      return reference(declaration)
    }
    guard values.count >= 1, index.width >= 62 || values.count <= 1 << index.width else {
      error("table '\(name)': \(values.count) entries cannot be indexed by \(index)", at: location)
      return reference(declaration)
    }
    for (position, value) in (values + [fallback]).enumerated()
    where !BitVector.fits(value, width: declaration.width, signed: signed) {
      let what = position == values.count ? "the fallback" : "entry \(position)"
      error(
        "table '\(name)': \(what), \(value), does not fit \(Signal.typeName(width: width, signed: signed))",
        at: location)
      return reference(declaration)
    }
    let table = values.map { BitVector(signed: $0, width: declaration.width) }
    declaration.driver = Node(
      .lookup(table: table, fallback: BitVector(signed: fallback, width: declaration.width)), [index.node],
      width: declaration.width, signed: signed)
    return reference(declaration)
  }

  /// A named parallel case on `selector`: the value of the case whose label equals the
  /// selector, or `fallback`. Labels must be distinct; values must share one type.
  public func select(
    _ name: String, on selector: Signal, cases: [(label: Int, value: Signal)], fallback: Signal,
    comment: String? = nil, file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    let location = SourceLocation(file, line)
    guard let problem = selector.checkedUnary("select") else {
      var labels: [BitVector] = []
      for (label, _) in cases {
        guard BitVector.fits(label, width: selector.width, signed: selector.isSigned) else {
          error("case '\(name)': label \(label) does not fit \(selector)", at: location)
          return placeholder(name, .wire, comment: comment, at: location)
        }
        let bits = BitVector(signed: label, width: selector.width)
        guard !labels.contains(bits) else {
          error("case '\(name)': label \(label) appears twice", at: location)
          return placeholder(name, .wire, comment: comment, at: location)
        }
        labels.append(bits)
      }
      guard let values = unified(cases.map(\.value) + [fallback], name: "case '\(name)'", at: location) else {
        return placeholder(name, .wire, comment: comment, at: location)
      }
      let node = Node(
        .select(labels: labels), [selector.node] + values.map(\.node), width: values[0].width,
        signed: values[0].isSigned)
      return declareDriven(name, .wire, Signal(node), comment: comment, at: location)
    }
    report(problem, statement: "case '\(name)'", at: location)
    return placeholder(name, .wire, comment: comment, at: location)
  }

  /// A named priority selection: the value of the first case whose condition (a `UInt<1>`)
  /// is 1, or `fallback`.
  public func priority(
    _ name: String, _ cases: [(condition: Signal, value: Signal)], fallback: Signal, comment: String? = nil,
    file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    let location = SourceLocation(file, line)
    for (condition, _) in cases {
      if condition.isInvalid || condition.width != 1 || condition.isSigned {
        if condition.isInvalid {
          report(condition, statement: "priority '\(name)'", at: location)
        } else {
          error("priority '\(name)': conditions must be UInt<1>, not \(condition)", at: location)
        }
        return placeholder(name, .wire, comment: comment, at: location)
      }
    }
    guard let values = unified(cases.map(\.value) + [fallback], name: "priority '\(name)'", at: location) else {
      return placeholder(name, .wire, comment: comment, at: location)
    }
    var operands: [Node] = []
    for (index, (condition, _)) in cases.enumerated() { operands += [condition.node, values[index].node] }
    operands.append(values.last!.node)
    let node = Node(.priority, operands, width: values[0].width, signed: values[0].isSigned)
    return declareDriven(name, .wire, Signal(node), comment: comment, at: location)
  }

  /// The values with literals sized to the first sized value's type; nil (and an error) when
  /// they do not share a type.
  func unified(_ values: [Signal], name: String, at location: SourceLocation) -> [Signal]? {
    if let bad = values.first(where: \.isInvalid) {
      report(bad, statement: name, at: location)
      return nil
    }
    guard let model = values.first(where: { $0.width > 0 }) else {
      error("\(name): cannot infer a width from literals alone; give one value a type", at: location)
      return nil
    }
    var result: [Signal] = []
    for value in values {
      let sized = value.sized(width: model.width, signed: model.isSigned)
      if sized.isInvalid {
        report(sized, statement: name, at: location)
        return nil
      }
      guard sized.width == model.width, sized.isSigned == model.isSigned else {
        error("\(name): every value must have one type: \(model) and \(sized)", at: location)
        return nil
      }
      result.append(sized)
    }
    return result
  }

  // MARK: Instances

  /// Instantiates `module`, connecting its inputs by name. Every input must be connected
  /// exactly once (`clk_i` and `rst_ni` are connected automatically); read outputs with the
  /// instance's subscript: `decoder["value_o"]`.
  @discardableResult
  public func instance(
    _ name: String, of module: Module, _ connections: KeyValuePairs<String, Signal>, file: StaticString = #fileID,
    line: UInt = #line
  ) -> Instance {
    instance(name, of: module, connections: connections.map { (port: $0.key, value: $0.value) }, file: file, line: line)
  }

  /// Instantiates `module` with connections given as a list (the form for connections built in
  /// code); the rules are those of ``instance(_:of:_:file:line:)``.
  @discardableResult
  public func instance(
    _ name: String, of module: Module, connections: [(port: String, value: Signal)], file: StaticString = #fileID,
    line: UInt = #line
  ) -> Instance {
    let location = SourceLocation(file, line)
    let instance = Instance(name: name, module: module, location: location)
    checkName(name, kind: .clock, at: location)
    var given: [String: Signal] = [:]
    for (port, value) in connections {
      guard let target = module.port(port) else {
        let names = module.inputs.map(\.name).filter { $0 != Self.clockName && $0 != Self.resetName }
        error(
          "instance '\(name)': \(module.name) has no port '\(port)'; its inputs: \(names.joined(separator: ", "))",
          at: location)
        continue
      }
      guard target.direction == .input, port != Self.clockName, port != Self.resetName else {
        error("instance '\(name)': port '\(port)' of \(module.name) is not an input you connect", at: location)
        continue
      }
      guard given[port] == nil else {
        error("instance '\(name)': port '\(port)' is connected twice", at: location)
        continue
      }
      given[port] = value
    }
    for port in module.inputs {
      if port.name == Self.clockName || port.name == Self.resetName {
        useClock(reset: port.name == Self.resetName)
        let source = port.name == Self.clockName ? clock! : reset!
        instance.connections.append((port.name, reference(source).node))
        continue
      }
      guard let value = given[port.name] else {
        error("instance '\(name)': input '\(port.name)' of \(module.name) is not connected", at: location)
        continue
      }
      let sized = value.sized(width: port.width, signed: port.isSigned)
      if sized.isInvalid {
        report(sized, statement: "instance '\(name)', port '\(port.name)'", at: location)
        continue
      }
      guard sized.width == port.width, sized.isSigned == port.isSigned else {
        error(
          "instance '\(name)': port '\(port.name)' is \(Signal.typeName(width: port.width, signed: port.isSigned)) but is connected to \(sized)",
          at: location)
        continue
      }
      instance.connections.append((port.name, sized.node))
    }
    for port in module.outputs {
      let base = port.name.hasSuffix("_o") ? String(port.name.dropLast(2)) : port.name
      let declaration = declare(
        "\(name)_\(base)", .instanceOutput(instance, port: port.name), width: port.width, signed: port.isSigned,
        comment: nil, at: location)
      declaration.driverLocation = location
      instance.outputs[port.name] = declaration
    }
    instances.append(instance)
    return instance
  }
}
