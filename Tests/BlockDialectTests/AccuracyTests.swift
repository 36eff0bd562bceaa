import Foundation
import Testing

@testable import BlockDialect

/// SQNR against the table of docs/numerics.md (an independent implementation's figures on 2^20
/// seeded samples; another generator's samples differ by a few hundredths of a dB).
@Suite("Accuracy: SQNR against the spec's table")
struct AccuracyTests {
  struct Row: Sendable, CustomTestStringConvertible {
    let distribution: SampleDistribution
    let mxfp4: Double
    let nvfp4: Double
    let weight: Double
    let activation: Double
    var testDescription: String { distribution.rawValue }
  }

  /// | data | MXFP4-32 | NVFP4-16 | weight path | activation path |, from docs/numerics.md.
  static let table: [Row] = [
    Row(distribution: .normal, mxfp4: 18.79, nvfp4: 20.44, weight: 20.65, activation: 20.27),
    Row(distribution: .laplace, mxfp4: 17.94, nvfp4: 20.66, weight: 19.97, activation: 19.68),
    Row(distribution: .studentT, mxfp4: 16.95, nvfp4: 20.93, weight: 19.31, activation: 19.12),
  ]

  /// 10 log10(sum x^2 / sum (x - decoded)^2), computed here from the decoded tensor.
  static func sqnr(_ values: [Float], _ tensor: QuantizedTensor) -> Double {
    let decoded = tensor.dequantized()
    var signal = 0.0
    var noise = 0.0
    for (x, y) in zip(values, decoded) {
      signal += Double(x) * Double(x)
      noise += (Double(x) - Double(y)) * (Double(x) - Double(y))
    }
    return 10 * log10(signal / noise)
  }

  @Test(arguments: table)
  func sqnrMatchesTable(row: Row) {
    // Seed 5 for every distribution. Normal and Laplace land within 0.03 dB of the table for
    // any seed; Student t with 3 degrees of freedom has an infinite fourth moment, and its
    // SQNR moves by up to +-0.1 dB from seed to seed (seeds 1...8 gave NVFP4 20.83...21.03,
    // weight path 19.20...19.43), so a seed near the middle of that spread is used.
    let values = row.distribution.samples(1 << 20, seed: 5)
    let schemes: [(QuantizationScheme, Double)] = [
      (.mxfp4, row.mxfp4), (.nvfp4, row.nvfp4), (.blockDialect(.default, .leastSquares), row.weight),
      (.blockDialect(.default, .twoStage), row.activation),
    ]
    var measured: [Double] = []
    for (scheme, expected) in schemes {
      let tensor = TensorQuantizer(scheme: scheme).quantize(values, shape: [1 << 15, 32])
      let statistics = values.withUnsafeBufferPointer { tensor.errorStatistics(against: $0) }
      #expect(statistics.count == 1 << 20)
      // The library's figure agrees with the one computed here from the decoded values.
      let direct = Self.sqnr(values, tensor)
      #expect(abs(statistics.sqnr - direct) < 1e-9, "\(scheme)")
      #expect(
        abs(statistics.sqnr - expected) <= 0.1,
        "\(scheme) on \(row.distribution): \(statistics.sqnr) dB, table \(expected)")
      measured.append(statistics.sqnr)
    }
    if row.distribution == .normal {
      #expect(measured[2] - measured[0] >= 1.7, "weight path over MXFP4: \(measured[2] - measured[0]) dB")
      #expect(measured[3] - measured[0] >= 1.3, "activation path over MXFP4: \(measured[3] - measured[0]) dB")
    }
  }

  /// The neighbour-group selector's gap to the weight path, from docs/numerics.md (an
  /// independent implementation's figures): | data | two-stage gap | neighbour-group gap |.
  static let neighborGaps: [(SampleDistribution, twoStage: Double, neighbor: Double)] = [
    (.normal, 0.40, 0.15), (.laplace, 0.29, 0.14), (.studentT, 0.23, 0.16),
  ]

  /// On 2^20 samples of each distribution, the neighbour-group activation path is within
  /// 0.17 dB of the weight path, and both online selectors' gaps are within 0.03 dB of the
  /// independent implementation's on normal and Laplace data. Student t (3 degrees of freedom)
  /// is looser, 0.05 dB: its heavy tail moves the gaps with the sample (seeds 1...8 here: two-stage
  /// 0.19...0.21, neighbour 0.12...0.14), and the spec's own two tables disagree on it by 0.04 dB
  /// (its first table gives a two-stage gap of 19.31 - 19.12 = 0.19, its second 0.23); our
  /// figures match the first.
  @Test(arguments: neighborGaps.map(\.0))
  func neighborGroupSelectorClosesTheGap(distribution: SampleDistribution) {
    let row = Self.neighborGaps.first { $0.0 == distribution }!
    let values = distribution.samples(1 << 20, seed: 5)
    func sqnr(_ selector: DialectSelector) -> Double {
      let tensor = TensorQuantizer(scheme: .blockDialect(.default, selector)).quantize(values, shape: [1 << 15, 32])
      return values.withUnsafeBufferPointer { tensor.errorStatistics(against: $0) }.sqnr
    }
    let weight = sqnr(.leastSquares)
    let neighborGap = weight - sqnr(.neighborGroups)
    let twoStageGap = weight - sqnr(.twoStage)
    #expect(neighborGap <= 0.17, "\(distribution): neighbour-group gap \(neighborGap) dB")
    let tolerance = distribution == .studentT ? 0.05 : 0.03
    #expect(
      abs(neighborGap - row.neighbor) <= tolerance, "\(distribution): gap \(neighborGap) dB, table \(row.neighbor)")
    #expect(
      abs(twoStageGap - row.twoStage) <= tolerance,
      "\(distribution): two-stage gap \(twoStageGap) dB, table \(row.twoStage)")
  }

  /// Double rounding (encoding from q instead of t) costs about 1.2 dB on normal data; the
  /// library must not do it: its activation path is within a hair of an encoding that uses
  /// t, and clearly above one that uses q. Checked on a smaller sample with the spec reference.
  @Test func encodingUsesTruncatedViewNotRoundedView() {
    let values = SampleDistribution.normal.samples(1 << 14, seed: 7)
    let quantizer = BlockQuantizer(format: .default, selector: .twoStage)
    var errorT = 0.0
    var errorQ = 0.0
    var signal = 0.0
    let table = Formatbook.dialectFP4.dialects.map(\.magnitudes)
    for b in 0..<(values.count / 32) {
      let block = Array(values[(b * 32)..<(b * 32 + 32)])
      let (packed, outcome) = quantizer.quantize(block)
      let decoded = BlockFormat.default.decode(packed)
      let scale = power2(15 - outcome.exponentField)
      for (x, y) in zip(block, decoded) {
        signal += Double(x) * Double(x)
        errorT += (Double(x) - Double(y)) * (Double(x) - Double(y))
        // Double rounding: round to q first, then to the nearest magnitude.
        let q = Spec.roundedView(Double(abs(x)) * scale)
        let index = Spec.nearestIndex(table[outcome.dialect], a: Double(q) / 4, ties: .up)
        let value = Double(table[outcome.dialect][index]) / 2 / scale * (x < 0 ? -1 : 1)
        errorQ += (Double(x) - value) * (Double(x) - value)
      }
    }
    let gain = 10 * log10(errorQ / errorT)
    #expect(gain > 0.8, "double rounding would cost \(gain) dB")
    #expect(10 * log10(signal / errorT) > 19.9)
  }
}
