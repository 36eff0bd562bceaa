/// A memory of a module: `depth` words of `width` bits, with one write port and any number of
/// read ports, all synchronous. Emitted as `reg [width-1:0] name [0:depth-1]` with the write in
/// a clocked block and each read into a register, the form synthesis tools map to block RAM
/// (Yosys infers iCE40 RAM from it) and an ASIC flow replaces with a memory macro.
public struct Memory {
  /// The memory's name (it ends in `_q`).
  public let name: String
  /// Words.
  public let depth: Int
  /// Bits per word.
  public let width: Int
  /// Address bits: log2(depth).
  public var addressWidth: Int { depth <= 1 ? 1 : Int.bitWidth - (depth - 1).leadingZeroBitCount }
  let declaration: Declaration
}

extension ModuleBuilder {
  /// Declares a memory of `depth` words (a power of two, at least 2) of `width` bits. Give it
  /// its write port with ``write(_:address:data:enable:file:line:)`` and read it with
  /// ``read(_:address:into:enable:comment:file:line:)``.
  public func memory(
    _ name: String, depth: Int, width: Int, comment: String? = nil, file: StaticString = #fileID,
    line: UInt = #line
  ) -> Memory {
    let location = SourceLocation(file, line)
    var depth = depth
    if depth < 2 || depth & (depth - 1) != 0 {
      error("memory '\(name)': the depth must be a power of two of at least 2, not \(depth)", at: location)
      depth = 2
    }
    let declaration = declare(name, .memory(depth: depth), width: width, signed: false, comment: comment, at: location)
    useClock(reset: false)
    return Memory(name: name, depth: depth, width: declaration.width, declaration: declaration)
  }

  /// The memory's write port: on a rising clock edge with `enable` (a `UInt<1>`) set, the word
  /// at `address` (unsigned, exactly `addressWidth` bits) becomes `data` (`UInt<width>`).
  /// Each memory has exactly one.
  public func write(
    _ memory: Memory, address: Signal, data: Signal, enable: Signal, file: StaticString = #fileID, line: UInt = #line
  ) {
    let location = SourceLocation(file, line)
    let declaration = memory.declaration
    guard declaration.owner == identity else {
      error("memory '\(memory.name)' belongs to another module", at: location)
      return
    }
    if let previous = declaration.driverLocation {
      error("memory '\(memory.name)' has a write port already (at \(previous))", at: location)
      return
    }
    declaration.driverLocation = location
    guard let address = checkedAddress(address, of: memory, at: location) else { return }
    declaration.address = address
    declaration.driver = checked(data, for: declaration, statement: "data written to '\(memory.name)'", at: location)
    if enable.isInvalid || enable.width != 1 || enable.isSigned {
      error("the write enable of memory '\(memory.name)' must be a UInt<1>, not \(enable)", at: location)
    } else {
      declaration.enable = enable.node
    }
  }

  /// A read port: the register `name` (ending in `_q`) loads the word at `address` on each
  /// rising clock edge (only when `enable` is 1, if given), so the word appears one cycle after
  /// its address. A write to the same address in the same cycle is seen on the next read.
  public func read(
    _ memory: Memory, address: Signal, into name: String, enable: Signal? = nil, comment: String? = nil,
    file: StaticString = #fileID, line: UInt = #line
  ) -> Signal {
    let location = SourceLocation(file, line)
    let register = self.register(name, width: memory.width, comment: comment, file: file, line: line)
    guard memory.declaration.owner == identity else {
      error("memory '\(memory.name)' belongs to another module", at: location)
      return register
    }
    guard let address = checkedAddress(address, of: memory, at: location) else { return register }
    let word = Signal(Node(.memoryRead(memory.declaration), [address], width: memory.width, signed: false))
    assignNext(register, word, enable: enable, file: file, line: line)
    return register
  }

  /// The address node, if `address` is an unsigned value of exactly the memory's address width.
  func checkedAddress(_ address: Signal, of memory: Memory, at location: SourceLocation) -> Node? {
    if let problem = address.checkedUnary("address") {
      report(problem, statement: "address of memory '\(memory.name)'", at: location)
      return nil
    }
    guard !address.isSigned, address.width == memory.addressWidth else {
      error(
        "memory '\(memory.name)': the address must be a UInt<\(memory.addressWidth)> (\(memory.depth) words), not \(address)",
        at: location)
      return nil
    }
    return address.node
  }
}
