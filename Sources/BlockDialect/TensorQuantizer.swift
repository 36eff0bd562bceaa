import Foundation

/// Counts gathered while quantizing: blocks, clamps, non-finite blocks and dialect usage.
public struct QuantizationStatistics: Hashable, Sendable {
  /// Blocks quantized.
  public var blocks = 0
  /// Blocks that held an infinity or NaN (saturating rule).
  public var nonfiniteBlocks = 0
  /// Blocks whose shared exponent was clamped at 0.
  public var clampedLowBlocks = 0
  /// Blocks whose shared exponent was clamped at its largest value (elements saturate).
  public var clampedHighBlocks = 0
  /// Blocks per dialect id (BlockDialect only).
  public var dialectUsage = [Int](repeating: 0, count: Formatbook.maximumDialectCount)

  public init() {}

  mutating func record(_ outcome: BlockOutcome) {
    blocks += 1
    if outcome.nonfinite { nonfiniteBlocks += 1 }
    switch outcome.clamp {
    case .none: break
    case .low: clampedLowBlocks += 1
    case .high: clampedHighBlocks += 1
    }
    dialectUsage[outcome.dialect] += 1
  }

  /// Adds another set of counts to this one.
  public mutating func merge(_ other: QuantizationStatistics) {
    blocks += other.blocks
    nonfiniteBlocks += other.nonfiniteBlocks
    clampedLowBlocks += other.clampedLowBlocks
    clampedHighBlocks += other.clampedHighBlocks
    for d in dialectUsage.indices { dialectUsage[d] += other.dialectUsage[d] }
  }
}

/// A tensor in a quantized format: one 4-bit code per element (held one per byte here; see
/// ``packedCodes()``), and per block a scale byte and, for BlockDialect, a dialect id.
public struct QuantizedTensor: Sendable {
  /// The format.
  public let scheme: QuantizationScheme
  /// The original shape; blocks run along the last dimension.
  public let shape: [Int]
  /// Rows: the product of all dimensions but the last (1 for a scalar or a vector).
  public let rows: Int
  /// Elements per row: the last dimension.
  public let columns: Int
  /// Blocks per row; the last block of a row is padded with zeros.
  public let blocksPerRow: Int
  /// Codes, `rows * blocksPerRow * blockSize`, row-major, padding included.
  public internal(set) var codes: [UInt8]
  /// Per block: the exponent field (BlockDialect), E8M0 scale (MXFP4) or E4M3 bits (NVFP4).
  public internal(set) var scales: [UInt8]
  /// Per block: the dialect id (BlockDialect); empty for the baselines.
  public internal(set) var dialects: [UInt8]
  /// NVFP4's FP32 tensor scale T; 1 for the other formats.
  public internal(set) var tensorScale: Float
  /// What quantization counted.
  public internal(set) var statistics: QuantizationStatistics

  /// Splits a shape into rows and columns (a scalar is one row of one element).
  public static func rowsAndColumns(of shape: [Int]) -> (rows: Int, columns: Int) {
    guard let last = shape.last else { return (1, 1) }
    return (shape.dropLast().reduce(1, *), last)
  }

  /// The number of blocks.
  public var blockCount: Int { rows * blocksPerRow }

  /// The codes packed two per byte: element 2j in the low nibble, 2j+1 in the high nibble.
  public func packedCodes() -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: codes.count / 2) { packed, initialized in
      codes.withUnsafeBufferPointer { packCodes($0.baseAddress!, count: codes.count, into: packed.baseAddress!) }
      initialized = codes.count / 2
    }
  }

  /// Writes the decoded values of block `block` (its `count` real elements) to `output`.
  func decodeBlock(_ block: Int, count: Int, into output: UnsafeMutablePointer<Float>) {
    let decoder = BlockDecoder(scheme: scheme)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { table in
      decoder.table(
        scale: scales[block], dialect: dialects.isEmpty ? 0 : dialects[block], tensorScale: tensorScale,
        into: table.baseAddress!)
      for i in 0..<count { output[i] = table[Int(codes[block * scheme.blockSize + i])] }
    }
  }

  /// The decoded tensor, `rows * columns` Floats in the original shape (padding dropped).
  public func dequantized() -> [Float] {
    var values = [Float](repeating: 0, count: rows * columns)
    let geometry = BlockGeometry(rows: rows, columns: columns, blockSize: scheme.blockSize)
    values.withUnsafeMutableBufferPointer { output in
      for block in 0..<geometry.blockCount {
        let (start, count) = geometry.span(of: block)
        decodeBlock(block, count: count, into: output.baseAddress! + start)
      }
    }
    return values
  }
}

/// Packs `count` 4-bit codes (one per byte, `count` even) two per byte: element 2j in the low
/// nibble, 2j+1 in the high nibble.
@inline(__always)
func packCodes(_ codes: UnsafePointer<UInt8>, count: Int, into packed: UnsafeMutablePointer<UInt8>) {
  for j in 0..<count / 2 { packed[j] = codes[2 * j] | codes[2 * j + 1] &<< 4 }
}

/// How a tensor's elements fall into blocks: each row (the last dimension) is cut into blocks
/// of its own, the last one of a row padded with zeros.
///
/// Built from sizes that were checked (a file's shape whose product does not overflow), so
/// nothing here can overflow: `blocksPerRow` is at most `columns`, and the blocks of a range
/// always cover one contiguous run of elements.
public struct BlockGeometry: Hashable, Sendable {
  /// The product of all dimensions but the last (1 for a scalar or a vector).
  public let rows: Int
  /// The last dimension (1 for a scalar).
  public let columns: Int
  /// Elements per block.
  public let blockSize: Int
  /// Blocks per row: `ceil(columns / blockSize)`.
  public let blocksPerRow: Int
  /// `rows * blocksPerRow`; 0 when any dimension is 0.
  public let blockCount: Int

  public init(rows: Int, columns: Int, blockSize: Int) {
    self.rows = rows
    self.columns = columns
    self.blockSize = blockSize
    blocksPerRow = columns / blockSize + (columns % blockSize == 0 ? 0 : 1)
    // rows * columns was checked, and blocksPerRow <= columns; with no columns there are no blocks.
    blockCount = blocksPerRow == 0 ? 0 : rows * blocksPerRow
  }

  /// The geometry of a tensor of `shape` (whose element count must not overflow).
  public init(shape: [Int], blockSize: Int) {
    let (rows, columns) = QuantizedTensor.rowsAndColumns(of: shape)
    self.init(rows: rows, columns: columns, blockSize: blockSize)
  }

  /// Where block `block` starts in the row-major values, and how many real elements it has.
  @inline(__always)
  public func span(of block: Int) -> (start: Int, count: Int) {
    let row = block / blocksPerRow
    let column = (block - row * blocksPerRow) * blockSize
    return (row * columns + column, min(blockSize, columns - column))
  }

  /// The elements blocks `blocks` cover: one contiguous range.
  public func elements(of blocks: Range<Int>) -> Range<Int> {
    guard !blocks.isEmpty else { return 0..<0 }
    let (first, _) = span(of: blocks.lowerBound)
    let (last, count) = span(of: blocks.upperBound - 1)
    return first..<last + count
  }
}

/// Decodes blocks of a scheme: a block's 16 possible values from its scale, dialect and the
/// tensor scale.
struct BlockDecoder {
  let scheme: QuantizationScheme

  /// Writes the value of each of the 16 codes to `table`.
  func table(scale: UInt8, dialect: UInt8, tensorScale: Float, into table: UnsafeMutablePointer<Float>) {
    switch scheme {
    case .blockDialect(let format, _):
      fill(table, format: format, magnitudes: format.formatbook.dialects[Int(dialect)].magnitudes, field: Int(scale))
    case .mxfp4:
      let format = QuantizationScheme.mxfp4Format
      fill(table, format: format, magnitudes: format.formatbook.dialects[0].magnitudes, field: Int(scale))
    case .nvfp4:
      let nvfp4 = NVFP4Quantizer.shared
      for code in 0..<16 { table[code] = nvfp4.value(code: UInt8(code), scaleBits: scale, tensorScale: tensorScale) }
    }
  }

  private func fill(_ table: UnsafeMutablePointer<Float>, format: BlockFormat, magnitudes: [Int], field: Int) {
    for code in 0..<16 {
      let m = code & 8 != 0 ? -magnitudes[code & 7] : magnitudes[code & 7]
      table[code] = Float(format.value(halfUnits: m, exponentField: field))
    }
  }
}

/// One scheme's block quantizer, ready to run over ranges of a tensor's blocks: built once per
/// scheme and input format (building a BlockDialect quantizer's tables is not free), with
/// NVFP4's tensor scale set per tensor.
struct BlockKernel: Sendable {
  let scheme: QuantizationScheme
  let input: ElementFormat
  let quantizer: BlockQuantizer?
  /// NVFP4's tensor scale T (1 for the other schemes).
  var tensorScale: Float = 1

  init(scheme: QuantizationScheme, input: ElementFormat) {
    self.scheme = scheme
    self.input = input
    switch scheme {
    case .blockDialect(let format, let selector):
      quantizer = BlockQuantizer(format: format, selector: selector, input: input)
    case .mxfp4:
      quantizer = BlockQuantizer(
        format: QuantizationScheme.mxfp4Format, selector: .leastSquares, input: input,
        maximumExponentField: QuantizationScheme.mxfp4MaximumExponentField)
    case .nvfp4:
      quantizer = nil
    }
  }

  /// Quantizes blocks `blocks` of a tensor of `geometry`; `values[0]` is element `first`.
  ///
  /// - Parameters:
  ///   - codes: Room for `blockSize` codes per block (one per byte) or, when `packed`, half
  ///     as many bytes (two codes per byte).
  ///   - scales: One byte per block: the exponent field, E8M0 scale or E4M3 bits.
  ///   - dialects: One byte per block for BlockDialect; nil for the baselines.
  func quantize(
    _ blocks: Range<Int>, of geometry: BlockGeometry, values: UnsafePointer<Float>, first: Int,
    codes: UnsafeMutablePointer<UInt8>, packed: Bool, scales: UnsafeMutablePointer<UInt8>,
    dialects: UnsafeMutablePointer<UInt8>?
  ) -> QuantizationStatistics {
    let n = geometry.blockSize
    var statistics = QuantizationStatistics()
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { scratch in
      // One loop per kind of quantizer, so that nothing is copied or retained per block.
      func run(_ quantizeBlock: (UnsafeBufferPointer<Float>, UnsafeMutablePointer<UInt8>) -> BlockOutcome) {
        for (index, block) in blocks.enumerated() {
          let (start, count) = geometry.span(of: block)
          let elements = UnsafeBufferPointer(start: values + (start - first), count: count)
          let target = packed ? scratch.baseAddress! : codes + index * n
          let outcome = quantizeBlock(elements, target)
          dialects?[index] = UInt8(truncatingIfNeeded: outcome.dialect)
          scales[index] = UInt8(truncatingIfNeeded: outcome.exponentField)
          if packed { packCodes(scratch.baseAddress!, count: n, into: codes + index * (n / 2)) }
          statistics.record(outcome)
        }
      }
      if let quantizer {
        run { elements, target in quantizer.quantize(elements, codes: target) }
      } else {
        run { elements, target in quantizeNVFP4(elements, codes: target) }
      }
    }
    if !scheme.hasDialects {
      statistics.dialectUsage = [Int](repeating: 0, count: Formatbook.maximumDialectCount)
    }
    return statistics
  }

  /// One NVFP4 block: infinities saturate to the input's largest finite value, NaN counts as
  /// 0; the outcome's exponent field holds the E4M3 scale bits.
  private func quantizeNVFP4(_ elements: UnsafeBufferPointer<Float>, codes: UnsafeMutablePointer<UInt8>)
    -> BlockOutcome
  {
    let limit = input.largestFinite
    var nonfinite = false
    let bits = withUnsafeTemporaryAllocation(of: Float.self, capacity: elements.count) { copy in
      for i in 0..<elements.count {
        let x = elements[i]
        if !x.isFinite { nonfinite = true }
        copy[i] = x.isNaN ? 0 : (x.isInfinite ? (x < 0 ? -limit : limit) : x)
      }
      return NVFP4Quantizer.shared.quantize(UnsafeBufferPointer(copy), tensorScale: tensorScale, codes: codes)
    }
    return BlockOutcome(exponentField: Int(bits), dialect: 0, nonfinite: nonfinite, clamp: .none)
  }

  /// The largest magnitude in `values`, NaN counted as 0 and anything beyond the input
  /// format's largest finite value (infinities too) as that value: what NVFP4's tensor scale
  /// is computed from.
  static func largestMagnitude(_ values: UnsafeBufferPointer<Float>, limit: Float) -> Float {
    var amax: Float = 0
    for x in values { amax = max(amax, x.isNaN ? 0 : min(abs(x), limit)) }
    return amax
  }
}

/// Quantizes whole tensors, blocked along the last dimension, on one thread or all cores.
public struct TensorQuantizer: Sendable {
  /// The format.
  public let scheme: QuantizationScheme
  /// The tensor's element format: decides what an infinity saturates to.
  public let input: ElementFormat
  /// Blocks per unit of parallel work; fixed, so results never depend on the thread count.
  static let chunkBlocks = 2048

  public init(scheme: QuantizationScheme, input: ElementFormat = .float32) {
    self.scheme = scheme
    self.input = input
  }

  /// The number of cores.
  public static var processorCount: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// Quantizes `values` (row-major, of the given shape).
  ///
  /// - Parameter threads: 1 for a single thread; anything else uses every core.
  public func quantize(_ values: UnsafeBufferPointer<Float>, shape: [Int], threads: Int = 0)
    -> QuantizedTensor
  {
    let geometry = BlockGeometry(shape: shape, blockSize: scheme.blockSize)
    precondition(values.count == geometry.rows * geometry.columns, "\(values.count) values for shape \(shape)")
    let n = scheme.blockSize
    let blockCount = geometry.blockCount
    // Every byte is written by exactly one block below, so the arrays start uninitialized.
    var codes = uninitializedBytes(blockCount * n)
    var scales = uninitializedBytes(blockCount)
    var dialects = uninitializedBytes(scheme.hasDialects ? blockCount : 0)
    var kernel = BlockKernel(scheme: scheme, input: input)
    if case .nvfp4 = scheme {
      kernel.tensorScale = NVFP4Quantizer.tensorScale(
        largestMagnitude: Self.largestMagnitude(of: values, limit: input.largestFinite, threads: threads))
    }
    let chunkCount = (blockCount + Self.chunkBlocks - 1) / Self.chunkBlocks
    var chunkStatistics = [QuantizationStatistics](repeating: .init(), count: chunkCount)
    codes.withUnsafeMutableBufferPointer { codeBuffer in
      scales.withUnsafeMutableBufferPointer { scaleBuffer in
        dialects.withUnsafeMutableBufferPointer { dialectBuffer in
          chunkStatistics.withUnsafeMutableBufferPointer { statisticsBuffer in
            // Plain copies of the buffers (they are just addresses), for the closure below.
            let (codeBuffer, scaleBuffer, dialectBuffer, statisticsBuffer) = (
              codeBuffer, scaleBuffer, dialectBuffer, statisticsBuffer
            )
            forEachChunk(chunkCount, threads: threads) { chunk in
              let blocks = Self.blocks(inChunk: chunk, of: blockCount)
              statisticsBuffer[chunk] = kernel.quantize(
                blocks, of: geometry, values: values.baseAddress!, first: 0,
                codes: codeBuffer.baseAddress! + blocks.lowerBound * n, packed: false,
                scales: scaleBuffer.baseAddress! + blocks.lowerBound,
                dialects: dialectBuffer.isEmpty ? nil : dialectBuffer.baseAddress! + blocks.lowerBound)
            }
          }
        }
      }
    }
    var statistics = QuantizationStatistics()
    for chunk in chunkStatistics { statistics.merge(chunk) }
    return QuantizedTensor(
      scheme: scheme, shape: shape, rows: geometry.rows, columns: geometry.columns,
      blocksPerRow: geometry.blocksPerRow, codes: codes, scales: scales, dialects: dialects,
      tensorScale: kernel.tensorScale, statistics: statistics)
  }

  /// The blocks of one unit of parallel work.
  static func blocks(inChunk chunk: Int, of blockCount: Int) -> Range<Int> {
    chunk * chunkBlocks..<min(blockCount, (chunk + 1) * chunkBlocks)
  }

  /// The largest magnitude in `values`, NaN counted as 0 and anything beyond `limit` (the
  /// input format's largest finite value, so infinities too) as `limit`; in parallel chunks,
  /// since it is a whole pass over the tensor before NVFP4 can start.
  static func largestMagnitude(of values: UnsafeBufferPointer<Float>, limit: Float, threads: Int) -> Float {
    let chunk = 1 << 16
    let chunkCount = (values.count + chunk - 1) / chunk
    var maxima = [Float](repeating: 0, count: chunkCount)
    maxima.withUnsafeMutableBufferPointer { maxima in
      let maxima = maxima
      forEachChunk(chunkCount, threads: threads) { index in
        maxima[index] = BlockKernel.largestMagnitude(
          UnsafeBufferPointer(rebasing: values[(index * chunk)..<min(values.count, (index + 1) * chunk)]),
          limit: limit)
      }
    }
    return maxima.max() ?? 0
  }

  /// Quantizes an array (convenience for tests and small tensors).
  public func quantize(_ values: [Float], shape: [Int], threads: Int = 0) -> QuantizedTensor {
    values.withUnsafeBufferPointer { quantize($0, shape: shape, threads: threads) }
  }
}

/// A byte array whose contents the caller overwrites completely.
private func uninitializedBytes(_ count: Int) -> [UInt8] {
  [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
