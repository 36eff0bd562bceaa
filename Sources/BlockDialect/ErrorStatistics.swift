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
    let n = scheme.blockSize
    let chunkCount = (blockCount + TensorQuantizer.chunkBlocks - 1) / TensorQuantizer.chunkBlocks
    let limit = Double(input.largestFinite)
    var partial = [ErrorStatistics](repeating: .init(), count: chunkCount)
    partial.withUnsafeMutableBufferPointer { results in
      let work = { (chunk: Int) in
        var sums = ErrorStatistics()
        withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { decoded in
          for block in TensorQuantizer.blocks(inChunk: chunk, of: blockCount) {
            let (start, count) = TensorQuantizer.span(
              of: block, blocksPerRow: blocksPerRow, columns: columns, blockSize: n)
            decodeBlock(block, count: count, into: decoded.baseAddress!)
            for i in 0..<count {
              var x = Double(original[start + i])
              if x.isNaN { x = 0 } else if x.isInfinite { x = x < 0 ? -limit : limit }
              let error = x - Double(decoded[i])
              sums.signalEnergy += x * x
              sums.errorEnergy += error * error
            }
            sums.count += count
          }
        }
        results[chunk] = sums
      }
      forEachChunk(chunkCount, threads: threads, work)
    }
    var total = ErrorStatistics()
    for chunk in partial { total.merge(chunk) }
    return total
  }
}
