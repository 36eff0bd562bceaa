/// What one dialect does to every encoding key: the magnitude it encodes the key to, as the
/// two factors of the exact per-key cost `c * m^2 * 2^23 - U * m` (see ``FittingData``).
struct DialectKeyTable: Equatable {
  /// Per encoding key: the magnitude m in half-units.
  var magnitude: [Double]
  /// Per encoding key: `m^2 * 2^23`.
  var squared: [Double]

  /// The table of a dialect with these magnitudes under `ties`.
  init(magnitudes: [Int], ties: TieRule) {
    magnitude = [Double](repeating: 0, count: Formatbook.encodingKeyCount)
    squared = magnitude
    for key in 0..<Formatbook.encodingKeyCount {
      let m = magnitudes[Self.encodingIndex(magnitudes: magnitudes, ties: ties, key: key)]
      magnitude[key] = Double(m)
      squared[key] = Double(m * m) * 0x1p23
    }
  }

  /// The index a dialect gives an element with encoding key `key` (`t << 1 | isWhole`): the
  /// rule of ``Formatbook/encodingIndex(dialect:truncated:isWhole:)`` for magnitudes that are
  /// not (yet) part of a book.
  static func encodingIndex(magnitudes m: [Int], ties: TieRule, key: Int) -> Int {
    let t = key >> 1
    let isWhole = key & 1 == 1
    var index = 0
    for k in 1..<m.count {
      let midpoint = m[k - 1] + m[k]
      if t > midpoint || (t == midpoint && (!isWhole || ties == .up || k % 2 == 0)) { index = k }
    }
    return index
  }

  /// The beneficial ranges of a group's members (as ``Formatbook/beneficialRanges``): bit `q`
  /// of member i's mask is set when its quarter-unit error at `q` is strictly smaller than every
  /// other member's. A group of one gets an empty range.
  static func beneficialRanges(of members: [[Int]]) -> [UInt32] {
    guard members.count > 1 else { return [UInt32](repeating: 0, count: members.count) }
    let errors = members.map { m in
      (0..<Formatbook.quarterUnitViewCount).map { q in m.map { abs(q - 2 * $0) }.min()! }
    }
    return members.indices.map { i in
      var mask: UInt32 = 0
      for q in 0..<Formatbook.quarterUnitViewCount
      where members.indices.allSatisfy({ j in j == i || errors[i][q] < errors[j][q] }) {
        mask |= 1 << UInt32(q)
      }
      return mask
    }
  }
}

extension FittingData {
  /// Every block's exact cost (see ``FittingData``) for a dialect with this key table.
  func costs(_ table: DialectKeyTable) -> [Double] {
    [Double](unsafeUninitializedCapacity: blockCount) { output, initialized in
      table.magnitude.withUnsafeBufferPointer { magnitude in
        table.squared.withUnsafeBufferPointer { squared in
          for b in 0..<blockCount {
            var cost = 0.0
            for e in entryStarts[b]..<entryStarts[b + 1] {
              let key = Int(entryKeys[e])
              cost += Double(entryCounts[e]) * squared[key] - entrySums[e] * magnitude[key]
            }
            output[b] = cost
          }
        }
      }
      initialized = blockCount
    }
  }

  /// Block `b`'s squared error, in the tensor's units, at exact cost `cost`.
  @inline(__always) func error(block b: Int, cost: Double) -> Double {
    weights[b] * max(0, squareSums[b] + cost * 0x1p-25)
  }

  /// The rounded-view count of block `b` inside a beneficial-range mask.
  @inline(__always) func viewCount(block b: Int, in mask: UInt32) -> Int {
    var remaining = mask
    var count = 0
    let base = b * Formatbook.quarterUnitViewCount
    while remaining != 0 {
      let q = remaining.trailingZeroBitCount
      remaining &= remaining - 1
      count += Int(viewHistograms[base + q])
    }
    return count
  }
}
