import BlockDialect
import HDL

/// The accelerator tile `bd_tile`: a weight-stationary matrix-vector engine, y = W x, built
/// from the generators' own units.
///
/// - R block-dot units (`bd_block_dot`) work in lockstep: in each cycle unit r reads its own
///   weight block of row `g R + r` from its weight-memory bank and all share one activation
///   block, so R rows of n MACs advance per cycle; a row's K/n blocks accumulate exactly.
/// - Activations arrive as FP16 (or BF16) blocks, are quantized once per vector by the block
///   quantizer (`bd_block_quantizer`, activation path, the configured selector) into an
///   activation buffer with two halves, so the next vector streams in while the current one
///   computes.
/// - Every interface is AXI4-Stream with a register slice at the tile boundary (no `tready` is
///   combinational through the tile): commands in, weight blocks in, activation blocks in,
///   results out (one beat per row group, `tkeep` for rows past M, `tlast` on a vector's last
///   beat), status out (one beat per command).
/// - Memories are separate modules (`bd_tile_weight_memory`, one per bank, and
///   `bd_tile_activation_memory`), a write port and a registered read port each, so Yosys maps
///   them to iCE40 block RAM and an ASIC flow can put a macro in their place.
///
/// docs/tile.md is the integrator's description: commands, status, beat layouts, timing.
public struct TileGenerator: Sendable {
  public let configuration: HardwareConfiguration

  public init(configuration: HardwareConfiguration) {
    self.configuration = configuration
  }

  var tile: TileParameters { configuration.tile }
  var format: BlockFormat { configuration.format }
  var n: Int { format.blockSize }
  var r: Int { tile.rows }
  /// log2(R).
  var rowShift: Int { bitWidth(of: r - 1) }
  /// log2(n).
  var blockShift: Int { bitWidth(of: n - 1) }
  /// Row groups of the largest matrix, and blocks per row.
  var maximumGroups: Int { tile.groups(tile.maximumRows) }
  var maximumBlocks: Int { tile.maximumColumns / n }
  /// Address bits of a row group and of a block within a row.
  var groupBits: Int { tile.bitWidth(ofCount: maximumGroups) }
  var blockBits: Int { tile.bitWidth(ofCount: maximumBlocks) }
  /// A packed block as stored: exponent, dialect id, codes.
  var blockWidth: Int { format.exponentWidth + format.formatbook.idWidth + 4 * n }
  /// A weight beat: the codes (n/2 bytes), a dialect byte and an exponent byte.
  public var weightBeatWidth: Int { 8 * (n / 2 + 2) }
  /// An activation beat: one block of n input elements.
  public var activationBeatWidth: Int { configuration.input.bitWidth * n }
  /// A result beat: R results.
  public var resultBeatWidth: Int { tile.output.bitWidth * r }
  /// Command and status beats.
  public static let commandWidth = 64
  public static let statusWidth = 32

  /// The tile's command opcodes.
  public enum Opcode: Int, Sendable {
    /// Load M x K weights from the weight stream (M K/n blocks, row-major).
    case load = 1
    /// Compute V vectors: each K activations in, M results out.
    case run = 2
  }

  /// The status codes of a command (status bits 7..4).
  public enum Status: Int, Sendable, CaseIterable {
    case done = 0
    /// M is 0 or above the tile's maximum rows.
    case badRows = 1
    /// K is below n, above the maximum columns, or not a multiple of n.
    case badColumns = 2
    /// A run of 0 vectors.
    case noVectors = 3
    /// An opcode the tile does not know.
    case badOpcode = 4
    /// A run whose K differs from the loaded weights', or whose M exceeds it (or no weights).
    case shapeMismatch = 5
  }

  /// Cycles from a vector's last activation beat being taken to its first result beat being
  /// offered, with no bubbles and no back-pressure, for K = n; each further block of K adds one
  /// (a row group's block pairs issue one per cycle). Four at depth 0 (the input slice's
  /// output register, the buffer write, the memory read, the result slice), plus the
  /// quantizer's and the block dot product's depths. The manifest's `latency`; TileTests
  /// measures it.
  public var latency: Int {
    4 + configuration.depth(of: .blockQuantizer) + configuration.depth(of: .blockDot)
  }

  /// `value` extended or truncated to `width` bits.
  func resized(_ value: Signal, _ width: Int) -> Signal {
    value.width >= width ? value.truncated(to: width) : value.extended(to: width)
  }

  // MARK: Memories

  /// A memory module with one write port and one registered read port.
  func memoryModule(_ base: String, depth: Int, width: Int, summary: String) throws -> Module {
    let m = ModuleBuilder(configuration.moduleName(base))
    let addressWidth = bitWidth(of: depth - 1)
    let write = m.input("write_i", width: 1, comment: "write write_data_i to write_address_i on this edge")
    let writeAddress = m.input("write_address_i", width: addressWidth, comment: "the word written")
    let writeData = m.input("write_data_i", width: width, comment: "the word's new value")
    let read = m.input("read_i", width: 1, comment: "load read_data_o from read_address_i on this edge")
    let readAddress = m.input("read_address_i", width: addressWidth, comment: "the word read")
    let memory = m.memory("words_q", depth: depth, width: width, comment: "\(depth) words of \(width) bits")
    m.write(memory, address: writeAddress, data: writeData, enable: write)
    m.output(
      "read_data_o", m.read(memory, address: readAddress, into: "read_data_q", enable: read),
      comment: "the word at the address of the last edge with read_i (a write in the same cycle: the old word)")
    m.headerLines = DialectHardware.headerLines(
      summary: summary, generator: "TileGenerator.memoryModule",
      parameters: [("depth", .integer(depth)), ("width", .integer(width))])
    return try m.build()
  }

  // MARK: The tile

  /// Builds `bd_tile` around the block dot product and the block quantizer of the design.
  func build(dot: Module, quantizer: Module) throws -> GeneratedModule {
    let weightMemory = try memoryModule(
      "bd_tile_weight_memory", depth: 1 << (groupBits + blockBits), width: blockWidth,
      summary: "Tile weight memory, one bank: packed weight blocks by (row group, block)")
    let activationMemory = try memoryModule(
      "bd_tile_activation_memory", depth: 1 << (1 + blockBits), width: blockWidth,
      summary: "Tile activation buffer: packed activation blocks by (half, block), double-buffered")
    let m = ModuleBuilder(configuration.moduleName("bd_tile"))
    m.declareClockAndReset()
    func constant(_ value: Int, _ width: Int) -> Signal { .constant(value, width: width) }

    // Boundary register slices. Each consumer's ready is declared now and driven below.
    let commandReady = m.wire("command_ready", width: 1, comment: "the controller takes a command")
    let command = m.registerSlice(
      "command_slice", valid: m.input("s_cmd_tvalid_i", width: 1, comment: "command stream: a command is present"),
      payload: NamedSignal(
        name: "command",
        signal: m.input(
          "s_cmd_tdata_i", width: Self.commandWidth,
          comment: "command: [3:0] opcode (1 load, 2 run), [31:16] M, [47:32] K, [63:48] V (run)")),
      ready: commandReady)
    m.output("s_cmd_tready_o", command.ready, comment: "command stream: the beat is taken (from a register)")

    let weightReady = m.wire("weight_ready", width: 1, comment: "the loader takes a weight beat")
    let weight = m.registerSlice(
      "weight_slice", valid: m.input("s_weight_tvalid_i", width: 1, comment: "weight stream: a block is present"),
      payload: Beat(
        data: m.input(
          "s_weight_tdata_i", width: weightBeatWidth,
          comment:
            "weight block: codes in bytes 0..\(n / 2 - 1) (element i in bits 4i+3..4i), dialect byte, exponent byte"
        ),
        last: m.input("s_weight_tlast_i", width: 1, comment: "weight stream: the last block of the matrix")),
      ready: weightReady)
    m.output("s_weight_tready_o", weight.ready, comment: "weight stream: the beat is taken (from a register)")

    let activationReady = m.wire("activation_ready", width: 1, comment: "the block quantizer takes a block")
    let activation = m.registerSlice(
      "activation_slice",
      valid: m.input("s_act_tvalid_i", width: 1, comment: "activation stream: a block of elements is present"),
      payload: Beat(
        data: m.input(
          "s_act_tdata_i", width: activationBeatWidth,
          comment:
            "\(n) \(configuration.input.rawValue) activations, element i in bits \(configuration.input.bitWidth)i+\(configuration.input.bitWidth - 1)..\(configuration.input.bitWidth)i"
        ),
        last: m.input("s_act_tlast_i", width: 1, comment: "activation stream: the last block of a vector")),
      ready: activationReady)
    m.output("s_act_tready_o", activation.ready, comment: "activation stream: the beat is taken (from a register)")

    // The controller: one command at a time.
    let statusReady = m.wire("status_ready", width: 1, comment: "the status slice can take a status")
    let busy = m.register("busy_q", width: 1, reset: 0, comment: "a load or run is in progress")
    let running = m.register("running_q", width: 1, reset: 0, comment: "the command in progress is a run")
    m.assign(commandReady, !busy && statusReady)
    let accepted = m.wire("command_accepted", command.valid && commandReady)
    let fields = command.payload.signal
    let opcode = m.wire("command_opcode", fields[0...3])
    let rows = m.wire("command_rows", fields[16...31], comment: "M")
    let columns = m.wire("command_columns", fields[32...47], comment: "K")
    let vectors = m.wire("command_vectors", fields[48...63], comment: "V")
    let isLoad = m.wire("command_is_load", opcode == Opcode.load.rawValue)
    let isRun = m.wire("command_is_run", opcode == Opcode.run.rawValue)
    let loadedRows = m.register("loaded_rows_q", width: 16, reset: 0, comment: "M of the loaded weights (0: none)")
    let loadedColumns = m.register("loaded_columns_q", width: 16, reset: 0, comment: "K of the loaded weights")
    let status = m.priority(
      "command_status",
      [
        (!isLoad && !isRun, constant(Status.badOpcode.rawValue, 4)),
        ((rows == 0) || (rows > tile.maximumRows), constant(Status.badRows.rawValue, 4)),
        (
          (columns < n) || (columns > tile.maximumColumns)
            || (blockShift > 0 ? columns[0...(blockShift - 1)].orReduced() : constant(0, 1)),
          constant(Status.badColumns.rawValue, 4)
        ),
        (isRun && vectors == 0, constant(Status.noVectors.rawValue, 4)),
        (isRun && ((columns != loadedColumns) || (rows > loadedRows)), constant(Status.shapeMismatch.rawValue, 4)),
      ], fallback: constant(Status.done.rawValue, 4), comment: "why the command is refused (0: it is not)")
    let starts = m.wire("command_starts", accepted && status == 0)
    let refused = m.wire("command_refused", accepted && status != 0)

    // The command's shape, kept while it runs.
    let blockCountWidth = blockBits + 1
    let groupCountWidth = groupBits + 1
    let rowCount = m.register("rows_q", width: 16, reset: 0, comment: "M")
    let blocks = m.register("blocks_q", width: blockCountWidth, reset: 0, comment: "K / n: blocks per row")
    let groups = m.register("groups_q", width: groupCountWidth, reset: 0, comment: "ceil(M / R): row groups")
    let vectorCount = m.register("vectors_q", width: 16, reset: 0, comment: "V: vectors of the run")
    m.assignNext(rowCount, rows, enable: starts)
    m.assignNext(blocks, resized(columns >> blockShift, blockCountWidth), enable: starts)
    m.assignNext(groups, resized((rows.extended(to: 17) &+ (r - 1)) >> rowShift, groupCountWidth), enable: starts)
    m.assignNext(vectorCount, vectors, enable: starts)
    let lastBlock = m.wire("last_block_index", blocks &- 1, comment: "K / n - 1")
    let lastGroup = m.wire("last_group_index", groups &- 1, comment: "ceil(M / R) - 1")

    // Loading: weight beats to bank (row mod R) at (row / R, block).
    let loadRow = m.register("load_row_q", width: 16, reset: 0, comment: "the row the next weight beat belongs to")
    let loadBlock = m.register("load_block_q", width: blockCountWidth, reset: 0, comment: "its block within the row")
    let loading = m.wire("loading", busy && !running)
    m.assign(weightReady, loading)
    let weightTaken = m.wire("weight_taken", weight.valid && weightReady)
    let rowEnds = m.wire("load_row_ends", loadBlock == lastBlock)
    let loadEnds = m.wire("load_ends", weightTaken && rowEnds && (loadRow == (rowCount &- 1)))
    m.assignNext(
      loadBlock, mux(starts, constant(0, blockCountWidth), mux(rowEnds, constant(0, blockCountWidth), loadBlock &+ 1)),
      enable: starts || weightTaken)
    m.assignNext(
      loadRow, mux(starts, constant(0, 16), mux(rowEnds, loadRow &+ 1, loadRow)), enable: starts || weightTaken)
    m.assignNext(loadedRows, mux(loadEnds, rowCount, constant(0, 16)), enable: (starts && isLoad) || loadEnds)
    m.assignNext(loadedColumns, resized(blocks << blockShift, 16), enable: loadEnds)
    let beat = weight.payload.data
    let storedWeight = m.wire(
      "weight_block",
      concatenate(
        [beat[(4 * n + 8)...(4 * n + 7 + format.exponentWidth)]]
          + (format.formatbook.idWidth > 0 ? [beat[(4 * n)...(4 * n + format.formatbook.idWidth - 1)]] : [])
          + [beat[0...(4 * n - 1)]]),
      comment: "the beat as stored: exponent, dialect, codes")
    let weightAddress = m.wire(
      "weight_write_address",
      concatenate(loadRow[rowShift...(rowShift + groupBits - 1)], loadBlock.truncated(to: blockBits)),
      comment: "(row / R, block)")

    // Running, input side: activation blocks through the quantizer into the buffer halves.
    let half = BufferState(m, "half")
    let vectorsIn = m.register(
      "vectors_in_q", width: 16, reset: 0, comment: "vectors whose blocks entered the quantizer")
    let blockIn = m.register("block_in_q", width: blockCountWidth, reset: 0, comment: "the next block to enter")
    let inHalf = m.register("in_half_q", width: 1, reset: 0, comment: "the buffer half the entering vector goes to")
    let entering = m.wire(
      "activation_enters", busy && running && (vectorsIn != vectorCount) && ((blockIn != 0) || !half.owned(inHalf)),
      comment: "a block may enter: a vector's first block needs a free half")
    let quantizerReady = m.wire("quantizer_takes", width: 1, comment: "the quantizer takes a block")
    m.assign(activationReady, entering && quantizerReady)
    let activationTaken = m.wire("activation_taken", activation.valid && activationReady)
    let vectorEntered = m.wire("vector_entered", activationTaken && (blockIn == lastBlock))
    m.assignNext(
      blockIn, mux(starts || vectorEntered, constant(0, blockCountWidth), blockIn &+ 1),
      enable: starts || activationTaken)
    m.assignNext(vectorsIn, mux(starts, constant(0, 16), vectorsIn &+ 1), enable: starts || vectorEntered)
    m.assignNext(inHalf, mux(starts, constant(0, 1), !inHalf), enable: starts || vectorEntered)
    let quantized = m.instance(
      "quantizer", of: quantizer,
      ["valid_i": activation.valid && entering, "ready_i": constant(1, 1), "elements_i": activation.payload.data])
    m.assign(quantizerReady, quantized["ready_o"])
    let blockOut = m.register(
      "block_out_q", width: blockCountWidth, reset: 0, comment: "the next block leaving the quantizer")
    let outHalf = m.register("out_half_q", width: 1, reset: 0, comment: "the half the leaving vector goes to")
    let blockWritten = m.wire("activation_written", quantized["valid_o"])
    let vectorWritten = m.wire("vector_quantized", blockWritten && (blockOut == lastBlock))
    m.assignNext(
      blockOut, mux(starts || vectorWritten, constant(0, blockCountWidth), blockOut &+ 1),
      enable: starts || blockWritten)
    m.assignNext(outHalf, mux(starts, constant(0, 1), !outHalf), enable: starts || vectorWritten)
    let storedActivation = m.wire(
      "activation_block",
      concatenate(
        [quantized["exponent_o"]] + (format.formatbook.idWidth > 0 ? [quantized["dialect_o"]] : [])
          + [quantized["codes_o"]]),
      comment: "a quantized block as stored: exponent, dialect, codes")
    let framingIn = m.wire(
      "activation_framing_error", activationTaken && (activation.payload.last != (blockIn == lastBlock)),
      comment: "tlast where the vector does not end, or no tlast where it does")

    // Running, compute side: row groups x blocks from a full half, into the R units.
    let vectorsComputed = m.register("vectors_computed_q", width: 16, reset: 0, comment: "vectors fully issued")
    let group = m.register("group_q", width: groupCountWidth, reset: 0, comment: "the row group being issued")
    let block = m.register("block_q", width: blockCountWidth, reset: 0, comment: "the block being issued")
    let computeHalf = m.register("compute_half_q", width: 1, reset: 0, comment: "the half being computed")
    let fetched = m.register("fetch_valid_q", width: 1, reset: 0, comment: "the memories' read words are a block pair")
    let fetchedFirst = m.register("fetch_first_q", width: 1, reset: 0, comment: "the pair starts a row")
    let fetchedLast = m.register("fetch_last_q", width: 1, reset: 0, comment: "the pair ends a row")
    let dotReady = m.wire("dot_ready", width: 1, comment: "the units take a block pair")
    let fetchAdvances = m.wire("fetch_advances", !fetched || dotReady, comment: "the fetch stage moves on")
    let issuing = m.wire(
      "issuing", busy && running && half.full(computeHalf) && (vectorsComputed != vectorCount),
      comment: "a block pair is issued this cycle (when the fetch stage moves)")
    let issue = m.wire("issue", issuing && fetchAdvances)
    let groupEnds = m.wire("issue_row_ends", block == lastBlock)
    let vectorIssued = m.wire("vector_issued", issue && groupEnds && (group == lastGroup))
    m.assignNext(
      block, mux(starts || groupEnds, constant(0, blockCountWidth), block &+ 1), enable: starts || issue)
    m.assignNext(
      group, mux(starts || vectorIssued, constant(0, groupCountWidth), mux(groupEnds, group &+ 1, group)),
      enable: starts || issue)
    m.assignNext(computeHalf, mux(starts, constant(0, 1), !computeHalf), enable: starts || vectorIssued)
    m.assignNext(vectorsComputed, mux(starts, constant(0, 16), vectorsComputed &+ 1), enable: starts || vectorIssued)
    m.assignNext(fetched, issue, enable: fetchAdvances)
    m.assignNext(fetchedFirst, block == 0, enable: issue)
    m.assignNext(fetchedLast, groupEnds, enable: issue)
    half.update(
      claim: (inHalf, activationTaken && (blockIn == 0)),
      fill: (outHalf, vectorWritten), release: (computeHalf, vectorIssued), clear: starts)

    // The memories.
    let activationWords = m.instance(
      "activation_buffer", of: activationMemory,
      [
        "write_i": blockWritten, "write_address_i": concatenate(outHalf, blockOut.truncated(to: blockBits)),
        "write_data_i": storedActivation, "read_i": fetchAdvances,
        "read_address_i": concatenate(computeHalf, block.truncated(to: blockBits)),
      ])["read_data_o"]
    let readAddress = m.wire(
      "weight_read_address", concatenate(group.truncated(to: groupBits), block.truncated(to: blockBits)),
      comment: "(row group, block)")
    let bank = r > 1 ? loadRow[0...(rowShift - 1)] : nil
    let weightWords = (0..<r).map { unit -> Signal in
      let selected = bank.map { $0 == unit } ?? constant(1, 1)
      return m.instance(
        "weight_bank\(unit)", of: weightMemory,
        [
          "write_i": weightTaken && selected, "write_address_i": weightAddress, "write_data_i": storedWeight,
          "read_i": fetchAdvances, "read_address_i": readAddress,
        ])["read_data_o"]
    }

    // The R block-dot units, in lockstep.
    let resultReady = m.wire("result_ready", width: 1, comment: "the result slice can take a beat")
    let unitsTakeResult = m.wire("units_ready", width: 1, comment: "the units' outputs are taken")
    let units = weightWords.enumerated().map { unit, word in
      var connections: [(port: String, value: Signal)] = [
        ("valid_i", fetched), ("ready_i", unitsTakeResult), ("first_i", fetchedFirst), ("last_i", fetchedLast),
      ]
      for (side, stored) in [("w", word), ("a", activationWords)] {
        connections.append(("\(side)_exponent_i", stored[(blockWidth - format.exponentWidth)...(blockWidth - 1)]))
        if format.formatbook.idWidth > 0 {
          connections.append(("\(side)_dialect_i", stored[(4 * n)...(4 * n + format.formatbook.idWidth - 1)]))
        }
        connections.append(("\(side)_codes_i", stored[0...(4 * n - 1)]))
      }
      return m.instance("unit\(unit)", of: dot, connections: connections)
    }
    m.assign(dotReady, units[0]["ready_o"])
    let resultLeaves = m.wire(
      "result_leaves", units[0]["valid_o"] && units[0]["last_o"], comment: "a row group's results")
    m.assign(unitsTakeResult, !resultLeaves || resultReady)

    // Results: one beat per row group.
    let groupOut = m.register(
      "group_out_q", width: groupCountWidth, reset: 0, comment: "the row group of the next result beat")
    let vectorsOut = m.register("vectors_out_q", width: 16, reset: 0, comment: "vectors whose results have left")
    let resultPushed = m.wire("result_pushed", resultLeaves && resultReady)
    let vectorOut = m.wire("vector_out", resultPushed && (groupOut == lastGroup))
    m.assignNext(
      groupOut, mux(starts || vectorOut, constant(0, groupCountWidth), groupOut &+ 1), enable: starts || resultPushed)
    m.assignNext(vectorsOut, mux(starts, constant(0, 16), vectorsOut &+ 1), enable: starts || vectorOut)
    let firstRow = m.wire("result_first_row", groupOut.extended(to: 16 - rowShift) << rowShift, comment: "g R")
    let kept = (0..<r).map { unit in
      m.wire("result\(unit)_kept", firstRow + unit < rowCount, comment: "row gR+\(unit) < M")
    }
    let values = units.enumerated().map { unit, dotUnit -> Signal in
      let converted = FloatConversion.fromFloat32(in: m, "result\(unit)", dotUnit["fp32_o"], to: tile.output)
      return mux(kept[unit], converted, constant(0, tile.output.bitWidth))
    }
    let overflowed = m.wire(
      "result_overflow", concatenate(units.enumerated().map { $1["overflow_o"] && kept[$0] }).orReduced(),
      comment: "a kept row's accumulator saturated")
    let keep = concatenate(kept.reversed().map { $0.replicated(tile.output.bitWidth / 8) })
    let result = m.registerSlice(
      "result_slice", valid: resultLeaves,
      payload: Beat(data: concatenate(values.reversed()), last: groupOut == lastGroup, keep: keep),
      ready: m.input(
        "m_result_tready_i", width: 1, comment: "result stream: the consumer takes the beat"))
    m.assign(resultReady, result.ready)
    m.output("m_result_tvalid_o", result.valid, comment: "result stream: a beat of R results is present")
    m.output(
      "m_result_tdata_o", result.payload.data,
      comment:
        "R \(tile.output.rawValue) results of rows gR..gR+R-1, row gR+i in bits \(tile.output.bitWidth)i+\(tile.output.bitWidth - 1)..\(tile.output.bitWidth)i"
    )
    m.output("m_result_tkeep_o", result.payload.keep!, comment: "result stream: bytes of rows below M")
    m.output("m_result_tlast_o", result.payload.last, comment: "result stream: the vector's last row group")

    // Sticky flags of the command, and its end.
    let overflow = m.register("overflow_q", width: 1, reset: 0, comment: "a run's accumulator saturated")
    let framing = m.register("framing_q", width: 1, reset: 0, comment: "a stream's tlast was misplaced")
    let framingLoad = m.wire(
      "weight_framing_error", weightTaken && (weight.payload.last != (rowEnds && (loadRow == (rowCount &- 1)))))
    m.assignNext(overflow, mux(starts, constant(0, 1), overflow || (resultPushed && overflowed)))
    m.assignNext(framing, mux(starts, constant(0, 1), framing || framingIn || framingLoad))
    let runEnds = m.wire("run_ends", vectorOut && (vectorsOut == (vectorCount &- 1)))
    let ends = m.wire("command_ends", loadEnds || runEnds)
    m.assignNext(busy, mux(starts, constant(1, 1), constant(0, 1)), enable: starts || ends)
    m.assignNext(running, isRun, enable: starts)
    let endedOpcode = mux(running, constant(Opcode.run.rawValue, 4), constant(Opcode.load.rawValue, 4))
    let statusWord = m.wire(
      "status_word",
      mux(
        refused, concatenate(constant(0, 22), constant(0, 2), status, opcode),
        concatenate(
          constant(0, 22), framing || framingIn || framingLoad, overflow || (resultPushed && overflowed),
          constant(Status.done.rawValue, 4), endedOpcode)),
      comment: "[3:0] opcode, [7:4] status code, [8] overflow, [9] misplaced tlast")
    let statusOut = m.registerSlice(
      "status_slice", valid: refused || ends, payload: NamedSignal(name: "status", signal: statusWord),
      ready: m.input("m_status_tready_i", width: 1, comment: "status stream: the consumer takes the beat"))
    m.assign(statusReady, statusOut.ready)
    m.output("m_status_tvalid_o", statusOut.valid, comment: "status stream: a command has ended")
    m.output(
      "m_status_tdata_o", statusOut.payload.signal,
      comment: "[3:0] opcode, [7:4] status, [8] overflow, [9] misplaced tlast")

    return try m.generated(
      .tile, generator: "TileGenerator",
      summary:
        "Accelerator tile: y = W x with \(r) block-dot units of \(n) lanes, weights up to \(tile.maximumRows) x \(tile.maximumColumns), \(configuration.input.rawValue) activations quantized online, \(tile.output.rawValue) results",
      latency: latency, handshake: .axiStream, throughput: "\(r * n) MACs per cycle",
      parameters: [configuration.bookParameter(), configuration.blockSizeParameter] + configuration.exponentParameters
        + [
          ("input", .string(configuration.input.rawValue)), ("selector", .string(configuration.selector.rawValue)),
          ("rows", .integer(r)), ("maximum_rows", .integer(tile.maximumRows)),
          ("maximum_columns", .integer(tile.maximumColumns)), ("output", .string(tile.output.rawValue)),
          ("accumulator_width", .integer(configuration.accumulatorWidth)),
          ("block_dot_depth", .integer(configuration.depth(of: .blockDot))),
          ("block_quantizer_depth", .integer(configuration.depth(of: .blockQuantizer))),
        ])
  }

  /// A stream beat: data, tlast and (results) tkeep.
  struct Beat: SignalBundle {
    var data: Signal
    var last: Signal
    var keep: Signal? = nil

    func mapSignals(_ transform: (String, Signal) -> Signal) -> Self {
      Beat(data: transform("data", data), last: transform("last", last), keep: nested("keep", keep, transform))
    }
  }

  /// The two halves of the activation buffer: a half is owned from its vector's first block
  /// entering the quantizer until the compute side has issued it, and full from its last block
  /// leaving the quantizer until then.
  struct BufferState {
    let ownedBits: Signal
    let fullBits: Signal
    let builder: ModuleBuilder

    init(_ m: ModuleBuilder, _ name: String) {
      builder = m
      ownedBits = m.register("\(name)_owned_q", width: 2, reset: 0, comment: "bit h: half h holds or receives a vector")
      fullBits = m.register(
        "\(name)_full_q", width: 2, reset: 0, comment: "bit h: half h holds a whole quantized vector")
    }

    func owned(_ index: Signal) -> Signal { ownedBits.shiftedRight(by: index)[0] }
    func full(_ index: Signal) -> Signal { fullBits.shiftedRight(by: index)[0] }

    /// One bit per half: set by `set` at its index, cleared by `clear` at its index.
    func next(_ bits: Signal, set: (index: Signal, when: Signal), clear: (index: Signal, when: Signal)) -> Signal {
      let setMask = mux(
        set.when, Signal.constant(1, width: 2).shiftedLeft(by: set.index, width: 2), .constant(0, width: 2))
      let clearMask = mux(
        clear.when, Signal.constant(1, width: 2).shiftedLeft(by: clear.index, width: 2), .constant(0, width: 2))
      return (bits & ~clearMask) | setMask
    }

    func update(
      claim: (Signal, Signal), fill: (Signal, Signal), release: (Signal, Signal), clear: Signal
    ) {
      let zero = Signal.constant(0, width: 2)
      builder.assignNext(ownedBits, mux(clear, zero, next(ownedBits, set: claim, clear: release)))
      builder.assignNext(fullBits, mux(clear, zero, next(fullBits, set: fill, clear: release)))
    }
  }
}
