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
    var packed = [UInt8](repeating: 0, count: codes.count / 2)
    for j in packed.indices { packed[j] = codes[2 * j] | codes[2 * j + 1] << 4 }
    return packed
  }

  /// Writes the decoded values of block `block` (its `count` real elements) to `output`.
  func decodeBlock(_ block: Int, count: Int, into output: UnsafeMutablePointer<Float>) {
    let n = scheme.blockSize
    let base = block * n
    var table = [Float](repeating: 0, count: 16)
    switch scheme {
    case .blockDialect(let format, _):
      let magnitudes = format.formatbook.dialects[Int(dialects[block])].magnitudes
      for code in 0..<16 {
        let m = code & 8 != 0 ? -magnitudes[code & 7] : magnitudes[code & 7]
        table[code] = Float(format.value(halfUnits: m, exponentField: Int(scales[block])))
      }
    case .mxfp4:
      let format = QuantizationScheme.mxfp4Format
      let magnitudes = format.formatbook.dialects[0].magnitudes
      for code in 0..<16 {
        let m = code & 8 != 0 ? -magnitudes[code & 7] : magnitudes[code & 7]
        table[code] = Float(format.value(halfUnits: m, exponentField: Int(scales[block])))
      }
    case .nvfp4:
      let nvfp4 = NVFP4Quantizer.shared
      for code in 0..<16 {
        table[code] = nvfp4.value(code: UInt8(code), scaleBits: scales[block], tensorScale: tensorScale)
      }
    }
    for i in 0..<count { output[i] = table[Int(codes[base + i])] }
  }

  /// The decoded tensor, `rows * columns` Floats in the original shape (padding dropped).
  public func dequantized() -> [Float] {
    var values = [Float](repeating: 0, count: rows * columns)
    let n = scheme.blockSize
    values.withUnsafeMutableBufferPointer { output in
      for row in 0..<rows {
        for j in 0..<blocksPerRow {
          let count = min(n, columns - j * n)
          decodeBlock(row * blocksPerRow + j, count: count, into: output.baseAddress! + row * columns + j * n)
        }
      }
    }
    return values
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
    let (rows, columns) = QuantizedTensor.rowsAndColumns(of: shape)
    precondition(values.count == rows * columns, "\(values.count) values for shape \(shape)")
    let n = scheme.blockSize
    let blocksPerRow = (columns + n - 1) / n
    let blockCount = rows * blocksPerRow
    // Every byte is written by exactly one block below, so the arrays start uninitialized.
    var codes = uninitializedBytes(blockCount * n)
    var scales = uninitializedBytes(blockCount)
    var dialects = uninitializedBytes(scheme.hasDialects ? blockCount : 0)
    var tensorScale: Float = 1

    let blockQuantizer: BlockQuantizer?
    switch scheme {
    case .blockDialect(let format, let selector):
      blockQuantizer = BlockQuantizer(format: format, selector: selector, input: input)
    case .mxfp4:
      blockQuantizer = BlockQuantizer(
        format: QuantizationScheme.mxfp4Format, selector: .leastSquares, input: input,
        maximumExponentField: QuantizationScheme.mxfp4MaximumExponentField)
    case .nvfp4:
      blockQuantizer = nil
      tensorScale = NVFP4Quantizer.tensorScale(
        largestMagnitude: Self.largestMagnitude(of: values, limit: input.largestFinite, threads: threads))
    }
    let nvfp4 = NVFP4Quantizer()
    let limit = input.largestFinite
    let scale = tensorScale

    let chunkCount = (blockCount + Self.chunkBlocks - 1) / Self.chunkBlocks
    var chunkStatistics = [QuantizationStatistics](repeating: .init(), count: chunkCount)
    codes.withUnsafeMutableBufferPointer { codeBuffer in
      scales.withUnsafeMutableBufferPointer { scaleBuffer in
        dialects.withUnsafeMutableBufferPointer { dialectBuffer in
          chunkStatistics.withUnsafeMutableBufferPointer { statisticsBuffer in
            // Plain copies of the buffers (they are just addresses), for the closures below.
            let (codeBuffer, scaleBuffer, dialectBuffer, statisticsBuffer) = (
              codeBuffer, scaleBuffer, dialectBuffer, statisticsBuffer
            )
            // One closure per kind of block, so that nothing is copied per block.
            let work: (Int) -> Void
            if let blockQuantizer {
              work = { chunk in
                var statistics = QuantizationStatistics()
                for block in Self.blocks(inChunk: chunk, of: blockCount) {
                  let (start, count) = Self.span(of: block, blocksPerRow: blocksPerRow, columns: columns, blockSize: n)
                  let outcome = blockQuantizer.quantize(
                    UnsafeBufferPointer(rebasing: values[start..<start + count]),
                    codes: codeBuffer.baseAddress! + block * n)
                  statistics.record(outcome)
                  scaleBuffer[block] = UInt8(outcome.exponentField)
                  if !dialectBuffer.isEmpty { dialectBuffer[block] = UInt8(outcome.dialect) }
                }
                statisticsBuffer[chunk] = statistics
              }
            } else {
              work = { chunk in
                var statistics = QuantizationStatistics()
                for block in Self.blocks(inChunk: chunk, of: blockCount) {
                  let (start, count) = Self.span(of: block, blocksPerRow: blocksPerRow, columns: columns, blockSize: n)
                  var nonfinite = false
                  let bits = withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { copy in
                    for i in 0..<count {
                      let x = values[start + i]
                      if !x.isFinite { nonfinite = true }
                      copy[i] = x.isNaN ? 0 : (x.isInfinite ? (x < 0 ? -limit : limit) : x)
                    }
                    return nvfp4.quantize(
                      UnsafeBufferPointer(copy), tensorScale: scale, codes: codeBuffer.baseAddress! + block * n)
                  }
                  scaleBuffer[block] = bits
                  statistics.record(
                    BlockOutcome(exponentField: Int(bits), dialect: 0, nonfinite: nonfinite, clamp: .none))
                }
                statisticsBuffer[chunk] = statistics
              }
            }
            forEachChunk(chunkCount, threads: threads, work)
          }
        }
      }
    }
    var statistics = QuantizationStatistics()
    for chunk in chunkStatistics { statistics.merge(chunk) }
    if !scheme.hasDialects { statistics.dialectUsage = [Int](repeating: 0, count: Formatbook.maximumDialectCount) }
    return QuantizedTensor(
      scheme: scheme, shape: shape, rows: rows, columns: columns, blocksPerRow: blocksPerRow,
      codes: codes, scales: scales, dialects: dialects, tensorScale: tensorScale,
      statistics: statistics)
  }

  /// The blocks of one unit of parallel work.
  static func blocks(inChunk chunk: Int, of blockCount: Int) -> Range<Int> {
    chunk * chunkBlocks..<min(blockCount, (chunk + 1) * chunkBlocks)
  }

  /// Where block `block` starts in the row-major values, and how many real elements it has.
  static func span(of block: Int, blocksPerRow: Int, columns: Int, blockSize: Int)
    -> (start: Int, count: Int)
  {
    let row = block / blocksPerRow
    let start = row * columns + (block % blocksPerRow) * blockSize
    return (start, min(blockSize, row * columns + columns - start))
  }

  /// Quantizes an array (convenience for tests and small tensors).
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
        var amax: Float = 0
        for x in values[(index * chunk)..<min(values.count, (index + 1) * chunk)] {
          amax = max(amax, x.isNaN ? 0 : min(abs(x), limit))
        }
        maxima[index] = amax
      }
    }
    return maxima.max() ?? 0
  }

  public func quantize(_ values: [Float], shape: [Int], threads: Int = 0) -> QuantizedTensor {
    values.withUnsafeBufferPointer { quantize($0, shape: shape, threads: threads) }
  }
}

/// A byte array whose contents the caller overwrites completely.
private func uninitializedBytes(_ count: Int) -> [UInt8] {
  [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}
