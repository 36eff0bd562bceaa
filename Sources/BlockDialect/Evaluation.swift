/// How one format did on one tensor (or on all of them).
public struct FormatEvaluation: Sendable {
  /// The format.
  public let scheme: QuantizationScheme
  /// Signal and error energy.
  public var errors: ErrorStatistics
  /// Blocks, clamps, non-finite blocks and dialect usage.
  public var statistics: QuantizationStatistics

  public init(
    scheme: QuantizationScheme, errors: ErrorStatistics = .init(), statistics: QuantizationStatistics = .init()
  ) {
    self.scheme = scheme
    self.errors = errors
    self.statistics = statistics
  }

  /// Adds another tensor's figures to these.
  public mutating func merge(_ other: FormatEvaluation) {
    errors.merge(other.errors)
    statistics.merge(other.statistics)
  }

  /// The figures as JSON (an infinite SQNR, for an exact result, is `null`).
  public var jsonValue: JSONValue {
    var members: [(key: String, value: JSONValue)] = [
      ("sqnr_db", .double(errors.sqnr)),
      ("mse", .double(errors.meanSquaredError)),
      ("bits_per_element", .double(scheme.bitsPerElement)),
      ("blocks", .integer(statistics.blocks)),
      ("clamped_low_blocks", .integer(statistics.clampedLowBlocks)),
      ("clamped_high_blocks", .integer(statistics.clampedHighBlocks)),
      ("nonfinite_blocks", .integer(statistics.nonfiniteBlocks)),
    ]
    if case .blockDialect(let format, _) = scheme {
      let usage = statistics.dialectUsage.prefix(format.formatbook.dialects.count)
      members.append(("dialect_usage", .array(usage.map { .integer($0) })))
    }
    return .object(members)
  }
}

/// Quantizes `values` with every scheme and measures the error of each (for tensors in
/// memory; files go through ``evaluate(_:in:schemes:refuseNonfinite:threads:progress:)``).
///
/// - Parameters:
///   - values: The tensor, row-major; non-finite values count under the saturating rule.
///   - shape: Its shape; blocks run along the last dimension.
///   - input: Its element format (decides what an infinity saturates to).
///   - threads: 1 for one thread, anything else for every core.
public func evaluate(
  _ values: [Float], shape: [Int], input: ElementFormat, schemes: [QuantizationScheme],
  threads: Int = 0
) -> [FormatEvaluation] {
  values.withUnsafeBufferPointer { buffer in
    schemes.map { scheme in
      let quantized = TensorQuantizer(scheme: scheme, input: input).quantize(buffer, shape: shape, threads: threads)
      let errors = quantized.errorStatistics(against: buffer, input: input, threads: threads)
      return FormatEvaluation(scheme: scheme, errors: errors, statistics: quantized.statistics)
    }
  }
}

/// What one pass over a float tensor finds: its non-finite elements and its largest magnitude.
struct TensorScan {
  /// Infinities and NaNs.
  var nonfinite = 0
  /// The first of them, by flat index.
  var first: (index: Int, value: Float)? = nil
  /// The largest magnitude under the saturating rule (NaN as 0, beyond the largest finite
  /// value as that value): NVFP4's tensor scale comes from it.
  var largestMagnitude: Float = 0

  /// Scans `entry` in pieces, on every core unless `threads` is 1.
  init(_ entry: TensorEntry, in source: any TensorSource, threads: Int) throws {
    let piece = 1 << 16
    let count = (entry.elementCount + piece - 1) / piece
    let limit = entry.elementFormat!.largestFinite
    var pieces = [TensorScan?](repeating: nil, count: count)
    let state = RunState()
    pieces.withUnsafeMutableBufferPointer { pieces in
      let pieces = pieces
      forEachChunk(count, threads: threads) { index in
        guard !state.stopped else { return }
        let elements = index * piece..<min(entry.elementCount, (index + 1) * piece)
        do {
          pieces[index] = try withFloats(entry, elements: elements, in: source) { values in
            var scan = TensorScan()
            for i in values.indices where !values[i].isFinite {
              if scan.first == nil { scan.first = (elements.lowerBound + i, values[i]) }
              scan.nonfinite += 1
            }
            scan.largestMagnitude = BlockKernel.largestMagnitude(values, limit: limit)
            return scan
          }
        } catch {
          state.fail(error)
        }
      }
    }
    if let error = state.error { throw error }
    for case let scan? in pieces {
      nonfinite += scan.nonfinite
      if first == nil { first = scan.first }
      largestMagnitude = max(largestMagnitude, scan.largestMagnitude)
    }
  }

  private init() {}
}

/// Reads elements `elements` of `entry` into a fresh buffer and passes it to `body`.
func withFloats<T>(
  _ entry: TensorEntry, elements: Range<Int>, in source: any TensorSource,
  _ body: (UnsafeBufferPointer<Float>) throws -> T
) throws -> T {
  let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, elements.count))
  defer { buffer.deallocate() }
  let values = UnsafeMutableBufferPointer(rebasing: buffer[0..<elements.count])
  try source.readFloats(entry, elements: elements, into: values)
  return try body(UnsafeBufferPointer(values))
}

/// Quantizes a tensor of a file with every scheme and measures the error of each, reading it
/// in pieces of whole blocks, so that memory stays a few pieces however large the tensor is.
/// The figures are identical to quantizing the whole tensor at once and calling
/// ``QuantizedTensor/errorStatistics(against:input:threads:)``: the error sums are taken in
/// the same chunks of blocks and added in the same order.
///
/// - Parameters:
///   - refuseNonfinite: Throw ``NonfiniteValueError`` for the first infinity or NaN instead
///     of counting it under the saturating rule.
///   - threads: 1 for one thread, anything else for every core.
///   - progress: Called (from any thread) with the elements each piece covered.
/// - Returns: One evaluation per scheme, and the number of non-finite elements.
public func evaluate(
  _ entry: TensorEntry, in source: any TensorSource, schemes: [QuantizationScheme], refuseNonfinite: Bool,
  threads: Int = 0, progress: @Sendable (Int) -> Void = { _ in }
) throws -> (results: [FormatEvaluation], nonfinite: Int) {
  guard let input = entry.elementFormat else {
    throw TensorFileError(
      source.path,
      "tensor \"\(SafeText.escape(entry.name))\" is \(SafeText.escape(entry.dtype)); dialectgen reads F32, F16 and BF16 tensors"
    )
  }
  let scan = try TensorScan(entry, in: source, threads: threads)
  if refuseNonfinite, let (index, value) = scan.first {
    throw NonfiniteValueError(path: source.path, tensor: entry.name, index: index, value: value)
  }
  let results = try schemes.map { scheme in
    var kernel = BlockKernel(scheme: scheme, input: input)
    if case .nvfp4 = scheme { kernel.tensorScale = NVFP4Quantizer.tensorScale(largestMagnitude: scan.largestMagnitude) }
    let geometry = BlockGeometry(shape: entry.shape, blockSize: scheme.blockSize)
    let chunkCount = (geometry.blockCount + TensorQuantizer.chunkBlocks - 1) / TensorQuantizer.chunkBlocks
    var chunks = [(errors: ErrorStatistics, statistics: QuantizationStatistics)](
      repeating: (.init(), .init()), count: chunkCount)
    let state = RunState()
    chunks.withUnsafeMutableBufferPointer { chunks in
      let chunks = chunks
      forEachChunk(chunkCount, threads: threads) { chunk in
        guard !state.stopped else { return }
        do {
          chunks[chunk] = try evaluateChunk(chunk, of: entry, in: source, geometry: geometry, kernel: kernel)
          progress(geometry.elements(of: TensorQuantizer.blocks(inChunk: chunk, of: geometry.blockCount)).count)
        } catch {
          state.fail(error)
        }
      }
    }
    if let error = state.error { throw error }
    var evaluation = FormatEvaluation(scheme: scheme)
    for chunk in chunks {
      evaluation.merge(FormatEvaluation(scheme: scheme, errors: chunk.errors, statistics: chunk.statistics))
    }
    return evaluation
  }
  return (results, scan.nonfinite)
}

/// One chunk of ``TensorQuantizer/chunkBlocks`` blocks: read, quantize, decode, sum.
private func evaluateChunk(
  _ chunk: Int, of entry: TensorEntry, in source: any TensorSource, geometry: BlockGeometry, kernel: BlockKernel
) throws -> (errors: ErrorStatistics, statistics: QuantizationStatistics) {
  let blocks = TensorQuantizer.blocks(inChunk: chunk, of: geometry.blockCount)
  let elements = geometry.elements(of: blocks)
  let n = geometry.blockSize
  return try withFloats(entry, elements: elements, in: source) { values in
    let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: blocks.count * (n + 2))
    defer { bytes.deallocate() }
    let (codes, scales, dialects) = (bytes, bytes + blocks.count * n, bytes + blocks.count * (n + 1))
    let hasDialects = kernel.scheme.hasDialects
    let statistics = kernel.quantize(
      blocks, of: geometry, values: values.baseAddress!, first: elements.lowerBound, codes: codes, packed: false,
      scales: scales, dialects: hasDialects ? dialects : nil)
    let decoder = BlockDecoder(scheme: kernel.scheme)
    let errors = withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { table in
      ErrorStatistics.sum(
        blocks, of: geometry, original: values.baseAddress!, first: elements.lowerBound, input: kernel.input
      ) { block, count, output in
        let local = block - blocks.lowerBound
        decoder.table(
          scale: scales[local], dialect: hasDialects ? dialects[local] : 0, tensorScale: kernel.tensorScale,
          into: table.baseAddress!)
        for i in 0..<count { output[i] = table[Int(codes[local * n + i])] }
      }
    }
    return (errors, statistics)
  }
}

extension BlockQuantizer {
  /// Signal and error energy of quantizing `values` in consecutive blocks of the format's size
  /// with this quantizer and decoding them again (the last block padded with zeros).
  public func errorStatistics(of values: [Float]) -> ErrorStatistics {
    var statistics = ErrorStatistics()
    let n = format.blockSize
    for start in stride(from: 0, to: values.count, by: n) {
      let block = Array(values[start..<min(values.count, start + n)])
      let decoded = format.decode(quantize(block).block)
      for (x, y) in zip(block, decoded) {
        let error = Double(x) - Double(y)
        statistics.signalEnergy += Double(x) * Double(x)
        statistics.errorEnergy += error * error
      }
      statistics.count += block.count
    }
    return statistics
  }
}
