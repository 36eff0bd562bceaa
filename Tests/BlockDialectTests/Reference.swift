import Foundation
import Testing

@testable import BlockDialect

/// An independent, deliberately plain reading of docs/numerics.md: every rule is written from the
/// spec's definitions in Double and integer arithmetic, without the library's tables, keys,
/// midpoints or SIMD cost vectors. The tests compare the library's kernels with it.
enum Spec {
  /// The largest finite magnitude of each input format, written out from the spec's text.
  static func largestFinite(_ format: ElementFormat) -> Double {
    switch format {
    case .float32: return Double(Float.greatestFiniteMagnitude)  // (2 - 2^-23) * 2^127
    case .float16: return 65504
    case .bfloat16: return (2 - power2(-7)) * power2(127)  // 0x7F7F0000
    }
  }

  /// floor(log2(v)) for a finite v > 0, by walking powers of two.
  static func floorLog2(_ v: Double) -> Int {
    precondition(v > 0 && v.isFinite)
    var e = 0
    var p = 1.0
    while p > v {
      e -= 1
      p /= 2
    }
    while p * 2 <= v {
      e += 1
      p *= 2
    }
    return e
  }

  /// E = clamp(floor(log2(amax)) - 2 + b, 0, maxField); 0 for amax = 0.
  static func sharedExponent(amax: Double, bias: Int, maxField: Int) -> (field: Int, clamp: ExponentClamp) {
    if amax == 0 { return (0, .none) }
    let unclamped = floorLog2(amax) - 2 + bias
    if unclamped < 0 { return (0, .low) }
    if unclamped > maxField { return (maxField, .high) }
    return (unclamped, .none)
  }

  /// The index whose value m_k / 2 is nearest to a; above the largest magnitude, index 7; an
  /// exact tie (between two neighbours) follows `ties`.
  static func nearestIndex(_ m: [Int], a: Double, ties: TieRule) -> Int {
    if a >= Double(m[m.count - 1]) / 2 { return m.count - 1 }
    // a < 7.5 here, and a has at most 24 significant bits, so every distance is exact.
    var best: [Int] = []
    var bestDistance = Double.infinity
    for k in m.indices {
      let distance = abs(a - Double(m[k]) / 2)
      if distance < bestDistance {
        best = [k]
        bestDistance = distance
      } else if distance == bestDistance {
        best.append(k)
      }
    }
    if best.count == 1 { return best[0] }
    precondition(best.count == 2 && best[1] == best[0] + 1)
    switch ties {
    case .up: return best[1]
    case .even: return best[0] % 2 == 0 ? best[0] : best[1]
    }
  }

  /// q = min(floor(4a + 1/2), 31).
  static func roundedView(_ a: Double) -> Int {
    let x = 4 * a
    return x >= 31 ? 31 : Int((x + 0.5).rounded(.down))
  }

  /// err_d(q) = min over k of |q - 2 m_k|.
  static func quarterError(_ m: [Int], _ q: Int) -> Int {
    var best = Int.max
    for magnitude in m { best = min(best, abs(q - 2 * magnitude)) }
    return best
  }

  /// Stage 1 of the activation path: the members of the group for these views.
  static func twoStageGroup(_ book: [[Int]], views: [Int]) -> [Int] {
    let h = (views.max() ?? 0) / 2
    let maxima = Set(book.map { $0.last! }).sorted()
    let groupMaximum = maxima.first { $0 >= h } ?? maxima.last!
    return book.indices.filter { book[$0].last! == groupMaximum }
  }

  /// Stage 2's count for every member of the stage-1 group: the elements whose q is in the
  /// member's beneficial range (err strictly smaller than every other member's).
  static func twoStageCounts(_ book: [[Int]], views: [Int]) -> [Int: Int] {
    let members = twoStageGroup(book, views: views)
    let errors = Dictionary(uniqueKeysWithValues: members.map { d in (d, (0..<32).map { quarterError(book[d], $0) }) })
    var counts: [Int: Int] = [:]
    for d in members {
      counts[d] =
        views.filter { q in
          members.allSatisfy { e in e == d || errors[d]![q] < errors[e]![q] }
        }.count
    }
    return counts
  }

  /// The activation path's two-stage choice, straight from the spec's two paragraphs: the
  /// member with the largest count, ties to the lowest id; a group of one needs no count.
  static func twoStage(_ book: [[Int]], views: [Int]) -> Int {
    let members = twoStageGroup(book, views: views)
    if members.count == 1 { return members[0] }
    let counts = twoStageCounts(book, views: views)
    var best = members[0]
    for d in members where counts[d]! > counts[best]! { best = d }
    return best
  }

  /// The neighbour-group selector, straight from the spec: the stage-1 group's members and
  /// those of the group with the next smaller largest magnitude; the least sum of
  /// min(err_d(q), 7)^2 wins, ties to the lowest id.
  static func neighborGroups(_ book: [[Int]], views: [Int]) -> Int {
    let candidates = neighborCandidates(book, views: views)
    var best = candidates[0]
    var bestCost = Int.max
    for d in candidates {
      let cost = views.map { min(quarterError(book[d], $0), 7) * min(quarterError(book[d], $0), 7) }.reduce(0, +)
      if cost < bestCost {
        best = d
        bestCost = cost
      }
    }
    return best
  }

  /// The neighbour-group candidates: the members of the stage-1 group and of the group with the
  /// next smaller largest magnitude, ascending id.
  static func neighborCandidates(_ book: [[Int]], views: [Int]) -> [Int] {
    let h = (views.max() ?? 0) / 2
    let maxima = Set(book.map { $0.last! }).sorted()
    let chosen = maxima.first { $0 >= h } ?? maxima.last!
    let lower = maxima.last { $0 < chosen }
    return book.indices.filter { book[$0].last! == chosen || book[$0].last! == lower }
  }

  /// The MSE reference on the q views: least sum of err_d(q)^2 over the whole book, ties to
  /// the lowest id.
  static func viewMeanSquare(_ book: [[Int]], views: [Int]) -> Int {
    var best = 0
    var bestCost = Int.max
    for d in book.indices {
      let squared = (0..<32).map { quarterError(book[d], $0) * quarterError(book[d], $0) }
      let cost = views.map { squared[$0] }.reduce(0, +)
      if cost < bestCost {
        best = d
        bestCost = cost
      }
    }
    return best
  }

  /// The sign of cost(d) - cost(e), the exact sums over i of (a_i - m(i) / 2)^2 of two dialects.
  ///
  /// With X = 4a, 16 (a - m/2)^2 = (X - 2m)^2, so 16 (cost(d) - cost(e)) is the sum over the
  /// elements the two dialects encode differently of 4 (m_d - m_e)(m_d + m_e - X). Every such
  /// element has X >= 1 (an element with X < 1 is nearest to 0 in every dialect) and at most
  /// 24 significant bits, so X * 2^40 is an integer and the sum is exact in Int128 while
  /// X < 2^60. An element with X >= 2^60 lies above every magnitude, so both dialects encode it
  /// to their largest magnitudes, and so does every element with X > 30: all of those terms
  /// have the sign of m_e - m_d, while the elements with X <= 30 add at most 256 * 15 * 30 <
  /// 2^17 in magnitude; one term of at least 2^60 - 30 therefore decides the sign.
  static func compareLeastSquares(_ md: [Int], _ me: [Int], ties: TieRule, scaled: [Double]) -> Int {
    compareLeastSquares(
      scaled.map { md[nearestIndex(md, a: $0, ties: ties)] }, scaled.map { me[nearestIndex(me, a: $0, ties: ties)] },
      scaled: scaled)
  }

  /// The same, given each element's encoded magnitude (half-units) under both dialects.
  static func compareLeastSquares(_ encodedD: [Int], _ encodedE: [Int], scaled: [Double]) -> Int {
    var sum: Int128 = 0
    var hugeSign = 0
    for (i, a) in scaled.enumerated() {
      let x = 4 * a
      let d = encodedD[i]
      let e = encodedE[i]
      guard d != e else { continue }
      if x >= 0x1p60 {
        // (m_d - m_e)(m_d + m_e - X) has the sign of m_e - m_d.
        let sign = e > d ? 1 : -1
        precondition(hugeSign == 0 || hugeSign == sign)
        hugeSign = sign
        continue
      }
      let scaledX = x * 0x1p40
      precondition(scaledX == scaledX.rounded(), "element \(a) is not a multiple of 2^-40 in quarter-units")
      sum += Int128(d - e) * (Int128(d + e) << 40 - Int128(scaledX))
    }
    if hugeSign != 0 { return hugeSign }
    return sum == 0 ? 0 : (sum < 0 ? -1 : 1)
  }

  /// The weight path's choice: least exact squared error over the whole book, lowest id on ties.
  static func leastSquares(_ book: [[Int]], ties: TieRule, scaled: [Double]) -> Int {
    let encoded = book.map { m in scaled.map { m[nearestIndex(m, a: $0, ties: ties)] } }
    var best = 0
    for d in book.indices.dropFirst() where compareLeastSquares(encoded[d], encoded[best], scaled: scaled) < 0 {
      best = d
    }
    return best
  }

  /// A quantized block, as the spec defines it.
  struct Block: Equatable, CustomStringConvertible {
    var field: Int
    var dialect: Int
    var codes: [UInt8]
    var clamp: ExponentClamp
    var nonfinite: Bool

    var description: String { "E=\(field) D=\(dialect) clamp=\(clamp) nonfinite=\(nonfinite) codes=\(codes)" }
  }

  /// Quantizes one block (up to n elements; the rest are zero padding) by the spec.
  static func quantize(
    _ elements: [Float], blockSize n: Int, bias: Int, maxField: Int, book: Formatbook,
    selector: DialectSelector, input: ElementFormat
  ) -> Block {
    let magnitudes = book.dialects.map(\.magnitudes)
    var nonfinite = false
    let values: [Double] = elements.map { x in
      if x.isNaN {
        nonfinite = true
        return 0
      }
      if x.isInfinite {
        nonfinite = true
        return x < 0 ? -largestFinite(input) : largestFinite(input)
      }
      return Double(x)
    }
    let amax = values.map(abs).max() ?? 0
    let (field, clamp) = sharedExponent(amax: amax, bias: bias, maxField: maxField)
    let scale = power2(bias - field)
    let scaled = values.map { abs($0) * scale }
    let dialect: Int
    switch selector {
    case .leastSquares: dialect = leastSquares(magnitudes, ties: book.ties, scaled: scaled)
    case .twoStage: dialect = twoStage(magnitudes, views: scaled.map(roundedView))
    case .neighborGroups: dialect = neighborGroups(magnitudes, views: scaled.map(roundedView))
    case .viewMeanSquare: dialect = viewMeanSquare(magnitudes, views: scaled.map(roundedView))
    }
    var codes = [UInt8](repeating: 0, count: n)
    for (i, a) in scaled.enumerated() {
      let index = nearestIndex(magnitudes[dialect], a: a, ties: book.ties)
      let negative = values[i].sign == .minus || elements[i].sign == .minus
      codes[i] = UInt8(index) | (negative && index != 0 ? 8 : 0)
    }
    return Block(field: field, dialect: dialect, codes: codes, clamp: clamp, nonfinite: nonfinite)
  }

  /// The E2M1 magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6.
  static let e2m1Values: [Double] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]

  /// E2M1 of a magnitude r >= 0: nearest, ties to the even index, saturating at 6.
  static func e2m1Index(_ r: Double) -> Int {
    if r >= 6 { return 7 }
    var best = 0
    for k in 1..<8 {
      let d = abs(r - e2m1Values[k])
      let bestD = abs(r - e2m1Values[best])
      if d < bestD || (d == bestD && k % 2 == 0) { best = k }
    }
    return best
  }
}

/// Runs the library's block quantizer on one block and returns it in the reference's shape.
func libraryBlock(_ quantizer: BlockQuantizer, _ elements: [Float]) -> Spec.Block {
  var codes = [UInt8](repeating: 0xFF, count: quantizer.format.blockSize)
  let outcome = elements.withUnsafeBufferPointer { input in
    codes.withUnsafeMutableBufferPointer { quantizer.quantize(input, codes: $0.baseAddress!) }
  }
  return Spec.Block(
    field: outcome.exponentField, dialect: outcome.dialect, codes: codes, clamp: outcome.clamp,
    nonfinite: outcome.nonfinite)
}

/// The reference block for a library quantizer's parameters.
func specBlock(_ quantizer: BlockQuantizer, _ elements: [Float]) -> Spec.Block {
  Spec.quantize(
    elements, blockSize: quantizer.format.blockSize, bias: quantizer.format.exponentBias,
    maxField: quantizer.exponentRule.maximumField, book: quantizer.format.formatbook,
    selector: quantizer.selector, input: quantizer.input)
}
