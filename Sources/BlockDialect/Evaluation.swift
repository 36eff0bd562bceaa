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

/// Quantizes `values` with every scheme and measures the error of each.
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
