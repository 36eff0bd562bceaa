extension ModuleBuilder {
  /// Checks the module and returns it built.
  ///
  /// The checks: every output and wire driven exactly once, every register given a next
  /// value, no expression carrying a width or type mistake, no reference to another module's
  /// signals, no combinational loop, legal and unique names. Unused inputs and wires are
  /// warnings (``Module/warnings``).
  ///
  /// - Throws: ``ElaborationError`` listing every error, each with its Swift file and line.
  public func build() throws -> Module {
    var all = declarations
    if let reset { all.insert(reset, at: 0) }
    if let clock { all.insert(clock, at: 0) }

    // Drivers, and what each statement's expressions may not contain.
    for declaration in all {
      switch declaration.kind {
      case .output, .wire:
        if declaration.driverLocation == nil {
          error("\(kindName(declaration)) '\(declaration.name)' is never driven", at: declaration.location)
        }
      case .register:
        if declaration.driverLocation == nil {
          error("register '\(declaration.name)' is never given a next value (assignNext)", at: declaration.location)
        }
      case .memory:
        if declaration.driverLocation == nil {
          error("memory '\(declaration.name)' is never written (write)", at: declaration.location)
        }
      default: break
      }
      let roots = declaration.roots
      checkExpressions(
        roots, statement: "'\(declaration.name)'", at: declaration.driverLocation ?? declaration.location)
    }
    for instance in instances {
      checkExpressions(
        instance.connections.map(\.node), statement: "instance '\(instance.name)'", at: instance.location)
    }

    let paths = checkCombinationalLoops(all)
    warnUnused(all)

    let errors = diagnostics.filter { $0.severity == .error }
    guard errors.isEmpty else { throw ElaborationError(diagnostics: errors) }

    let ports = all.compactMap { declaration -> Port? in
      switch declaration.kind {
      case .input, .clock, .reset:
        return Port(
          name: declaration.name, direction: .input, width: declaration.width, isSigned: declaration.isSigned,
          comment: declaration.comment)
      case .output:
        return Port(
          name: declaration.name, direction: .output, width: declaration.width, isSigned: declaration.isSigned,
          comment: declaration.comment)
      default:
        return nil
      }
    }
    return Module(
      name: name, ports: ports, warnings: diagnostics.filter { $0.severity == .warning }, headerLines: headerLines,
      resetStyle: resetStyle, combinationalPaths: paths, declarations: all, instances: instances)
  }

  func kindName(_ declaration: Declaration) -> String {
    switch declaration.kind {
    case .input, .clock, .reset: return "input"
    case .output: return "output"
    case .wire: return "wire"
    case .register: return "register"
    case .instanceOutput: return "instance output"
    case .memory: return "memory"
    }
  }

  /// Reports mistakes carried by expressions and references to other modules' signals.
  func checkExpressions(_ roots: [Node], statement: String, at location: SourceLocation) {
    guard !roots.isEmpty else { return }
    if let problem = Graph.firstError(roots) {
      let origin = problem.location.map { " (at \($0))" } ?? ""
      error("\(statement): \(problem.message)\(origin)", at: location)
      return
    }
    for declaration in Graph.references(roots) where declaration.owner != identity {
      error("\(statement) reads '\(declaration.name)', which belongs to another module", at: location)
    }
  }

  /// Finds combinational loops and, for the module's outputs, the inputs each depends on
  /// without a register in between.
  func checkCombinationalLoops(_ all: [Declaration]) -> [String: Set<String>] {
    // The signals each combinational signal reads directly (registers and inputs end a path).
    func dependencies(_ declaration: Declaration) -> [Declaration] {
      switch declaration.kind {
      case .output, .wire:
        return declaration.driver.map { Graph.references([$0]) } ?? []
      case .instanceOutput(let instance, let port):
        let inputs = instance.module.combinationalPaths[port] ?? []
        return Graph.references(instance.connections.filter { inputs.contains($0.port) }.map(\.node))
      default:
        return []
      }
    }
    var inputsReached: [ObjectIdentifier: Set<String>] = [:]
    var state: [ObjectIdentifier: Bool] = [:]  // false: on the current path, true: done
    var reported = false
    for start in all where state[ObjectIdentifier(start)] == nil {
      // Iterative depth-first search with an explicit path, so loops can be named.
      var path: [(declaration: Declaration, next: [Declaration], index: Int)] = [(start, dependencies(start), 0)]
      state[ObjectIdentifier(start)] = false
      while let top = path.last {
        if top.index < top.next.count {
          path[path.count - 1].index += 1
          let next = top.next[top.index]
          switch state[ObjectIdentifier(next)] {
          case nil:
            state[ObjectIdentifier(next)] = false
            path.append((next, dependencies(next), 0))
          case false?:
            if !reported {
              let loop = path.map(\.declaration.name).drop { $0 != next.name } + [next.name]
              error("combinational loop: \(loop.joined(separator: " -> "))", at: next.driverLocation ?? next.location)
              reported = true
            }
          case true?:
            break
          }
        } else {
          path.removeLast()
          let declaration = top.declaration
          state[ObjectIdentifier(declaration)] = true
          var reached = Set<String>()
          if declaration.isInput { reached.insert(declaration.name) }
          for dependency in top.next { reached.formUnion(inputsReached[ObjectIdentifier(dependency)] ?? []) }
          inputsReached[ObjectIdentifier(declaration)] = reached
        }
      }
    }
    var paths: [String: Set<String>] = [:]
    for declaration in all {
      if case .output = declaration.kind {
        paths[declaration.name] = inputsReached[ObjectIdentifier(declaration)] ?? []
      }
    }
    return paths
  }

  /// Warns about inputs, wires and registers nothing reads.
  func warnUnused(_ all: [Declaration]) {
    var roots: [Node] = []
    for declaration in all { roots += declaration.roots }
    for instance in instances { roots += instance.connections.map(\.node) }
    let read = Set(Graph.references(roots).map { ObjectIdentifier($0) })
    for declaration in all where !read.contains(ObjectIdentifier(declaration)) {
      switch declaration.kind {
      case .input: warning("input '\(declaration.name)' is never used", at: declaration.location)
      case .wire: warning("wire '\(declaration.name)' is never used", at: declaration.location)
      case .register: warning("register '\(declaration.name)' is never read", at: declaration.location)
      default: break
      }
    }
  }
}
