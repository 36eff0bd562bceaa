import BlockDialect

/// Reference modules for formal equivalence, written as plain Verilog truth tables with every
/// entry taken from the numerics library (the golden model): no generator and no HDL is
/// involved, so a proof that the emitted module equals its reference checks the generators'
/// circuits against the model for every input.
///
/// - the decoder: every (dialect, code) to `+-m_D[k]` (``Formatbook/halfUnits(dialect:code:)``);
/// - selector stage 1: every h to its group (``Formatbook/groupIndex(forTruncatedMaximum:)``);
/// - selector stage 2: every (group, q) to the member bits
///   (``Formatbook/memberBits(group:view:)``).
public struct FormalReferences: Sendable {
  public let book: Formatbook

  public init(book: Formatbook) {
    self.book = book
  }

  static func bits(_ value: Int) -> Int { value <= 1 ? 1 : Int.bitWidth - (value - 1).leadingZeroBitCount }

  static func header(_ what: String) -> String {
    "// Formal reference: \(what). Written by dialectgen \(dialectgenVersion) from the numerics library.\n"
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
    for dialect in book.dialects.indices {
      for code in 0..<16 {
        let value = book.halfUnits(dialect: dialect, code: UInt8(code))
        let label = idWidth > 0 ? "\(idWidth + 4)'d\(dialect << 4 | code)" : "4'd\(code)"
        lines.append("      \(label): value_o = \(value < 0 ? "-" : "")\(magnitudeWidth + 1)'sd\(abs(value));")
      }
    }
    lines += ["      default: value_o = \(magnitudeWidth + 1)'sd0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// The stage-1 reference, with the ports of `<prefix>_group_select`.
  public func groupSelect(name: String) -> String {
    let width = max(1, Self.bits(book.groups.count))
    var lines = [
      Self.header("selector stage 1 of formatbook \(book.name)"), "module \(name) (",
      "  input  wire [3:0] maximum_i,", "  output reg  [\(width - 1):0] group_o", ");", "  always @(*) begin",
      "    case (maximum_i)",
    ]
    for h in 0...Dialect.largestMagnitude {
      lines.append("      4'd\(h): group_o = \(width)'d\(book.groupIndex(forTruncatedMaximum: h));")
    }
    lines += ["      default: group_o = \(width)'d0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// The stage-2 reference, with the ports of `<prefix>_membership`.
  public func membership(name: String) -> String {
    let groupWidth = max(1, Self.bits(book.groups.count))
    let positions = book.groups.map(\.members.count).max()!
    var lines = [
      Self.header("selector stage 2 (beneficial ranges) of formatbook \(book.name)"), "module \(name) (",
      "  input  wire [\(groupWidth - 1):0] group_i,", "  input  wire [4:0] view_i,",
      "  output reg  [\(positions - 1):0] members_o", ");", "  always @(*) begin", "    case ({group_i, view_i})",
    ]
    for index in book.groups.indices {
      for q in 0..<Formatbook.quarterUnitViewCount {
        let bits = book.memberBits(group: index, view: q)
        lines.append("      \(groupWidth + 5)'d\(index << 5 | q): members_o = \(positions)'d\(bits);")
      }
    }
    lines += ["      default: members_o = \(positions)'d0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// The neighbour-group selector's per-element reference, with the ports of
  /// `bd_neighbor_errors`: every (group, q) to each slot's residual
  /// (``NeighborGroupTables/residuals``).
  public func neighborErrors(name: String, cost: NeighborCost = .specified) -> String {
    let tables = NeighborGroupTables(book: book, cost: cost)
    let groupWidth = max(1, Self.bits(book.groups.count))
    let width = tables.residualWidth
    let outputWidth = width * tables.slotCount
    var lines = [
      Self.header("neighbour-group selector residual errors of formatbook \(book.name)"), "module \(name) (",
      "  input  wire [\(groupWidth - 1):0] group_i,", "  input  wire [4:0] view_i,",
      "  output reg  [\(outputWidth - 1):0] residuals_o", ");", "  always @(*) begin", "    case ({group_i, view_i})",
    ]
    for group in book.groups.indices {
      for q in 0..<Formatbook.quarterUnitViewCount {
        let fields = (0..<tables.slotCount).reversed().map { "\(width)'d\(tables.residuals[group][$0][q])" }
        lines.append("      \(groupWidth + 5)'d\(group << 5 | q): residuals_o = {\(fields.joined(separator: ", "))};")
      }
    }
    lines += ["      default: residuals_o = \(outputWidth)'d0;", "    endcase", "  end", "endmodule", ""]
    return lines.joined(separator: "\n")
  }

  /// A Yosys script proving `module` (read from `rtl`) equal to `reference` (read from
  /// `referenceFile`) for every input: a miter and a SAT proof; on failure Yosys prints a
  /// counterexample and exits non-zero.
  public static func proofScript(
    module: String, rtl: String, reference: String, referenceFile: String, sequential: Bool = false
  ) -> String {
    if sequential {
      // Registers matched by name, then proved equal by induction (Yosys equiv).
      return """
        # Prove \(module) equivalent to \(reference), cycle by cycle, from reset or any equal state.
        read_verilog \(rtl)
        read_verilog \(referenceFile)
        prep
        memory_map
        opt -fast
        async2sync
        equiv_make \(module) \(reference) equiv
        hierarchy -top equiv
        equiv_simple -seq 4
        equiv_induct -seq 4
        equiv_status -assert

        """
    }
    return """
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

extension Design {
  /// The files `dialectgen references` writes into `directory`: for every module of the design
  /// whose kind has a formal reference, `M_reference.v` and the proof script `M.ys` (reading
  /// the emitted module from `rtl`); `proofs.txt` listing the proved modules; the manifest.
  public func formalProofFiles(rtl: String, directory: String) -> (
    files: [(name: String, contents: String)], proofs: [String]
  ) {
    var files: [(name: String, contents: String)] = []
    var proofs: [String] = []
    for generated in modules {
      let module = generated.module.name
      let reference = "\(module)_reference"
      guard
        let text = generated.kind.definition.formalReference(
          for: generated, named: reference, configuration: configuration)
      else { continue }
      files.append(("\(reference).v", text))
      files.append(
        (
          "\(module).ys",
          FormalReferences.proofScript(
            module: module, rtl: "\(rtl)/\(module).v", reference: reference,
            referenceFile: "\(directory)/\(reference).v", sequential: generated.module.hasClock)
        ))
      proofs.append(module)
    }
    files.append(("proofs.txt", proofs.joined(separator: "\n") + "\n"))
    files.append(("manifest.json", manifest().formatted() + "\n"))
    return (files, proofs)
  }
}
