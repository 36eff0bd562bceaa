import BlockDialect
import HDL

/// The decode tables of a formatbook as hardware: the eight magnitudes (half-units, 4 bits)
/// of the dialect selected by an id.
///
/// Built from the book's structure: a magnitude index on which every dialect agrees is a
/// constant; any other is a small table on the dialect id. In DialectFP4, indices 0 to 4 are
/// constants, index 5 differs in one dialect, indices 6 and 7 are tables.
struct MagnitudeTable {
  let book: Formatbook
  /// Structured (shared, constant columns) or naive (one flat table per lane).
  var style: DatapathStyle = .structured
  /// The width of a magnitude: enough for the book's largest.
  var magnitudeWidth: Int { max(1, bitWidth(of: book.largestMagnitude)) }

  /// The magnitudes of index `k` across the dialects.
  func column(_ k: Int) -> [Int] { book.dialects.map { $0.magnitudes[k] } }

  /// The eight magnitudes of `dialect` (nil for a one-dialect book) as signals, named
  /// `<prefix>_<k>` where they need logic.
  func magnitudes(in m: ModuleBuilder, dialect: Signal?, prefix: String) -> [Signal] {
    (0..<Dialect.magnitudeCount).map { k in
      let values = column(k)
      if Set(values).count == 1 || dialect == nil {
        return Signal.constant(values[0], width: magnitudeWidth)
      }
      return m.lookup(
        "\(prefix)_\(k)", index: dialect!, values: values, width: magnitudeWidth,
        comment: "magnitude \(k) of each dialect, half-units")
    }
  }

  /// The magnitude a 3-bit index picks from `magnitudes`.
  func select(in m: ModuleBuilder, _ name: String, index: Signal, from magnitudes: [Signal]) -> Signal {
    // Constant and shared entries make this a small multiplexer after synthesis.
    m.select(
      name, on: index, cases: (0..<Dialect.magnitudeCount - 1).map { ($0, magnitudes[$0]) },
      fallback: magnitudes[Dialect.magnitudeCount - 1])
  }

  /// The block-wide part of decoding: in the structured style, the eight magnitudes of the
  /// dialect (looked up once, shared by every lane); in the naive style, nothing.
  func shared(in m: ModuleBuilder, dialect: Signal?, prefix: String) -> [Signal]? {
    style == .structured ? magnitudes(in: m, dialect: dialect, prefix: prefix) : nil
  }

  /// One lane's magnitude: an index into the shared table, or (naive) a flat table over
  /// (dialect, index).
  func magnitude(in m: ModuleBuilder, _ name: String, dialect: Signal?, index: Signal, shared: [Signal]?) -> Signal {
    if let shared { return select(in: m, name, index: index, from: shared) }
    guard let dialect else {
      return m.lookup(name, index: index, values: book.dialects[0].magnitudes, width: magnitudeWidth)
    }
    return m.lookup(
      name, index: concatenate(dialect, index), values: book.dialects.flatMap(\.magnitudes), width: magnitudeWidth,
      comment: "flat table over (dialect, index)")
  }

  /// Splits a 4-bit code into its sign and magnitude index.
  static func fields(of code: Signal) -> (sign: Signal, index: Signal) {
    (code[3], code[0...2])
  }

  /// A signed half-unit value from a sign and a magnitude: `+-magnitude` in
  /// `magnitudeWidth + 1` bits.
  func signedValue(sign: Signal, magnitude: Signal) -> Signal {
    // -magnitude fits the same width: the largest magnitude is below 2^magnitudeWidth.
    let positive = magnitude.extended(to: magnitudeWidth + 1).asSigned
    return mux(sign, 0 &- positive, positive)
  }
}
