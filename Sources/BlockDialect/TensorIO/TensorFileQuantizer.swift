import Foundation

/// A tensor held an infinity or a NaN and the saturating rule was not asked for.
public struct NonfiniteValueError: Error, CustomStringConvertible {
  /// The file.
  public let path: String
  /// The tensor.
  public let tensor: String
  /// The flat (row-major) index of the first non-finite element.
  public let index: Int
  /// Its value (an infinity or a NaN).
  public let value: Float

  public var description: String {
    "\(SafeText.path(path)): tensor \"\(SafeText.escape(tensor))\" holds \(value) at flat index \(index)"
  }
}

/// Quantizes the float tensors of a tensor file into a safetensors file, streaming.
///
/// Everything is checked and the whole header is built before any data is read: the
/// selection, name clashes, and every size with overflow checks. Then the work is cut into
/// items of bounded size (a range of whole blocks of a large tensor, a run of small tensors,
/// or a piece of a tensor to copy), run on every core; each item reads its elements straight
/// from the file (`pread`), quantizes them, and writes its results at their known offsets in
/// the output (`pwrite`), so peak memory is a few items' buffers however large the tensors
/// are, and the output is byte for byte what quantizing whole tensors gives.
public struct TensorFileQuantizer: @unchecked Sendable {
  /// The input.
  public let source: any TensorSource
  /// The format.
  public let scheme: QuantizationScheme
  /// Whether the decoded values are written (F32) instead of the codes.
  public let dequantize: Bool
  /// Whether infinities and NaN are accepted (saturating rule) rather than refused.
  public let saturate: Bool
  /// The tensors quantized, in file order.
  public let quantizedEntries: [TensorEntry]
  /// The header's bytes.
  let header: [UInt8]
  /// The output file's size.
  public let outputSize: Int
  let jobs: [Job]
  let items: [Item]
  let kernels: [ElementFormat: BlockKernel]

  /// One input tensor and what becomes of it.
  struct Job {
    enum Kind {
      case quantize, dequantize, copy
    }

    let kind: Kind
    let entry: TensorEntry
    let geometry: BlockGeometry
    /// File offsets of its output parts (codes, scales, dialects or tensor scale; or the one
    /// F32 or copied tensor).
    let partOffsets: [Int]
    /// Where its output starts and ends in the file.
    let outputStart: Int
    let outputEnd: Int
  }

  /// One unit of parallel work.
  enum Item {
    /// Whole jobs whose outputs are contiguous: written with one `pwrite`.
    case group(Range<Int>)
    /// Blocks of one large quantized (or decoded) tensor.
    case blocks(job: Int, Range<Int>)
    /// Bytes of one large copied tensor.
    case bytes(job: Int, Range<Int>)
  }

  /// Elements per item of a large tensor: about 64K (a quarter of a megabyte of F32), in whole
  /// chunks of ``TensorQuantizer/chunkBlocks`` blocks.
  static func itemBlocks(blockSize: Int) -> Int {
    let chunk = TensorQuantizer.chunkBlocks
    return max(chunk, ((1 << 16) / blockSize + chunk - 1) / chunk * chunk)
  }

  /// The most bytes (read plus written) of a run of small tensors, and of a piece of a copy.
  static let groupBudget = 1 << 21

  /// Plans the output: checks everything and builds the header.
  ///
  /// - Parameters:
  ///   - selected: Whether a float tensor is quantized (the others are copied unchanged).
  ///   - version: The dialectgen version recorded in the metadata.
  /// - Throws: ``TensorFileError`` for a name clash or an output too large to write.
  public init(
    source: any TensorSource, scheme: QuantizationScheme, selected: (TensorEntry) -> Bool, dequantize: Bool,
    saturate: Bool, version: String
  ) throws {
    self.source = source
    self.scheme = scheme
    self.dequantize = dequantize
    self.saturate = saturate
    let n = scheme.blockSize
    let names = Set(source.entries.map(\.name))
    var writer = SafetensorsWriter()
    var plans: [(kind: Job.Kind, entry: TensorEntry, parts: Range<Int>)] = []
    var quantized: [TensorEntry] = []
    func declare(_ name: String, _ dtype: String, _ shape: [Int], for entry: TensorEntry) throws {
      do {
        try writer.declare(name: name, dtype: dtype, shape: shape)
      } catch let error as SafetensorsWriter.TooLarge {
        throw TensorFileError(source.path, "tensor \"\(SafeText.escape(entry.name))\": \(error.description)")
      }
    }
    for entry in source.entries {
      let first = writer.declarations.count
      if entry.elementFormat != nil, selected(entry) {
        quantized.append(entry)
        if dequantize {
          try declare(entry.name, "F32", entry.shape, for: entry)
        } else {
          for part in QuantizedTensorLayout.declarations(name: entry.name, shape: entry.shape, scheme: scheme) {
            guard !names.contains(part.name) else {
              throw TensorFileError(
                source.path,
                "tensor \"\(SafeText.escape(part.name))\" would clash with the output for \"\(SafeText.escape(entry.name))\""
              )
            }
            try declare(part.name, part.dtype, part.shape, for: entry)
          }
        }
        plans.append((dequantize ? .dequantize : .quantize, entry, first..<writer.declarations.count))
      } else {
        try declare(entry.name, Self.safetensorsType(of: entry), entry.shape, for: entry)
        plans.append((.copy, entry, first..<writer.declarations.count))
      }
    }
    writer.metadata = QuantizedTensorLayout.metadata(
      scheme: scheme, tensors: quantized.map { ($0.name, $0.shape, $0.dtype) }, version: version)
    if dequantize { writer.metadata.append(("dequantized", "true")) }
    header = writer.headerBytes()
    let (size, overflow) = header.count.addingReportingOverflow(writer.dataSize)
    guard !overflow else { throw TensorFileError(source.path, "the output would be larger than any file can be") }
    outputSize = size
    quantizedEntries = quantized
    let dataStart = header.count
    jobs = plans.map { plan in
      let offsets = plan.parts.map { dataStart + writer.dataOffsets[$0] }
      let last = plan.parts.upperBound - 1
      return Job(
        kind: plan.kind, entry: plan.entry, geometry: BlockGeometry(shape: plan.entry.shape, blockSize: n),
        partOffsets: offsets, outputStart: offsets[0],
        outputEnd: dataStart + writer.dataOffsets[last] + writer.declarations[last].byteCount)
    }
    items = Self.items(jobs, blockSize: n)
    var kernels: [ElementFormat: BlockKernel] = [:]
    for format in Set(quantized.compactMap(\.elementFormat)) {
      kernels[format] = BlockKernel(scheme: scheme, input: format)
    }
    self.kernels = kernels
  }

  /// The safetensors dtype a tensor is copied as: its own, or for a `.npy` array (`<f4`,
  /// `<f2`) the same little-endian layout's safetensors name.
  static func safetensorsType(of entry: TensorEntry) -> String {
    if SafetensorsFile.elementSizes[entry.dtype] != nil { return entry.dtype }
    switch entry.elementFormat {
    case .float16: return "F16"
    case .bfloat16: return "BF16"
    default: return "F32"
    }
  }

  /// Cuts the jobs into items: large tensors into pieces, small ones into runs.
  static func items(_ jobs: [Job], blockSize n: Int) -> [Item] {
    let itemBlocks = Self.itemBlocks(blockSize: n)
    var items: [Item] = []
    var run: Range<Int>? = nil
    var runCost = 0
    func flush() {
      if let group = run { items.append(.group(group)) }
      run = nil
      runCost = 0
    }
    for (index, job) in jobs.enumerated() {
      let inputBytes = job.kind == .copy ? 0 : job.entry.byteCount
      let cost = inputBytes + (job.outputEnd - job.outputStart)
      let small = cost <= groupBudget && job.geometry.blockCount <= itemBlocks
      guard small else {
        flush()
        switch job.kind {
        case .copy:
          for start in stride(from: 0, to: job.entry.byteCount, by: groupBudget) {
            items.append(.bytes(job: index, start..<min(job.entry.byteCount, start + groupBudget)))
          }
        case .quantize, .dequantize:
          for start in stride(from: 0, to: job.geometry.blockCount, by: itemBlocks) {
            items.append(.blocks(job: index, start..<min(job.geometry.blockCount, start + itemBlocks)))
          }
        }
        continue
      }
      if runCost + cost > groupBudget { flush() }
      run = (run?.lowerBound ?? index)..<index + 1
      runCost += cost
    }
    flush()
    return items
  }

  /// Writes the output into `output`: header, then every item, on every core unless `threads`
  /// is 1. `progress` is called (from any thread) with the number of elements each item
  /// quantized.
  ///
  /// - Throws: ``NonfiniteValueError`` (for the first non-finite element in file order) when a
  ///   quantized tensor holds an infinity or a NaN and `saturate` is off; ``TensorFileError``
  ///   when the input cannot be read or the output written. The caller discards `output`.
  /// - Returns: What quantization counted, over every tensor.
  @discardableResult
  public func write(to output: OutputFile, threads: Int = 0, progress: @Sendable (Int) -> Void = { _ in })
    throws -> QuantizationStatistics
  {
    try output.write(header, at: 0)
    let tensorScales = try self.tensorScales(threads: threads)
    let state = RunState()
    forEachChunk(items.count, threads: threads) { index in
      guard !state.stopped else { return }
      do {
        let (statistics, elements) = try run(items[index], tensorScales: tensorScales, output: output)
        state.add(statistics)
        progress(elements)
      } catch {
        state.fail(error)
      }
    }
    if let error = state.error {
      if error is NonfiniteValueError, let first = try firstNonfinite() { throw first }
      throw error
    }
    return state.statistics
  }

  /// NVFP4's tensor scale for each job (1 for the other schemes): a first pass over the data.
  func tensorScales(threads: Int) throws -> [Float] {
    var scales = [Float](repeating: 1, count: jobs.count)
    guard case .nvfp4 = scheme else { return scales }
    var maxima = [[(job: Int, amax: Float)]](repeating: [], count: items.count)
    let state = RunState()
    maxima.withUnsafeMutableBufferPointer { maxima in
      let maxima = maxima
      forEachChunk(items.count, threads: threads) { index in
        guard !state.stopped else { return }
        do {
          maxima[index] = try largestMagnitudes(items[index])
        } catch {
          state.fail(error)
        }
      }
    }
    if let error = state.error { throw error }
    var largest = [Float](repeating: 0, count: jobs.count)
    for item in maxima {
      for (job, amax) in item { largest[job] = max(largest[job], amax) }
    }
    for (index, job) in jobs.enumerated() where job.kind != .copy {
      scales[index] = NVFP4Quantizer.tensorScale(largestMagnitude: largest[index])
    }
    return scales
  }

  /// The largest magnitude of the quantized elements an item covers, per job.
  func largestMagnitudes(_ item: Item) throws -> [(job: Int, amax: Float)] {
    switch item {
    case .bytes: return []
    case .blocks(let job, let blocks):
      return [(job, try largestMagnitude(job, elements: jobs[job].geometry.elements(of: blocks)))]
    case .group(let range):
      return try range.filter { jobs[$0].kind != .copy }.map { job in
        (job, try largestMagnitude(job, elements: 0..<jobs[job].entry.elementCount))
      }
    }
  }

  func largestMagnitude(_ job: Int, elements: Range<Int>) throws -> Float {
    let entry = jobs[job].entry
    return try withFloats(entry, elements: elements, in: source) { values in
      BlockKernel.largestMagnitude(values, limit: entry.elementFormat!.largestFinite)
    }
  }

  /// Runs one item: returns what it counted and the number of elements it quantized.
  func run(_ item: Item, tensorScales: [Float], output: OutputFile) throws -> (QuantizationStatistics, Int) {
    switch item {
    case .bytes(let index, let range):
      let job = jobs[index]
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: range.count, alignment: 16)
      defer { buffer.deallocate() }
      try source.file.read(into: buffer, at: job.entry.offset + range.lowerBound)
      try output.write(UnsafeRawBufferPointer(buffer), at: job.outputStart + range.lowerBound)
      return (QuantizationStatistics(), 0)

    case .blocks(let index, let blocks):
      let job = jobs[index]
      let n = scheme.blockSize
      let outputBytes =
        job.kind == .dequantize ? 4 * job.geometry.elements(of: blocks).count : blocks.count * (n / 2 + 2)
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: outputBytes, alignment: 16)
      defer { buffer.deallocate() }
      let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
      let statistics = try process(
        index, blocks: blocks, tensorScale: tensorScales[index],
        codes: base, scales: base + blocks.count * (n / 2), dialects: base + blocks.count * (n / 2 + 1))
      if job.kind == .dequantize {
        let start = job.geometry.elements(of: blocks).lowerBound
        try output.write(UnsafeRawBufferPointer(buffer), at: job.outputStart + 4 * start)
      } else {
        let codes = blocks.count * (n / 2)
        try output.write(
          UnsafeRawBufferPointer(rebasing: buffer[0..<codes]), at: job.partOffsets[0] + blocks.lowerBound * (n / 2))
        try output.write(
          UnsafeRawBufferPointer(rebasing: buffer[codes..<codes + blocks.count]),
          at: job.partOffsets[1] + blocks.lowerBound)
        if scheme.hasDialects {
          try output.write(
            UnsafeRawBufferPointer(rebasing: buffer[(codes + blocks.count)..<(codes + 2 * blocks.count)]),
            at: job.partOffsets[2] + blocks.lowerBound)
        } else if case .nvfp4 = scheme, blocks.lowerBound == 0 {
          try output.write(littleEndianBytes([tensorScales[index]]), at: job.partOffsets[2])
        }
      }
      return (statistics, job.geometry.elements(of: blocks).count)

    case .group(let range):
      let start = jobs[range.lowerBound].outputStart
      let end = jobs[range.upperBound - 1].outputEnd
      let window = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, end - start), alignment: 16)
      defer { window.deallocate() }
      let base = window.baseAddress!.assumingMemoryBound(to: UInt8.self)
      var statistics = QuantizationStatistics()
      var elements = 0
      for index in range {
        let job = jobs[index]
        func at(_ part: Int) -> UnsafeMutablePointer<UInt8> { base + (job.partOffsets[part] - start) }
        switch job.kind {
        case .copy:
          try source.file.read(
            into: UnsafeMutableRawBufferPointer(start: at(0), count: job.entry.byteCount), at: job.entry.offset)
        case .dequantize:
          statistics.merge(
            try process(
              index, blocks: 0..<job.geometry.blockCount, tensorScale: tensorScales[index], codes: at(0),
              scales: at(0), dialects: at(0)))
          elements += job.entry.elementCount
        case .quantize:
          let third: UnsafeMutablePointer<UInt8> = job.partOffsets.count > 2 ? at(2) : at(1)
          statistics.merge(
            try process(
              index, blocks: 0..<job.geometry.blockCount, tensorScale: tensorScales[index], codes: at(0),
              scales: at(1), dialects: third))
          if case .nvfp4 = scheme {
            UnsafeMutableRawPointer(at(2)).storeBytes(
              of: tensorScales[index].bitPattern.littleEndian, as: UInt32.self)
          }
          elements += job.entry.elementCount
        }
      }
      if end > start { try output.write(UnsafeRawBufferPointer(rebasing: window[0..<(end - start)]), at: start) }
      return (statistics, elements)
    }
  }

  /// Quantizes blocks `blocks` of job `index`: packed codes, scales and (BlockDialect)
  /// dialects to the three pointers, or for a decoded job the F32 values (little-endian) of the
  /// blocks' elements to `codes`.
  func process(
    _ index: Int, blocks: Range<Int>, tensorScale: Float, codes: UnsafeMutablePointer<UInt8>,
    scales: UnsafeMutablePointer<UInt8>, dialects: UnsafeMutablePointer<UInt8>
  ) throws -> QuantizationStatistics {
    let job = jobs[index]
    let elements = job.geometry.elements(of: blocks)
    var kernel = kernels[job.entry.elementFormat!]!
    kernel.tensorScale = tensorScale
    return try withFloats(job.entry, elements: elements, in: source) { values in
      let statistics: QuantizationStatistics
      if job.kind == .dequantize {
        statistics = decode(
          blocks, of: job.geometry, values: values, first: elements.lowerBound, kernel: kernel, into: codes)
      } else {
        statistics = kernel.quantize(
          blocks, of: job.geometry, values: values.baseAddress!, first: elements.lowerBound, codes: codes,
          packed: true, scales: scales, dialects: scheme.hasDialects ? dialects : nil)
      }
      if statistics.nonfiniteBlocks > 0, !saturate, let offset = firstNonfiniteIndex(values) {
        throw NonfiniteValueError(
          path: source.path, tensor: job.entry.name, index: elements.lowerBound + offset, value: values[offset])
      }
      return statistics
    }
  }

  /// Quantizes blocks and writes their decoded values, as little-endian F32, to `output`
  /// (element `first` at byte 0).
  func decode(
    _ blocks: Range<Int>, of geometry: BlockGeometry, values: UnsafeBufferPointer<Float>, first: Int,
    kernel: BlockKernel, into output: UnsafeMutablePointer<UInt8>
  ) -> QuantizationStatistics {
    let n = geometry.blockSize
    let decoder = BlockDecoder(scheme: scheme)
    var statistics = QuantizationStatistics()
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n + 2) { scratch in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { table in
        let codes = scratch.baseAddress!
        for block in blocks {
          let (start, count) = geometry.span(of: block)
          statistics.merge(
            kernel.quantize(
              block..<block + 1, of: geometry, values: values.baseAddress!, first: first, codes: codes, packed: false,
              scales: codes + n, dialects: scheme.hasDialects ? codes + n + 1 : nil))
          decoder.table(
            scale: codes[n], dialect: scheme.hasDialects ? codes[n + 1] : 0, tensorScale: kernel.tensorScale,
            into: table.baseAddress!)
          let target = UnsafeMutableRawPointer(output + 4 * (start - first))
          for i in 0..<count {
            target.storeBytes(of: table[Int(codes[i])].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
          }
        }
      }
    }
    return statistics
  }

  /// The first infinity or NaN, in file order, among the quantized tensors (read again, in
  /// pieces, after an item found one: the items run in any order).
  func firstNonfinite() throws -> NonfiniteValueError? {
    let piece = 1 << 16
    for job in jobs where job.kind != .copy {
      for start in stride(from: 0, to: job.entry.elementCount, by: piece) {
        let elements = start..<min(job.entry.elementCount, start + piece)
        let found = try withFloats(job.entry, elements: elements, in: source) { values in
          firstNonfiniteIndex(values).map { (start + $0, values[$0]) }
        }
        if let (index, value) = found {
          return NonfiniteValueError(path: source.path, tensor: job.entry.name, index: index, value: value)
        }
      }
    }
    return nil
  }
}

/// What the workers of one run share: the first error, which stops the others, and the
/// merged statistics.
final class RunState: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var error: Error?
  private(set) var statistics = QuantizationStatistics()

  var stopped: Bool { lock.withLock { error != nil } }

  func fail(_ error: Error) {
    lock.withLock {
      if self.error == nil { self.error = error }
    }
  }

  func add(_ more: QuantizationStatistics) { lock.withLock { statistics.merge(more) } }
}
