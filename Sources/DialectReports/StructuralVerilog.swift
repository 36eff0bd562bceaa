import Foundation

/// A mapped netlist written as structural Verilog for OpenSTA, from Yosys's `write_json`
/// output.
///
/// Yosys 0.23's own `write_verilog` spends most of a mapping run on a large netlist (it builds
/// its keyword set again for every name it prints: eight of fifteen seconds on the INT8 block
/// dot product), so the flows write JSON only and this writes the Verilog, once and only for the
/// netlists that are timed or whose power is estimated. Ports keep their names and widths;
/// internal nets are named `n<bit>` after Yosys's bit numbers; cells keep their names, so
/// OpenSTA's instance names are the JSON's (which the gate simulation also reads).
public enum StructuralVerilog {
  /// The Verilog of module `top` in `json`.
  public static func verilog(json: Data, top: String) throws -> String {
    let module = try YosysJSON.module(top, in: json)
    let ports = (module["ports"] as? [String: Any]) ?? [:]
    let cells = (module["cells"] as? [String: Any]) ?? [:]

    // Every input port bit is its own net; every other bit is n<bit>.
    var inputNet: [Int: String] = [:]
    var declarations: [String] = []
    var portOrder: [String] = []
    var outputs: [(reference: String, bit: Any)] = []
    for name in ports.keys.sorted() {
      guard let port = ports[name] as? [String: Any], let direction = port["direction"] as? String,
        let bits = port["bits"] as? [Any], ["input", "output"].contains(direction)
      else { throw FlowError(description: "yosys (\(top)): port \(name) is neither an input nor an output") }
      let identifier = escaped(name)
      portOrder.append(identifier)
      let range = bits.count == 1 ? "" : "[\(bits.count - 1):0] "
      declarations.append("  \(direction) \(range)\(identifier);")
      for (index, bit) in bits.enumerated() {
        let reference = bits.count == 1 ? identifier : "\(identifier)[\(index)]"
        if direction == "input" {
          if let number = bit as? Int, inputNet[number] == nil { inputNet[number] = reference }
        } else {
          outputs.append((reference, bit))
        }
      }
    }
    var internalNets = Set<Int>()
    func net(_ bit: Any) -> String {
      if let number = bit as? Int {
        if let input = inputNet[number] { return input }
        internalNets.insert(number)
        return "n\(number)"
      }
      return (bit as? String) == "1" ? "1'b1" : "1'b0"
    }
    var instances: [String] = []
    for name in cells.keys.sorted() {
      guard let cell = cells[name] as? [String: Any], let type = cell["type"] as? String,
        let connections = cell["connections"] as? [String: [Any]]
      else { throw FlowError(description: "yosys (\(top)): cell \(name) has no type or connections") }
      let pins = connections.keys.sorted().map { pin -> String in
        let bits = connections[pin]!
        let value = bits.count == 1 ? net(bits[0]) : "{" + bits.reversed().map(net).joined(separator: ", ") + "}"
        return ".\(escaped(pin))(\(value))"
      }
      instances.append("  \(escaped(type)) \(escaped(name)) (\(pins.joined(separator: ", ")));")
    }
    let assignments = outputs.map { "  assign \($0.reference) = \(net($0.bit));" }
    var lines = ["module \(escaped(top)) (\(portOrder.joined(separator: ", ")));"]
    lines += declarations
    lines += internalNets.sorted().map { "  wire n\($0);" }
    lines += instances
    lines += assignments
    lines.append("endmodule")
    return lines.joined(separator: "\n") + "\n"
  }

  /// Writes the Verilog of `top` next to its JSON netlist (`<base>.json` to `<base>.v`) unless
  /// it is there already; the Verilog's path.
  @discardableResult
  public static func write(netlist: String, top: String) throws -> String {
    if FileManager.default.fileExists(atPath: netlist) { return netlist }
    let json = String(netlist.dropLast(2)) + ".json"
    guard let data = FileManager.default.contents(atPath: json) else {
      throw FlowError(description: "yosys (\(top)): no JSON netlist \(json)")
    }
    let text = try verilog(json: data, top: top)
    // Written whole or not at all, so that a run stopped half-way leaves no netlist to reuse.
    try text.write(toFile: netlist, atomically: true, encoding: .utf8)
    return netlist
  }

  /// `name` as a Verilog identifier: as it is when it is a simple one, escaped otherwise.
  static func escaped(_ name: String) -> String {
    let simple =
      name.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
      && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }
    return simple ? name : "\\\(name) "
  }
}

/// Yosys's `write_json` netlists, read by the gate simulation and the Verilog writer.
enum YosysJSON {
  /// Module `top` of the netlist `json`, as JSONSerialization gives it.
  static func module(_ top: String, in json: Data) throws -> [String: Any] {
    guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any],
      let modules = root["modules"] as? [String: Any], let module = modules[top] as? [String: Any]
    else { throw FlowError(description: "yosys (\(top)): no module \(top) in the JSON netlist") }
    return module
  }
}
