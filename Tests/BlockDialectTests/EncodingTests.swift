import Foundation
import Testing

@testable import BlockDialect

/// DialectFP4 as written in formatbooks/dialectfp4.json, copied here as data so that the
/// decoding tests do not read the magnitudes back from the library.
let dialectFP4Table: [[Int]] = [
  [0, 1, 2, 3, 4, 6, 11, 15], [0, 1, 2, 3, 4, 6, 9, 15],
  [0, 1, 2, 3, 4, 6, 11, 14], [0, 1, 2, 3, 4, 6, 9, 14],
  [0, 1, 2, 3, 4, 6, 10, 13], [0, 1, 2, 3, 4, 6, 8, 13],
  [0, 1, 2, 3, 4, 6, 10, 12], [0, 1, 2, 3, 4, 6, 8, 12],
  [0, 1, 2, 3, 4, 6, 9, 11], [0, 1, 2, 3, 4, 6, 7, 11],
  [0, 1, 2, 3, 4, 6, 9, 10], [0, 1, 2, 3, 4, 6, 7, 10],
  [0, 1, 2, 3, 4, 6, 8, 9], [0, 1, 2, 3, 4, 6, 7, 9],
  [0, 1, 2, 3, 4, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 8],
]
/// E2M1 in half-units: 0, 0.5, 1, 1.5, 2, 3, 4, 6.
let e2m1Table: [[Int]] = [[0, 1, 2, 3, 4, 6, 8, 12]]

/// Every 4a the encoding comparison runs over: all multiples of 1/64 in 0...40, and every
/// positive finite Float16 value scaled by 2^-11 (so that they span [0, 32): every
/// significand at every exponent that matters), plus the top two binades scaled by 2^-10
/// (4a in [16, 64), where elements saturate).
let quarterUnitSamples: [Double] = {
  var values = (0...(40 * 64)).map { Double($0) / 64 }
  for bits in UInt16(1)..<0x7C00 {
    let h = Double(Float(Float16(bitPattern: bits)))
    values.append(h * 0x1p-11)
    if bits >= 0x7400 { values.append(h * 0x1p-10) }
  }
  return values
}()

@Suite("Element encoding and decoding")
struct EncodingTests {
  static let books: [(table: [[Int]], ties: TieRule)] = [
    (dialectFP4Table, .up), (dialectFP4Table, .even), (e2m1Table, .up), (e2m1Table, .even),
  ]

  /// Encoding from the truncated view t and the sticky bit equals nearest-from-a, for every
  /// dialect of both shipped books under both tie rules.
  @Test(arguments: 0..<4)
  func encodingFromTruncatedViewIsNearestFromA(bookIndex: Int) throws {
    let (table, ties) = Self.books[bookIndex]
    let book = try Formatbook(name: "book", ties: ties, dialects: table.map(Dialect.init))
    var failures = 0
    for d in table.indices {
      for x in quarterUnitSamples {
        let a = x / 4
        let t = min(Int(x.rounded(.down)), 31)
        let whole = x == x.rounded(.down)
        let fromT = book.encodingIndex(dialect: d, truncated: t, isWhole: whole)
        let fromA = book.nearestIndex(dialect: d, value: a)
        let spec = Spec.nearestIndex(table[d], a: a, ties: ties)
        if fromT != spec || fromA != spec {
          failures += 1
          if failures < 5 { Issue.record("dialect \(d) 4a=\(x): from t \(fromT), from a \(fromA), spec \(spec)") }
        }
      }
    }
    #expect(failures == 0)
  }

  /// The fixed-point views by their definitions: t = min(floor(4a), 31), q = min(floor(4a +
  /// 1/2), 31), and the sticky bit tells whether 4a is whole.
  @Test func scaledViews() {
    var failures = 0
    for x in quarterUnitSamples {
      let view = ScaledView(quarterUnits: x)
      let t = min(Int(x.rounded(.down)), 31)
      let q = min(Int((x + 0.5).rounded(.down)), 31)
      let whole = x == x.rounded(.down)
      if view.truncated != t || view.rounded != q || (x < 32 && view.isWhole != whole) {
        failures += 1
        if failures < 5 { Issue.record("4a=\(x): \(view), expected t=\(t) q=\(q) whole=\(whole)") }
      }
      if view.encodingKey != t << 1 | (view.isWhole ? 1 : 0) { failures += 1 }
    }
    #expect(failures == 0)
    // Spot checks written out: 4a = 2.5 -> t 2, q 3; 4a = 2.49 -> q 2; 4a = 40 -> 31, 31.
    #expect(ScaledView(quarterUnits: 2.5).truncated == 2)
    #expect(ScaledView(quarterUnits: 2.5).rounded == 3)
    #expect(ScaledView(quarterUnits: 2.49).rounded == 2)
    #expect(ScaledView(quarterUnits: 30.5).rounded == 31)
    #expect(ScaledView(quarterUnits: 40).truncated == 31)
    #expect(ScaledView(quarterUnits: 40).rounded == 31)
    #expect(ScaledView(quarterUnits: 3).isWhole)
    #expect(!ScaledView(quarterUnits: 3.25).isWhole)
  }

  /// Ties written out by hand: midpoints of DialectFP4's shared low magnitudes (0, 0.5, 1,
  /// 1.5, 2) go up under `up` and to the even index under `even`.
  @Test func tieRulesByHand() throws {
    let up = try Formatbook(name: "up", ties: .up, dialects: [Dialect([0, 1, 2, 3, 4, 6, 8, 12])])
    let even = try Formatbook(name: "even", ties: .even, dialects: [Dialect([0, 1, 2, 3, 4, 6, 8, 12])])
    // a:            0.25  0.75  1.25  1.75  2.5  3.5  5.0
    // up index:       1     2     3     4    5    6    7
    // even index:     0     2     2     4    4    6    6
    let a: [Double] = [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0]
    #expect(a.map { up.nearestIndex(dialect: 0, value: $0) } == [1, 2, 3, 4, 5, 6, 7])
    #expect(a.map { even.nearestIndex(dialect: 0, value: $0) } == [0, 2, 2, 4, 4, 6, 6])
    #expect(a.map { up.encodingIndex(dialect: 0, truncated: Int(4 * $0), isWhole: true) } == [1, 2, 3, 4, 5, 6, 7])
    #expect(a.map { even.encodingIndex(dialect: 0, truncated: Int(4 * $0), isWhole: true) } == [0, 2, 2, 4, 4, 6, 6])
    // Just above a midpoint (sticky bit set) both rules go up.
    #expect(a.map { even.encodingIndex(dialect: 0, truncated: Int(4 * $0), isWhole: false) } == [1, 2, 3, 4, 5, 6, 7])
    // Saturation: everything at or above 6 is index 7.
    #expect(even.nearestIndex(dialect: 0, value: 1000) == 7)
    #expect(up.encodingIndex(dialect: 0, truncated: 31, isWhole: false) == 7)
  }

  /// Every (dialect, code) of both shipped books decodes to (-1)^s m/2 2^(E - b), and the
  /// half-unit integer is +-m.
  @Test(arguments: [Formatbook.dialectFP4, Formatbook.e2m1])
  func decodeEveryCode(book: Formatbook) throws {
    let table = book.dialects.count == 16 ? dialectFP4Table : e2m1Table
    let format = try BlockFormat(blockSize: 16, formatbook: book)
    for d in table.indices {
      for raw in UInt8(0)..<16 {
        guard raw != 8 else {
          #expect(ElementCode(rawValue: raw) == nil)
          continue
        }
        let code = try #require(ElementCode(rawValue: raw))
        let magnitude = table[d][Int(raw & 7)]
        let half = raw & 8 != 0 ? -magnitude : magnitude
        #expect(format.halfUnits(of: code, dialect: d) == half)
        #expect(code.isNegative == (raw & 8 != 0))
        #expect(code.index == Int(raw & 7))
        for field in [0, 3, 15, 16, 31] {
          let expected = Double(half) / 2 * power2(field - 15)
          #expect(format.value(halfUnits: half, exponentField: field) == expected)
        }
      }
      // A whole block of every code but 0b1000 (and one more zero), decoded.
      let raws: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15]
      for field in [0, 15, 31] {
        let block = try PackedBlock(exponentField: field, dialect: d, rawCodes: raws, format: format)
        let decoded = format.decode(block)
        let expected = raws.map { raw -> Float in
          let m = Double(table[d][Int(raw & 7)]) / 2 * power2(field - 15)
          return Float(raw & 8 != 0 ? -m : m)
        }
        #expect(decoded == expected)
        #expect(decoded.allSatisfy { $0.sign == .plus || $0 != 0 }, "no negative zero")
      }
    }
  }

  @Test func elementCodeSignRule() {
    #expect(ElementCode(negative: true, index: 0).rawValue == 0)
    #expect(ElementCode(negative: false, index: 0).rawValue == 0)
    #expect(ElementCode(negative: true, index: 5).rawValue == 0b1101)
    #expect(ElementCode(negative: false, index: 7).rawValue == 7)
    #expect(ElementCode(rawValue: 16) == nil)
    #expect(ElementCode(rawValue: 0xFF) == nil)
    #expect(ElementCode(rawValue: 0b1000) == nil)
    #expect(ElementCode(rawValue: 0b1001)?.description == "-1")
  }

  @Test func packedBlockRefusesInconsistentFields() throws {
    let format = BlockFormat.default
    let zeros = [UInt8](repeating: 0, count: 32)
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 0, dialect: 0, rawCodes: [8] + zeros.dropFirst(), format: format)
    }
    do {
      _ = try PackedBlock(exponentField: 0, dialect: 0, rawCodes: zeros[..<5] + [8] + zeros[6...], format: format)
      Issue.record("0b1000 accepted")
    } catch let error as BlockFormatError {
      #expect(error.description.contains("code 5"))
      #expect(error.description.contains("negative zero"))
    }
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 0, dialect: 0, rawCodes: [16] + zeros.dropFirst(), format: format)
    }
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 32, dialect: 0, rawCodes: zeros, format: format)
    }
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: -1, dialect: 0, rawCodes: zeros, format: format)
    }
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 0, dialect: 16, rawCodes: zeros, format: format)
    }
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 0, dialect: -1, rawCodes: zeros, format: format)
    }
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 0, dialect: 0, rawCodes: Array(zeros.prefix(31)), format: format)
    }
    let e2m1 = try BlockFormat(formatbook: .e2m1)
    #expect(throws: BlockFormatError.self) {
      try PackedBlock(exponentField: 0, dialect: 1, rawCodes: zeros, format: e2m1)
    }
    // The largest legal fields are accepted.
    let block = try PackedBlock(exponentField: 31, dialect: 15, rawCodes: [15] + zeros.dropFirst(), format: format)
    #expect(block.rawCodes.first == 15)
  }
}
