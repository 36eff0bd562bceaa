/// How a block's dialect is chosen.
public enum DialectSelector: String, Sendable, Hashable, CaseIterable {
  /// The weight path: least squared error of the encoding, over the whole book, computed
  /// exactly; a tie goes to the lowest id.
  case leastSquares = "weight"
  /// The activation path: the two-stage hardware selector on the rounded views q.
  case twoStage = "activation"
  /// The activation path's second online selector: the stage-1 group and the next lower
  /// group's members, scored by the sum of saturated squared view errors
  /// (``NeighborGroupTables``).
  case neighborGroups = "neighbor"
  /// The reference the paper compares the two-stage selector against: on the same q views,
  /// the dialect of the whole book with the smallest sum of squared quarter-unit errors
  /// `min_k |q - 2 m_k|`; a tie goes to the lowest id.
  case viewMeanSquare = "mse"
}

/// What quantizing one block decided, besides its codes.
public struct BlockOutcome: Hashable, Sendable {
  /// The shared exponent field E.
  public var exponentField: Int
  /// The chosen dialect id.
  public var dialect: Int
  /// Whether the block held an infinity or a NaN (saturated to the input format's largest
  /// finite value, or counted as 0).
  public var nonfinite: Bool
  /// Whether and how E was clamped.
  public var clamp: ExponentClamp

  public init(exponentField: Int, dialect: Int, nonfinite: Bool, clamp: ExponentClamp) {
    self.exponentField = exponentField
    self.dialect = dialect
    self.nonfinite = nonfinite
    self.clamp = clamp
  }
}

/// Quantizes blocks of a ``BlockFormat`` with one of the ``DialectSelector`` rules.
///
/// This is the golden model and the fast path at once: every decision is made on values
/// that are exact (powers of two scale Float inputs exactly into Double, and every cost is an
/// integer below 2^53), so results are bit-exact with docs/numerics.md and with the hardware.
public struct BlockQuantizer: Sendable {
  /// The block layout and formatbook.
  public let format: BlockFormat
  /// The dialect-selection rule.
  public let selector: DialectSelector
  /// The input element format: decides what an infinity saturates to.
  public let input: ElementFormat
  /// The shared exponent rule.
  public let exponentRule: SharedExponentRule
  let tables: QuantizerTables

  /// Creates a quantizer.
  ///
  /// - Parameters:
  ///   - format: Block size, exponent and formatbook.
  ///   - selector: The weight path, the activation path or the MSE reference.
  ///   - input: The format the elements came from (FP16 and BF16 inputs are exact Floats;
  ///     the format only decides the saturation value of an infinity).
  ///   - maximumExponentField: Overrides 2^w - 1 (MXFP4 uses 254).
  ///   - neighborCost: The neighbour-group selector's cost of an element: the specified
  ///     `min(err, 7)^2` unless an alternative is being measured.
  public init(
    format: BlockFormat, selector: DialectSelector, input: ElementFormat = .float32,
    maximumExponentField: Int? = nil, neighborCost: NeighborCost = .specified
  ) {
    self.format = format
    self.selector = selector
    self.input = input
    exponentRule = SharedExponentRule(
      bias: format.exponentBias, maximumField: maximumExponentField ?? format.maximumExponentField)
    tables = QuantizerTables(book: format.formatbook, neighborCost: neighborCost)
  }

  /// Quantizes one block given as Floats (fewer than n elements are padded with zeros).
  ///
  /// - Parameters:
  ///   - elements: Up to `format.blockSize` elements.
  ///   - codes: Room for `format.blockSize` codes; every one is written.
  public func quantize(_ elements: UnsafeBufferPointer<Float>, codes: UnsafeMutablePointer<UInt8>)
    -> BlockOutcome
  {
    precondition(elements.count <= format.blockSize, "a block holds at most \(format.blockSize) elements")
    var largestBits: UInt32 = 0
    for x in elements { largestBits = max(largestBits, x.bitPattern & 0x7FFF_FFFF) }
    guard largestBits >= 0x7F80_0000, let base = elements.baseAddress else {
      return quantizeFinite(elements, largestBits: largestBits, codes: codes, nonfinite: false)
    }
    // Non-finite inputs take a slow path: saturate infinities, zero NaNs, then proceed.
    let limit = input.largestFinite
    return withUnsafeTemporaryAllocation(of: Float.self, capacity: elements.count) { copy in
      var largestFiniteBits: UInt32 = 0
      for j in 0..<elements.count {
        let x = base[j]
        copy[j] = x.isNaN ? 0 : (x.isInfinite ? (x < 0 ? -limit : limit) : x)
        largestFiniteBits = max(largestFiniteBits, copy[j].bitPattern & 0x7FFF_FFFF)
      }
      return quantizeFinite(
        UnsafeBufferPointer(copy), largestBits: largestFiniteBits, codes: codes, nonfinite: true)
    }
  }

  /// Quantizes one block and returns it packed, with its outcome.
  public func quantize(_ elements: [Float]) -> (block: PackedBlock, outcome: BlockOutcome) {
    var raw = [UInt8](repeating: 0, count: format.blockSize)
    let outcome = elements.withUnsafeBufferPointer { input in
      raw.withUnsafeMutableBufferPointer { quantize(input, codes: $0.baseAddress!) }
    }
    let block = try! PackedBlock(
      exponentField: outcome.exponentField, dialect: outcome.dialect, rawCodes: raw,
      format: format)
    return (block, outcome)
  }

  private func quantizeFinite(
    _ elements: UnsafeBufferPointer<Float>, largestBits: UInt32, codes: UnsafeMutablePointer<UInt8>,
    nonfinite: Bool
  ) -> BlockOutcome {
    let n = format.blockSize
    let count = elements.count
    let (field, clamp) = exponentRule.field(forMaximum: Float(bitPattern: largestBits))
    let scale = exponentRule.quarterUnitScale(field: field)

    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * n) { scratch in
      let keys = scratch.baseAddress!
      let views = keys + n
      let dialect: Int
      if tables.dialectCount == 1 {
        for i in 0..<count { keys[i] = UInt8(ScaledView.encodingKey(Double(abs(elements[i])) * scale)) }
        dialect = 0
      } else if selector == .leastSquares {
        dialect = tables.leastSquaresChoice(
          elements: elements, scale: scale, keys: keys, exactPathNeeded: clamp == .high)
      } else {
        var largestView = 0
        var counts = SIMD16<UInt16>(repeating: 0)
        // Per q, one lane per dialect: summed over the block, the stage-2 counts (two-stage)
        // or every dialect's neighbour-group cost at once.
        let perView = selector == .neighborGroups ? tables.neighborViewCost : tables.membership
        for i in 0..<count {
          let (key, q) = ScaledView.encodingKeyAndRoundedView(Double(abs(elements[i])) * scale)
          keys[i] = UInt8(key)
          views[i] = UInt8(q)
          largestView = max(largestView, q)
          counts &+= perView[q]
        }
        switch selector {
        case .twoStage: dialect = tables.twoStageChoice(largestView: largestView, counts: counts)
        case .neighborGroups: dialect = tables.neighborChoice(largestView: largestView, costs: counts)
        case .viewMeanSquare, .leastSquares: dialect = tables.viewMeanSquareChoice(views: views, count: count)
        }
      }
      let encode = tables.encode + dialect * Formatbook.encodingKeyCount
      for i in 0..<count {
        let index = encode[Int(keys[i])]
        codes[i] = ElementCode.raw(index: index, signOf: elements[i])
      }
      for i in count..<n { codes[i] = 0 }
      return BlockOutcome(exponentField: field, dialect: dialect, nonfinite: nonfinite, clamp: clamp)
    }
  }
}
