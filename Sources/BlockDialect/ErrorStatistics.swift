import Foundation

/// Signal and error energy of a quantized tensor against its original, and the figures
/// derived from them.
public struct ErrorStatistics: Hashable, Sendable {
  /// Elements compared.
  public var count = 0
  /// Sum of x^2.
  public var signalEnergy = 0.0
  /// Sum of (x - dequantized x)^2.
  public var errorEnergy = 0.0

  public init() {}

  /// Mean squared error.
  public var meanSquaredError: Double { count == 0 ? 0 : errorEnergy / Double(count) }

  /// Signal-to-quantization-noise ratio in dB: 10 log10(signal energy / error energy);
  /// infinite when the error is zero.
  public var sqnr: Double {
    if errorEnergy == 0 { return .infinity }
    return 10 * log10(signalEnergy / errorEnergy)
  }

  /// Adds another set of sums to this one.
  public mutating func merge(_ other: ErrorStatistics) {
    count += other.count
    signalEnergy += other.signalEnergy
    errorEnergy += other.errorEnergy
  }
}

extension QuantizedTensor {
  /// Compares the decoded tensor with `original` (the values it was quantized from; under the
  /// saturating rule, infinities count as the largest finite value and NaNs as 0).
  ///
  /// Sums run in fixed chunks in a fixed order, so the result does not depend on `threads`.
  public func errorStatistics(
    against original: UnsafeBufferPointer<Float>, input: ElementFormat = .float32, threads: Int = 0
  ) -> ErrorStatistics {
    let geometry = BlockGeometry(rows: rows, columns: columns, blockSize: scheme.blockSize)
    let chunkCount = (blockCount + TensorQuantizer.chunkBlocks - 1) / TensorQuantizer.chunkBlocks
    var partial = [ErrorStatistics](repeating: .init(), count: chunkCount)
    partial.withUnsafeMutableBufferPointer { results in
      let results = results
      forEachChunk(chunkCount, threads: threads) { chunk in
        results[chunk] = ErrorStatistics.sum(
          TensorQuantizer.blocks(inChunk: chunk, of: blockCount), of: geometry, original: original.baseAddress!,
          first: 0, input: input
        ) { block, count, output in decodeBlock(block, count: count, into: output) }
      }
    }
    var total = ErrorStatistics()
    for chunk in partial { total.merge(chunk) }
    return total
  }
}

extension ErrorStatistics {
  /// The sums over `blocks`, in order: `decode(block, count, output)` writes a block's decoded
  /// elements; `original[0]` is element `first`. One chunk's sums, the unit every caller adds
  /// up in the same order, so that results are identical however the tensor was read.
  static func sum(
    _ blocks: Range<Int>, of geometry: BlockGeometry, original: UnsafePointer<Float>, first: Int,
    input: ElementFormat, decode: (Int, Int, UnsafeMutablePointer<Float>) -> Void
  ) -> ErrorStatistics {
    let limit = Double(input.largestFinite)
    var sums = ErrorStatistics()
    withUnsafeTemporaryAllocation(of: Float.self, capacity: geometry.blockSize) { decoded in
      for block in blocks {
        let (start, count) = geometry.span(of: block)
        decode(block, count, decoded.baseAddress!)
        for i in 0..<count {
          var x = Double(original[start - first + i])
          if x.isNaN { x = 0 } else if x.isInfinite { x = x < 0 ? -limit : limit }
          let error = x - Double(decoded[i])
          sums.signalEnergy += x * x
          sums.errorEnergy += error * error
        }
        sums.count += count
      }
    }
    return sums
  }
}
