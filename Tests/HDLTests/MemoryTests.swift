import Foundation
import TestSupport
import Testing

@testable import HDL

/// Memories: one synchronous write port, synchronous reads into registers.
@Suite("Memories")
struct MemoryTests {
  /// A 16-word memory, its read port, and a record of which words were written so the output
  /// is defined (an unwritten word is X in Verilog).
  static func ram() throws -> Module {
    let m = ModuleBuilder("ram")
    let write = m.input("write_i", width: 1)
    let writeAddress = m.input("write_address_i", width: 4)
    let data = m.input("data_i", width: 12)
    let readAddress = m.input("read_address_i", width: 4)
    let memory = m.memory("words_q", depth: 16, width: 12, comment: "the words")
    m.write(memory, address: writeAddress, data: data, enable: write)
    let word = m.read(memory, address: readAddress, into: "word_q")
    let written = m.register("written_q", width: 16, reset: 0)
    let bit = Signal.constant(1, width: 16).shiftedLeft(by: writeAddress, width: 16)
    m.assignNext(written, written | mux(write, bit, .constant(0, width: 16)))
    let defined = m.register("defined_q", next: written.shiftedRight(by: readAddress)[0], reset: 0)
    m.output("word_o", mux(defined, word, .constant(0, width: 12)))
    return try m.build()
  }

  /// The simulator reads the word written earlier, the old word when read and written in the
  /// same cycle, and nothing before it was written.
  @Test func readsWhatWasWritten() throws {
    let simulator = Simulator(try Self.ram())
    simulator.reset()
    var model = [Int?](repeating: nil, count: 16)
    var random = SplitMix(seed: 11)
    var pending: Int? = nil
    for _ in 0..<2_000 {
      let write = random.below(2) == 1
      let (address, data, readAddress) = (random.below(16), random.below(4096), random.below(16))
      simulator.set("write_i", write ? 1 : 0)
      simulator.set("write_address_i", address)
      simulator.set("data_i", data)
      simulator.set("read_address_i", readAddress)
      simulator.evaluate()
      if let expected = pending { #expect(Int(simulator.value("word_o")) == expected) }
      pending = model[readAddress] ?? 0
      if write { model[address] = data }
      simulator.tick()
    }
  }

  /// The emitted Verilog agrees with the simulator in Icarus, vector by vector.
  @Test(.enabled(if: Tools.icarus, Tools.icarusMissing))
  func agreesWithIcarus() throws {
    let module = try Self.ram()
    let (summary, output) = try replayInIcarus(module, vectors: VectorTestbench(module: module, count: 3_000, seed: 4))
    #expect(summary.hasSuffix(" passed, 0 failed"), "\(output.suffix(600))")
    let text = VerilogEmitter().emit(module)
    #expect(text.contains("reg [11:0] words_q [0:15];"))
    #expect(text.contains("if (write_i) words_q[write_address_i] <= data_i;"))
    #expect(text.contains("word_q <= words_q[read_address_i];"))
  }

  /// Yosys maps a memory of this form to iCE40 block RAM.
  @Test(.enabled(if: Tools.yosys, Tools.yosysMissing))
  func yosysInfersBlockRAM() throws {
    let m = ModuleBuilder("bram")
    let memory = m.memory("words_q", depth: 256, width: 16)
    m.write(
      memory, address: m.input("write_address_i", width: 8), data: m.input("data_i", width: 16),
      enable: m.input("write_i", width: 1))
    m.output("word_o", m.read(memory, address: m.input("read_address_i", width: 8), into: "word_q"))
    let directory = try TemporaryDirectory()
    let file = try directory.write("bram.v", text: VerilogEmitter().emit(try m.build()))
    let statistics = directory.file("stat.txt")
    let result = try runTool(
      "yosys", ["-q", "-p", "read_verilog \(file); synth_ice40 -top bram; tee -o \(statistics) stat"])
    #expect(result.status == 0, "\(result.output.suffix(500))")
    let cells = (try? String(contentsOfFile: statistics, encoding: .utf8)) ?? ""
    #expect(cells.contains("SB_RAM40_4K"), "no block RAM inferred: \(cells.suffix(800))")
  }

  @Test func memoryMistakesAreReported() {
    let m = ModuleBuilder("bad")
    let address = m.input("address_i", width: 3)
    let line = #line + 1
    let odd = m.memory("odd_q", depth: 12, width: 8)
    m.write(odd, address: m.input("a_i", width: 4), data: m.input("d_i", width: 8), enable: m.input("e_i", width: 1))
    let errors = buildErrors(m)
    #expect(errors.contains { $0.message.contains("depth must be a power of two") && $0.location?.line == line })
    #expect(errors.contains { $0.message.contains("address must be a UInt<1>") })
    _ = address

    let n = ModuleBuilder("unwritten")
    let memory = n.memory("words_q", depth: 4, width: 8)
    n.output("word_o", n.read(memory, address: n.input("address_i", width: 2), into: "word_q"))
    #expect(buildErrors(n).contains { $0.message.contains("memory 'words_q' is never written") })
  }
}
