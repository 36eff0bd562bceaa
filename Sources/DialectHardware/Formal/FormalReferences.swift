import BlockDialect

/// Reference modules for formal equivalence, written as plain Verilog truth tables straight
/// from the formatbook and the definitions of NUMERICS.md: no generator, no HDL, no derived
/// table of the numerics library is involved, so a proof that the emitted module equals its
/// reference checks the generators from outside.
///
/// - the decoder: every (dialect, code) to `+-m_D[k]`, zero for index 0;
/// - selector stage 1: every h to the group whose largest magnitude is the smallest one >= h
///   (else the last group), groups ordered by largest magnitude;
/// - selector stage 2: every (group, q) to the member bits, a member counting when its error
///   `min_k |q - 2 m_k|` is strictly below every other member's.
public struct FormalReferences: Sendable {
  public let book: Formatbook

  public init(book: Formatbook) {
    self.book = book
  }

  /// The groups, recomputed from the dialects: (largest magnitude, member ids ascending).
  var groups: [(maximum: Int, members: [Int])] {
    let maxima = Set(book.dialects.map { $0.magnitudes.last! }).sorted()
    return maxima.map { maximum in
      (maximum, book.dialects.indices.filter { book.dialects[$0].magnitudes.last! == maximum })
    }
  }

  static func bits(_ value: Int) -> Int { value <= 1 ? 1 : Int.bitWidth - (value - 1).leadingZeroBitCount }

  static func header(_ what: String) -> String {
    "// Formal reference: \(what). Written by dialectgen \(dialectgenVersion) from the formatbook and NUMERICS.md.\n"
  }

  /// The decoder reference, with the ports of `<prefix>_decoder`.
  public func decoder(name: String) -> String {
    let idWidth = book.idWidth
    let magnitudeWidth = Self.bits(book.dialects.flatMap(\.magnitudes).max()! + 1)
    var lines = [Self.header("decoder of formatbook \(book.name)"), "module \(name) ("]
    if idWidth > 0 { lines.append("  input  wire [\(idWidth - 1):0] dialect_i,") }
    lines += [
      "  input  wire [3:0] code_i,",
      "  output reg  signed [\(magnitudeWidth):0] value_o",
      ");",
      "  always @(*) begin",
      idWidth > 0 ? "    case ({dialect_i, code_i})" : "    case (code_i)",
    ]
    for (dialect, entry) in book.dialects.enumerated() {
      for code in 0..<16 {
        let magnitude = entry.magnitudes[code & 7]
        let value = code & 8 != 0 ? -magnitude : magnitude
        let label = idWidth > 0 ? "\(idWidth + 4)'d\(dialect << 4 | code)" : "4'd\(code)"
        lines.append("      \(label): value_o = \(value < 0 ? "-" : "")\(magnitudeWidth + 1)'sd\(abs(value));")
      }
    }
    lines += ["      default: value_o = \(magnitudeWidth + 1)'sd0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// The stage-1 reference, with the ports of `<prefix>_group_select`.
  public func groupSelect(name: String) -> String {
    let groups = self.groups
    let width = max(1, Self.bits(groups.count))
    var lines = [
      Self.header("selector stage 1 of formatbook \(book.name)"), "module \(name) (",
      "  input  wire [3:0] maximum_i,", "  output reg  [\(width - 1):0] group_o", ");", "  always @(*) begin",
      "    case (maximum_i)",
    ]
    for h in 0...15 {
      let group = groups.firstIndex { $0.maximum >= h } ?? groups.count - 1
      lines.append("      4'd\(h): group_o = \(width)'d\(group);")
    }
    lines += ["      default: group_o = \(width)'d0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// The stage-2 reference, with the ports of `<prefix>_membership`.
  public func membership(name: String) -> String {
    let groups = self.groups
    let groupWidth = max(1, Self.bits(groups.count))
    let positions = groups.map(\.members.count).max()!
    func error(_ dialect: Int, _ q: Int) -> Int { book.dialects[dialect].magnitudes.map { abs(q - 2 * $0) }.min()! }
    var lines = [
      Self.header("selector stage 2 (beneficial ranges) of formatbook \(book.name)"), "module \(name) (",
      "  input  wire [\(groupWidth - 1):0] group_i,", "  input  wire [4:0] view_i,",
      "  output reg  [\(positions - 1):0] members_o", ");", "  always @(*) begin", "    case ({group_i, view_i})",
    ]
    for (index, group) in groups.enumerated() {
      for q in 0..<32 {
        var bits = 0
        for (position, member) in group.members.enumerated() where group.members.count > 1 {
          if group.members.allSatisfy({ $0 == member || error(member, q) < error($0, q) }) { bits |= 1 << position }
        }
        lines.append("      \(groupWidth + 5)'d\(index << 5 | q): members_o = \(positions)'d\(bits);")
      }
    }
    lines += ["      default: members_o = \(positions)'d0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// A Yosys script proving `module` (read from `rtl`) equal to `reference` (read from
  /// `referenceFile`) for every input: a miter and a SAT proof; on failure Yosys prints a
  /// counterexample and exits non-zero.
  public static func proofScript(module: String, rtl: String, reference: String, referenceFile: String) -> String {
    """
    # Prove \(module) equal to \(reference) for every input.
    read_verilog \(rtl)
    read_verilog \(referenceFile)
    prep
    memory_map
    opt -fast
    miter -equiv -flatten -make_outputs \(module) \(reference) miter
    hierarchy -top miter
    sat -verify -prove trigger 0 -show-inputs -show-outputs miter

    """
  }
}
