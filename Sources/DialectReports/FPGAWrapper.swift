import HDL

/// A thin register wrapper that fits any module into a few FPGA pins for place and route:
///
/// - every input of the module comes from one long shift register, `chain_q`, fed one bit per
///   cycle from `serial_i`;
/// - every output is captured in `captured_q` and folded by XOR into eight registered pins,
///   `folded_o`, so every output bit stays observable and no logic can be optimized away;
/// - the module's reset, if it has one, is the wrapper's `rst_ni`.
///
/// Every path through the module then starts and ends at a register, so the maximum frequency
/// nextpnr reports is the module's own register-to-register speed.
public enum FPGAWrapper {
  /// Output pins after folding.
  public static let foldedWidth = 8

  /// The wrapper around `module`, named `fpga_<module>`.
  public static func wrap(_ module: Module) throws -> Module {
    let m = ModuleBuilder("fpga_\(module.name)")
    m.headerLines = ["Register wrapper for place and route of \(module.name): serial inputs, XOR-folded outputs"]
    let serial = m.input("serial_i", width: 1, comment: "shifted into the input chain")
    let inputs = module.inputs.filter { $0.name != ModuleBuilder.clockName && $0.name != ModuleBuilder.resetName }
    let chainWidth = max(2, inputs.map(\.width).reduce(0, +))
    let chain = m.register("chain_q", width: chainWidth)
    m.assignNext(chain, concatenate(chain[0...(chainWidth - 2)], serial))
    var connections: [(port: String, value: Signal)] = []
    var position = 0
    for port in inputs {
      let bits = chain[position...(position + port.width - 1)]
      connections.append((port.name, port.isSigned ? bits.asSigned : bits))
      position += port.width
    }
    let dut = m.instance("dut", of: module, connections: connections)
    let outputs = concatenate(module.outputs.map { dut[$0.name].asUnsigned })
    let captured = m.register("captured_q", next: outputs)
    let folded = (0..<foldedWidth).map { pin -> Signal in
      let bits = stride(from: pin, to: captured.width, by: foldedWidth).map { captured[$0] }
      switch bits.count {
      case 0: return .constant(0, width: 1)
      case 1: return bits[0]
      default: return concatenate(bits).xorReduced()
      }
    }
    m.output(
      "folded_o", m.register("folded_q", next: concatenate(folded.reversed())),
      comment: "XOR of every eighth output bit")
    return try m.build()
  }
}
