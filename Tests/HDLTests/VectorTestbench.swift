@testable import HDL

/// Golden vectors for any module from the Swift simulator, and a Verilog testbench that
/// replays them against the emitted RTL in another simulator (Icarus Verilog or Verilator)
/// and compares every output bit for bit.
///
/// Each vector is one line of hex for `$readmemh`: the inputs (`rst_ni` included, `clk_i`
/// excluded) concatenated in port order, most significant first; the expected line is a
/// compare bit followed by the outputs concatenated the same way. Vector k is applied, the
/// outputs compared just before rising edge k, then the edge happens.
struct VectorTestbench {
  /// The module under test.
  let module: Module
  /// Input lines (hex), one per vector.
  let stimulus: [String]
  /// Expected lines (hex): compare bit, then outputs.
  let expected: [String]

  /// The inputs the vectors drive, in port order.
  var drivenInputs: [Port] { module.inputs.filter { $0.name != ModuleBuilder.clockName } }

  /// Runs `count` random vectors through the Swift simulator. A clocked module is reset
  /// during vector 0 (not compared); after that `rst_ni` is low in about one vector in 64.
  init(module: Module, count: Int, seed: UInt64) {
    self.module = module
    var random = SplitMix(seed: seed)
    let simulator = Simulator(module)
    let inputs = module.inputs.filter { $0.name != ModuleBuilder.clockName }
    let clocked = module.hasClock
    var stimulus: [String] = []
    var expected: [String] = []
    for index in 0..<count {
      var values: [BitVector] = []
      for port in inputs {
        var value = random.bits(port.width)
        if port.name == ModuleBuilder.resetName {
          value = BitVector(index == 0 || random.below(64) == 0 ? 0 : 1, width: 1)
        }
        simulator.set(port.name, value)
        values.append(value)
      }
      simulator.evaluate()
      let outputs = module.outputs.map { simulator.get($0.name) }
      let compare = !(clocked && index == 0)
      stimulus.append(Self.concatenatedHex(values))
      expected.append(Self.concatenatedHex([BitVector(compare ? 1 : 0, width: 1)] + outputs))
      if clocked { simulator.tick() }
    }
    self.stimulus = stimulus
    self.expected = expected
  }

  /// Values side by side, the first most significant, as hex digits.
  static func concatenatedHex(_ values: [BitVector]) -> String {
    let width = values.map(\.width).reduce(0, +)
    var words = [UInt64](repeating: 0, count: (width + 63) / 64)
    var position = 0
    for value in values.reversed() {
      Wide.place(value.words, width: value.width, into: &words, at: position)
      position += value.width
    }
    return BitVector(width: width, words: words).hexDigits
  }

  /// The testbench module `tb_<module>`, clocked by its `clk` input, reading
  /// `<directory>/<module>.stimulus.hex` and `.expected.hex`, ending with the line
  /// `N passed, M failed`.
  func verilog(vectorDirectory directory: String) -> String {
    let inputs = drivenInputs
    let inputBits = max(1, inputs.map(\.width).reduce(0, +))
    let outputBits = module.outputs.map(\.width).reduce(0, +)
    var lines = [
      "// Testbench for \(module.name): replays golden vectors from the dialectgen simulator.",
      "`default_nettype none",
      "",
      "module tb_\(module.name) (",
      "  input wire clk",
      ");",
      "  localparam integer COUNT = \(stimulus.count);",
      "  reg [\(inputBits - 1):0] stimulus [0:COUNT-1];",
      "  reg [\(outputBits):0] expected [0:COUNT-1];",
      "  reg [\(inputBits - 1):0] applied;",
      "  integer index;",
      "  integer passed;",
      "  integer failed;",
    ]
    var position = inputBits
    for port in inputs {
      position -= port.width
      let type = port.isSigned ? "wire signed" : "wire"
      lines.append("  \(type) [\(port.width - 1):0] \(port.name) = applied[\(position + port.width - 1):\(position)];")
    }
    for port in module.outputs {
      lines.append("  wire \(port.isSigned ? "signed " : "")[\(port.width - 1):0] \(port.name);")
    }
    let connections = module.ports.map { port in
      port.name == ModuleBuilder.clockName ? ".\(port.name)(clk)" : ".\(port.name)(\(port.name))"
    }
    lines.append("  \(module.name) dut (")
    lines.append(connections.map { "    " + $0 }.joined(separator: ",\n"))
    lines.append("  );")
    lines.append("  wire [\(outputBits - 1):0] actual = {\(module.outputs.map(\.name).joined(separator: ", "))};")
    lines += [
      "  initial begin",
      "    $readmemh(\"\(directory)/\(module.name).stimulus.hex\", stimulus);",
      "    $readmemh(\"\(directory)/\(module.name).expected.hex\", expected);",
      "    index = 0;",
      "    passed = 0;",
      "    failed = 0;",
      "    applied = stimulus[0];",
      "  end",
      "  // verilator lint_off BLKSEQ",
      "  always @(posedge clk) begin",
      "    if (expected[index][\(outputBits)]) begin",
      "      if (actual === expected[index][\(outputBits - 1):0]) begin",
      "        passed = passed + 1;",
      "      end else begin",
      "        failed = failed + 1;",
      "        if (failed <= 10)",
      "          $display(\"mismatch at vector %0d: inputs %h expected %h actual %h\", index, applied, expected[index][\(outputBits - 1):0], actual);",
      "      end",
      "    end",
      "    index = index + 1;",
      "    if (index == COUNT) begin",
      "      $display(\"%0d passed, %0d failed\", passed, failed);",
      "      $finish;",
      "    end else begin",
      "      applied <= stimulus[index];",
      "    end",
      "  end",
      "  // verilator lint_on BLKSEQ",
      "endmodule",
      "",
      "`default_nettype wire",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// A top module for event-driven simulators (Icarus): a free-running clock around the
  /// testbench.
  static func clockWrapper(testbench: String) -> String {
    """
    // Clock for \(testbench) under an event-driven simulator.
    module \(testbench)_clock;
      reg clk = 1'b0;
      always #1 clk = ~clk;
      \(testbench) bench (.clk(clk));
    endmodule

    """
  }
}
