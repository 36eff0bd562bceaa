import Testing

@testable import HDL

/// Where this file's diagnostics point: `HDLTests/ElaborationTests.swift:<line>`.
private func here(_ line: Int) -> String { "\(#fileID):\(line)" }

/// A combinational child: `y_o = x_i + 1` (UInt<4>).
private func incrementer() throws -> Module {
  let m = ModuleBuilder("incrementer")
  m.output("y_o", m.input("x_i", width: 4) &+ 1)
  return try m.build()
}

/// A child whose output is a register: `y_o` is `x_i` one cycle later (UInt<4>).
private func delay() throws -> Module {
  let m = ModuleBuilder("delay")
  m.output("y_o", m.register("held_q", next: m.input("x_i", width: 4), reset: 0))
  return try m.build()
}

@Suite("Elaboration checks")
struct ElaborationTests {
  // MARK: Drivers

  @Test func anOutputNeverDriven() {
    let m = ModuleBuilder("undriven")
    let line = #line + 1
    m.output("y_o", width: 4)
    expectError(m, line: line, ["output 'y_o' is never driven"])
  }

  @Test func aWireNeverDriven() {
    let m = ModuleBuilder("undriven")
    let line = #line + 1
    let w = m.wire("w", width: 4)
    m.output("y_o", w)
    expectError(m, line: line, ["wire 'w' is never driven"])
  }

  @Test func anOutputDrivenTwiceNamesBothPlaces() {
    let m = ModuleBuilder("twice")
    let a = m.input("a_i", width: 4)
    let y = m.output("y_o", width: 4)
    let first = #line + 1
    m.assign(y, a)
    let second = #line + 1
    m.assign(y, ~a)
    expectError(m, line: second, ["'y_o' is driven twice: here and at \(here(first))"])
  }

  @Test func aWireDeclaredWithAValueCannotBeAssignedAgain() {
    let m = ModuleBuilder("twice")
    let a = m.input("a_i", width: 4)
    let first = #line + 1
    let w = m.wire("w", a)
    m.output("y_o", w)
    let second = #line + 1
    m.assign(w, a)
    expectError(m, line: second, ["'w' is driven twice: here and at \(here(first))"])
  }

  @Test func aRegisterNeverGivenANextValue() {
    let m = ModuleBuilder("stuck")
    let line = #line + 1
    let r = m.register("r_q", width: 4)
    m.output("y_o", r)
    expectError(m, line: line, ["register 'r_q' is never given a next value (assignNext)"])
  }

  @Test func aRegisterGivenTwoNextValues() {
    let m = ModuleBuilder("twice")
    let a = m.input("a_i", width: 4)
    let first = #line + 1
    let r = m.register("r_q", next: a)
    m.output("y_o", r)
    let second = #line + 1
    m.assignNext(r, ~a)
    expectError(m, line: second, ["register 'r_q' is given a next value twice: here and at \(here(first))"])
  }

  @Test(arguments: [(8, false), (1, true)])
  func anEnableMustBeOneUnsignedBit(_ width: Int, _ signed: Bool) {
    let m = ModuleBuilder("enabled")
    let a = m.input("a_i", width: 4)
    let e = m.input("e_i", width: width, signed: signed)
    let r = m.register("r_q", width: 4)
    m.output("y_o", r)
    let line = #line + 1
    m.assignNext(r, a, enable: e)
    expectError(
      m, line: line,
      ["the enable of register 'r_q' must be a UInt<1>, not 'e_i' (\(Signal.typeName(width: width, signed: signed)))"])
    let n = ModuleBuilder("enabled")
    let b = n.input("a_i", width: 4)
    let f = n.input("e_i", width: width, signed: signed)
    let registerLine = #line + 1
    n.output("y_o", n.register("r_q", next: b, enable: f))
    expectError(n, line: registerLine, ["the enable of register 'r_q' must be a UInt<1>"])
  }

  @Test func aTargetMustBeThisModulesOwn() {
    let other = ModuleBuilder("other")
    let foreign = other.output("z_o", width: 4)
    let m = ModuleBuilder("mine")
    let a = m.input("a_i", width: 4)
    m.output("y_o", a)
    let line = #line + 1
    m.assign(foreign, a)
    expectError(m, line: line, ["assign target must be one of this module's wires or outputs, not 'z_o' (UInt<4>)"])
    let n = ModuleBuilder("mine")
    let b = n.input("a_i", width: 4)
    let w = n.wire("w", b)
    n.output("y_o", w)
    let nextLine = #line + 1
    n.assignNext(w, b)
    expectError(n, line: nextLine, ["assignNext target must be one of this module's registers, not 'w' (UInt<4>)"])
    let p = ModuleBuilder("mine")
    let input = p.input("a_i", width: 4)
    p.output("y_o", input)
    let inputLine = #line + 1
    p.assign(input, 3)
    expectError(p, line: inputLine, ["assign target must be one of this module's wires or outputs, not 'a_i'"])
  }

  @Test func readingAnotherModulesSignal() {
    let other = ModuleBuilder("other")
    let foreign = other.input("a_i", width: 4)
    let m = ModuleBuilder("mine")
    let b = m.input("b_i", width: 4)
    let line = #line + 1
    m.output("y_o", foreign &+ b)
    expectError(m, line: line, ["'y_o' reads 'a_i', which belongs to another module"])
  }

  // MARK: Loops

  @Test func aCombinationalLoopListsItsPath() {
    let m = ModuleBuilder("loop")
    let a = m.input("a_i", width: 4)
    let w1 = m.wire("w1", width: 4)
    let w2 = m.wire("w2", w1 &+ a)
    let line = #line + 1
    m.assign(w1, w2 ^ a)
    m.output("y_o", w1)
    expectError(m, line: line, ["combinational loop: w1 -> w2 -> w1"])
  }

  @Test func aWireThatReadsItself() {
    let m = ModuleBuilder("loop")
    let w = m.wire("w", width: 4)
    let line = #line + 1
    m.assign(w, w &+ 1)
    m.output("y_o", w)
    expectError(m, line: line, ["combinational loop: w -> w"])
  }

  @Test func aLoopThroughAnInstance() throws {
    let child = try incrementer()
    #expect(child.combinationalPaths == ["y_o": ["x_i"]])
    let m = ModuleBuilder("parent")
    let w = m.wire("w", width: 4)
    let u = m.instance("u0", of: child, ["x_i": w])
    let line = #line + 1
    m.assign(w, u["y_o"])
    m.output("y_o", w)
    expectError(m, line: line, ["combinational loop: w -> u0_y -> w"])
  }

  @Test func noLoopThroughARegister() throws {
    let m = ModuleBuilder("counter")
    let r = m.register("r_q", width: 4, reset: 0)
    let next = m.wire("next", r &+ 1)
    m.assignNext(r, next)
    m.output("y_o", next)
    let module = try m.build()
    #expect(module.warnings.isEmpty)
    #expect(module.combinationalPaths == ["y_o": []])
  }

  @Test func noLoopThroughAnInstancesRegister() throws {
    let child = try delay()
    #expect(child.combinationalPaths == ["y_o": []])
    let m = ModuleBuilder("ring")
    let w = m.wire("w", width: 4)
    let u = m.instance("u0", of: child, ["x_i": w])
    m.assign(w, u["y_o"] &+ 1)
    m.output("y_o", w)
    let module = try m.build()
    // A counter through the hierarchy: the child's register holds it.
    let simulator = Simulator(module)
    simulator.reset()
    var seen: [UInt64] = []
    for _ in 0..<20 {
      seen.append(simulator.value("y_o"))
      simulator.tick()
    }
    #expect(seen == (0..<20).map { UInt64(($0 + 1) % 16) })
  }

  @Test func combinationalPathsFollowTheLogic() throws {
    let m = ModuleBuilder("paths")
    let a = m.input("a_i", width: 4)
    let b = m.input("b_i", width: 4)
    let c = m.input("c_i", width: 4)
    let r = m.register("r_q", next: c)
    let u = m.instance("u0", of: try incrementer(), ["x_i": b])
    m.output("ab_o", a &+ u["y_o"])
    m.output("rc_o", r ^ c)
    m.output("r_o", r)
    let module = try m.build()
    #expect(module.combinationalPaths == ["ab_o": ["a_i", "b_i"], "rc_o": ["c_i"], "r_o": []])
  }

  // MARK: Warnings

  @Test func unusedInputsWiresAndRegistersAreWarnings() throws {
    let m = ModuleBuilder("spare")
    let a = m.input("a_i", width: 4)
    let unusedLine = #line + 1
    _ = m.input("unused_i", width: 3)
    let wireLine = #line + 1
    _ = m.wire("spare", a &+ 1)
    let registerLine = #line + 1
    _ = m.register("idle_q", next: a)
    m.output("y_o", a)
    let module = try m.build()
    #expect(
      module.warnings.map(\.description) == [
        "\(here(unusedLine)): warning: module spare: input 'unused_i' is never used",
        "\(here(wireLine)): warning: module spare: wire 'spare' is never used",
        "\(here(registerLine)): warning: module spare: register 'idle_q' is never read",
      ])
    #expect(module.warnings.allSatisfy { $0.severity == .warning })
  }

  @Test func warningsDoNotHideErrors() {
    let m = ModuleBuilder("mixed")
    _ = m.input("unused_i", width: 3)
    let line = #line + 1
    m.output("y_o", width: 1)
    // Only errors are thrown; the unused input stays a warning.
    expectError(m, line: line, ["output 'y_o' is never driven"])
  }

  @Test func everyErrorIsReportedAtOnce() {
    let m = ModuleBuilder("many")
    let a = m.input("a_i", width: 4)
    let first = #line + 1
    m.output("x_o", width: 1)
    let second = #line + 1
    m.output("y_o", a & m.input("b_i", width: 3))
    let third = #line + 1
    _ = m.register("r_q", width: 2)
    let diagnostics = buildErrors(m)
    // Mistakes in statements are reported as they are made, missing drivers by build().
    #expect(diagnostics.compactMap(\.location?.line).sorted() == [first, second, third])
    let error = ElaborationError(diagnostics: diagnostics)
    #expect(error.description.split(separator: "\n").count == 3)
  }

  // MARK: Names

  @Test(arguments: [
    ("reg", "is a Verilog keyword"), ("always_ff", "is a Verilog keyword"),
    ("a-b", "may hold only letters, digits and '_'"), ("a b", "may hold only letters, digits and '_'"),
    ("wé", "may hold only letters, digits and '_'"), ("9lives", "must start with a letter or '_'"),
    ("", "is empty"),
  ])
  func illegalNames(_ name: String, _ problem: String) {
    let m = ModuleBuilder("names")
    let a = m.input("a_i", width: 4)
    let line = #line + 1
    let w = m.wire(name, a)
    m.output("y_o", w)
    expectError(m, line: line, ["name '\(name)' \(problem)"])
  }

  @Test func illegalModuleName() {
    let line = #line + 1
    let m = ModuleBuilder("my module")
    m.output("y_o", m.input("a_i", width: 1))
    expectError(m, line: line, ["module name 'my module' may hold only letters, digits and '_'"])
  }

  @Test func duplicateNames() {
    let m = ModuleBuilder("names")
    let a = m.input("a_i", width: 4)
    let first = #line + 1
    let x = m.wire("x", a)
    let second = #line + 1
    let y = m.wire("x", ~a)
    m.output("y_o", x ^ y)
    expectError(m, line: second, ["name 'x' is already used (at \(here(first)))"])
  }

  @Test func anInstanceOutputNameCanCollide() throws {
    let m = ModuleBuilder("names")
    let a = m.input("a_i", width: 4)
    let first = #line + 1
    let taken = m.wire("u0_y", a)
    let line = #line + 1
    let u = m.instance("u0", of: try incrementer(), ["x_i": a])
    m.output("y_o", taken ^ u["y_o"])
    expectError(m, line: line, ["name 'u0_y' is already used (at \(here(first)))"])
  }

  @Test(arguments: [
    ("input", "a", "input 'a' must end in _i (_ni if active low) and not be clk_i or rst_ni"),
    ("input", "clk_i", "input 'clk_i' must end in _i (_ni if active low) and not be clk_i or rst_ni"),
    ("input", "rst_ni", "input 'rst_ni' must end in _i"),
    ("output", "y", "output 'y' must end in _o"),
    ("register", "r", "register 'r' must end in _q"),
    ("wire", "w_i", "wire 'w_i' must not end in _i, _o or _q"),
    ("wire", "w_o", "wire 'w_o' must not end in _i, _o or _q"),
    ("wire", "w_q", "wire 'w_q' must not end in _i, _o or _q"),
  ])
  func namingConvention(_ kind: String, _ name: String, _ message: String) throws {
    func make(checking: Bool) -> (ModuleBuilder, Int) {
      let m = ModuleBuilder("convention")
      m.checksNamingConvention = checking
      switch kind {
      case "input": m.output("y_o", m.input(name, width: 2)); return (m, #line)
      case "output": m.output(name, m.input("a_i", width: 2)); return (m, #line)
      case "register": m.output("y_o", m.register(name, next: m.input("a_i", width: 2))); return (m, #line)
      default: m.output("y_o", m.wire(name, m.input("a_i", width: 2))); return (m, #line)
      }
    }
    let (m, line) = make(checking: true)
    expectError(m, line: line, [message])
    // The convention can be switched off (names must still be legal and unique).
    if name != "clk_i" && name != "rst_ni" {
      let (relaxed, _) = make(checking: false)
      _ = try relaxed.build()
    }
  }

  @Test func activeLowInputsEndInNi() throws {
    let m = ModuleBuilder("convention")
    m.output("y_o", !m.input("enable_ni", width: 1))
    _ = try m.build()
  }

  @Test func widthsMustBePositive() {
    let m = ModuleBuilder("widths")
    let line = #line + 1
    m.output("y_o", m.input("a_i", width: 0))
    expectError(m, line: line, ["'a_i' needs a width of at least 1, not 0"])
  }

  // MARK: Registers and the implicit clock and reset

  @Test(arguments: [(4, false, 16), (4, false, -1), (4, true, 8), (4, true, -9)])
  func aResetValueMustFit(_ width: Int, _ signed: Bool, _ reset: Int) {
    let m = ModuleBuilder("resets")
    let line = #line + 1
    let r = m.register("r_q", width: width, signed: signed, reset: reset)
    m.assignNext(r, r)
    m.output("y_o", r)
    expectError(
      m, line: line,
      ["reset value \(reset) of register 'r_q' does not fit \(Signal.typeName(width: width, signed: signed))"])
  }

  @Test func clockAndResetAreAddedWhenNeeded() throws {
    let combinational = ModuleBuilder("plain")
    combinational.output("y_o", combinational.input("a_i", width: 2))
    let plain = try combinational.build()
    #expect(plain.ports.map(\.name) == ["a_i", "y_o"])
    #expect(!plain.hasClock)

    let unreset = ModuleBuilder("unreset")
    unreset.output("y_o", unreset.register("r_q", next: unreset.input("a_i", width: 2)))
    #expect(try unreset.build().ports.map(\.name) == ["clk_i", "a_i", "y_o"])

    let reset = ModuleBuilder("reset")
    reset.output("y_o", reset.register("r_q", next: reset.input("a_i", width: 2), reset: 1))
    let module = try reset.build()
    #expect(module.ports.map(\.name) == ["clk_i", "rst_ni", "a_i", "y_o"])
    #expect(module.inputs.map(\.width) == [1, 1, 2])
    #expect(module.hasClock)

    // A parent of a clocked module gets the clock and reset, connected for it.
    let parent = ModuleBuilder("parent")
    let u = parent.instance("u0", of: module, ["a_i": parent.input("a_i", width: 2)])
    parent.output("y_o", u["y_o"])
    #expect(try parent.build().ports.map(\.name) == ["clk_i", "rst_ni", "a_i", "y_o"])
  }

  // MARK: Instances

  @Test func instanceWithAnUnknownPort() throws {
    let child = try incrementer()
    let m = ModuleBuilder("parent")
    let a = m.input("a_i", width: 4)
    let line = #line + 1
    let u = m.instance("u0", of: child, ["x_i": a, "z_i": a])
    m.output("y_o", u["y_o"])
    expectError(m, line: line, ["instance 'u0': incrementer has no port 'z_i'; its inputs: x_i"])
  }

  @Test func instanceWithAnUnconnectedInput() throws {
    let child = try incrementer()
    let m = ModuleBuilder("parent")
    let line = #line + 1
    let u = m.instance("u0", of: child, [:])
    m.output("y_o", u["y_o"])
    expectError(m, line: line, ["instance 'u0': input 'x_i' of incrementer is not connected"])
  }

  @Test func instanceWithAnInputConnectedTwice() throws {
    let child = try incrementer()
    let m = ModuleBuilder("parent")
    let a = m.input("a_i", width: 4)
    let line = #line + 1
    let u = m.instance("u0", of: child, ["x_i": a, "x_i": ~a])
    m.output("y_o", u["y_o"])
    expectError(m, line: line, ["instance 'u0': port 'x_i' is connected twice"])
  }

  @Test func instanceWithAWidthMismatch() throws {
    let child = try incrementer()
    let m = ModuleBuilder("parent")
    let a = m.input("a_i", width: 5)
    let line = #line + 1
    let u = m.instance("u0", of: child, ["x_i": a])
    m.output("y_o", u["y_o"])
    expectError(m, line: line, ["instance 'u0': port 'x_i' is UInt<4> but is connected to 'a_i' (UInt<5>)"])
    let n = ModuleBuilder("parent")
    let literalLine = #line + 1
    let v = n.instance("u0", of: child, ["x_i": 16])
    n.output("y_o", v["y_o"])
    expectError(n, line: literalLine, ["instance 'u0', port 'x_i': literal 16 does not fit UInt<4>"])
  }

  @Test func instanceWithAnOutputConnectedAsAnInput() throws {
    let child = try incrementer()
    let m = ModuleBuilder("parent")
    let a = m.input("a_i", width: 4)
    let line = #line + 1
    let u = m.instance("u0", of: child, ["x_i": a, "y_o": a])
    m.output("y_o", u["y_o"])
    expectError(m, line: line, ["instance 'u0': port 'y_o' of incrementer is not an input you connect"])
    let clocked = try delay()
    let n = ModuleBuilder("parent")
    let b = n.input("a_i", width: 4)
    let clockLine = #line + 1
    let v = n.instance("u0", of: clocked, ["x_i": b, "clk_i": n.input("c_i", width: 1)])
    n.output("y_o", v["y_o"])
    expectError(n, line: clockLine, ["port 'clk_i' of delay is not an input you connect"])
  }

  @Test func readingAnOutputTheInstanceDoesNotHave() throws {
    let child = try incrementer()
    let m = ModuleBuilder("parent")
    let u = m.instance("u0", of: child, ["x_i": m.input("a_i", width: 4)])
    let line = #line + 1
    m.output("y_o", u["sum_o"])
    expectError(m, line: line, ["instance 'u0' of incrementer has no output 'sum_o'; its outputs: y_o"])
  }

  @Test func operationCountCountsOperationsAndConstants() throws {
    let m = ModuleBuilder("count")
    let a = m.input("a_i", width: 4)
    let b = m.input("b_i", width: 4)
    let shared = a & b  // 1
    m.output("x_o", shared ^ 3)  // xor and a constant: 2
    m.output("y_o", shared | a)  // 1 (the shared AND counts once)
    m.output("z_o", b)  // a read, no operation
    #expect(try m.build().operationCount == 4)
    // A chain far deeper than recursion could follow.
    let n = ModuleBuilder("deep")
    var value = n.input("a_i", width: 8)
    let one = Signal.constant(1, width: 8)
    for _ in 0..<40_000 { value = value &+ one }
    n.output("y_o", value)
    #expect(try n.build().operationCount == 40_001)
  }

  @Test func hierarchyListsSubmodulesFirstAndOnce() throws {
    let child = try incrementer()
    let middle = ModuleBuilder("middle")
    let x = middle.input("x_i", width: 4)
    let first = middle.instance("first", of: child, ["x_i": x])
    let second = middle.instance("second", of: child, ["x_i": first["y_o"]])
    middle.output("y_o", second["y_o"])
    let mid = try middle.build()
    let top = ModuleBuilder("top")
    let u = top.instance("u0", of: mid, ["x_i": top.input("a_i", width: 4)])
    let v = top.instance("u1", of: child, ["x_i": u["y_o"]])
    top.output("y_o", v["y_o"])
    let module = try top.build()
    #expect(module.hierarchy.map(\.name) == ["incrementer", "middle", "top"])
    #expect(VerilogEmitter().emitHierarchy(module).map(\.fileName) == ["incrementer.v", "middle.v", "top.v"])
  }
}
