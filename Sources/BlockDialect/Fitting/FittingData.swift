/// Per-block sufficient statistics of a data set, from which the exact squared error of any
/// formatbook, on either path, follows without touching the elements again.
///
/// A block's shared exponent does not depend on the book, and neither do its elements'
/// encoding keys (`t << 1 | isWhole`) and rounded views `q`; an element's encoding depends on
/// nothing else. So a block is kept as:
///
/// - per encoding key with `t >= 1`: the count `c` and the sum `U` of `u * 2^23`, where
///   `u = 4a` is the element's scaled magnitude in quarter-units (every such `u` is a multiple
///   of 2^-23, so `U` is an exact integer below 2^53 whenever the exponent was not clamped
///   high);
/// - the sum of `a^2` over all its elements (keys with `t = 0` always encode to magnitude 0,
///   so they only add `a^2`);
/// - the histogram of its rounded views `q` and their maximum, for the two-stage selector;
/// - its weight `4^(E - b)`, which turns squared error in units of `a` into squared error in
///   the tensor's own units.
///
/// For a dialect that encodes key `k` to magnitude `m_k` (half-units), the block's squared error
/// in units of `a` is `sum a^2 + cost * 2^-25` with `cost = sum over keys of c m_k^2 2^23 - U m_k`,
/// an exact integer, so the weight path's least-squares choice (ties to the lowest id) is the
/// same as ``BlockQuantizer``'s.
public struct FittingData: Sendable {
  /// Elements per block.
  public let blockSize: Int
  /// The shared exponent rule the statistics were taken with.
  public let exponentRule: SharedExponentRule

  /// Per block: `4^(E - b)`.
  var weights: [Double] = []
  /// Per block: the sum of `a^2`.
  var squareSums: [Double] = []
  /// Per block: the largest rounded view `q`.
  var largestViews: [UInt8] = []
  /// Per block, 32 counts: how many elements have each rounded view `q` (real elements only).
  var viewHistograms: [UInt16] = []
  /// Per block: where its entries start; one extra element at the end.
  var entryStarts: [Int] = [0]
  /// Per entry: the encoding key (2...63), ascending within a block.
  var entryKeys: [UInt8] = []
  /// Per entry: the number of elements with the key.
  var entryCounts: [UInt16] = []
  /// Per entry: the sum of `u * 2^23` over those elements.
  var entrySums: [Double] = []

  /// Real (not padding) elements in all blocks.
  public private(set) var valueCount = 0
  /// Blocks whose exponent was clamped high: their elements may reach `4a >= 32`, where the
  /// sums above are no longer exact integers, so their weight-path choice is the least
  /// squared error to double precision rather than exactly (their error figure is still
  /// accurate to rounding).
  public private(set) var clampedHighBlocks = 0
  /// Blocks that held an infinity or a NaN (counted under the saturating rule).
  public private(set) var nonfiniteBlocks = 0

  /// Creates an empty set for blocks of `format` (its formatbook plays no part).
  public init(format: BlockFormat) {
    blockSize = format.blockSize
    exponentRule = SharedExponentRule(bias: format.exponentBias, maximumField: format.maximumExponentField)
  }

  /// The number of blocks.
  public var blockCount: Int { weights.count }

  /// The number of (key, count, sum) entries over all blocks.
  public var entryCount: Int { entryKeys.count }

  /// The signal energy, sum of x^2, over all blocks (in the tensors' own units).
  public var signalEnergy: Double {
    var total = 0.0
    for b in 0..<blockCount { total += weights[b] * squareSums[b] }
    return total
  }

  /// Adds the blocks of a tensor: each row (the last dimension) is blocked on its own and a
  /// short last block is padded with zeros, as ``TensorQuantizer`` does.
  ///
  /// Non-finite values follow the saturating rule: an infinity counts as `input`'s largest
  /// finite value with its sign, a NaN as 0.
  public mutating func append(_ values: UnsafeBufferPointer<Float>, shape: [Int], input: ElementFormat = .float32) {
    let geometry = BlockGeometry(shape: shape, blockSize: blockSize)
    precondition(values.count == geometry.rows * geometry.columns, "\(values.count) values for shape \(shape)")
    guard geometry.blockCount > 0 else { return }
    appendBlocks(0..<geometry.blockCount, of: geometry, values: values.baseAddress!, first: 0, input: input)
  }

  /// Adds the blocks of a tensor given as an array.
  public mutating func append(_ values: [Float], shape: [Int], input: ElementFormat = .float32) {
    values.withUnsafeBufferPointer { append($0, shape: shape, input: input) }
  }

  /// Adds the blocks of a float tensor of a file, reading it in pieces of whole blocks (memory
  /// stays a piece, however large the tensor); the result is the same as appending the whole
  /// tensor at once.
  ///
  /// - Parameter refuseNonfinite: Throw ``NonfiniteValueError`` at the first infinity or NaN
  ///   instead of counting it under the saturating rule.
  /// - Throws: ``TensorFileError`` when the tensor is not a float tensor or cannot be read.
  public mutating func append(_ entry: TensorEntry, in source: any TensorSource, refuseNonfinite: Bool) throws {
    guard let input = entry.elementFormat else {
      throw TensorFileError(
        source.path,
        "tensor \"\(SafeText.escape(entry.name))\" is \(SafeText.escape(entry.dtype)); dialectgen reads F32, F16 and BF16 tensors"
      )
    }
    let geometry = BlockGeometry(shape: entry.shape, blockSize: blockSize)
    let piece = max(1, (1 << 16) / blockSize)
    for start in stride(from: 0, to: geometry.blockCount, by: piece) {
      let blocks = start..<min(geometry.blockCount, start + piece)
      let elements = geometry.elements(of: blocks)
      try withFloats(entry, elements: elements, in: source) { values in
        if refuseNonfinite, let index = firstNonfiniteIndex(values) {
          throw NonfiniteValueError(
            path: source.path, tensor: entry.name, index: elements.lowerBound + index, value: values[index])
        }
        appendBlocks(blocks, of: geometry, values: values.baseAddress!, first: elements.lowerBound, input: input)
      }
    }
  }

  /// Adds blocks `blocks` of a tensor of `geometry`; `values[0]` is element `first`.
  mutating func appendBlocks(
    _ blocks: Range<Int>, of geometry: BlockGeometry, values: UnsafePointer<Float>, first: Int, input: ElementFormat
  ) {
    let limit = input.largestFinite
    var block = [Float](repeating: 0, count: blockSize)
    for index in blocks {
      let (start, count) = geometry.span(of: index)
      var nonfinite = false
      for i in 0..<count {
        let x = values[start - first + i]
        if x.isFinite {
          block[i] = x
        } else {
          nonfinite = true
          block[i] = x.isNaN ? 0 : (x < 0 ? -limit : limit)
        }
      }
      block.withUnsafeBufferPointer { appendBlock(UnsafeBufferPointer(rebasing: $0[0..<count])) }
      if nonfinite { nonfiniteBlocks += 1 }
    }
  }

  /// Adds one block of finite elements (fewer than the block size are padded with zeros).
  mutating func appendBlock(_ elements: UnsafeBufferPointer<Float>) {
    var largestBits: UInt32 = 0
    for x in elements { largestBits = max(largestBits, x.bitPattern & 0x7FFF_FFFF) }
    let (field, clamp) = exponentRule.field(forMaximum: Float(bitPattern: largestBits))
    if clamp == .high { clampedHighBlocks += 1 }
    let scale = exponentRule.quarterUnitScale(field: field)
    let histogramStart = viewHistograms.count
    viewHistograms.append(contentsOf: repeatElement(0, count: Formatbook.quarterUnitViewCount))

    var counts = [UInt16](repeating: 0, count: Formatbook.encodingKeyCount)
    var sums = [Double](repeating: 0, count: Formatbook.encodingKeyCount)
    var occupied: UInt64 = 0
    var squares = 0.0
    var largestView = 0
    for x in elements {
      let quarterUnits = Double(abs(x)) * scale
      let (key, q) = ScaledView.encodingKeyAndRoundedView(quarterUnits)
      viewHistograms[histogramStart + q] += 1
      largestView = max(largestView, q)
      let a = quarterUnits * 0.25
      squares += a * a
      guard key >= 2 else { continue }
      occupied |= 1 << UInt64(key)
      counts[key] += 1
      sums[key] += quarterUnits * 0x1p23
    }
    while occupied != 0 {
      let key = occupied.trailingZeroBitCount
      occupied &= occupied - 1
      entryKeys.append(UInt8(key))
      entryCounts.append(counts[key])
      entrySums.append(sums[key])
    }
    entryStarts.append(entryKeys.count)
    weights.append(Double(sign: .plus, exponent: 2 * (field - exponentRule.bias), significand: 1))
    squareSums.append(squares)
    largestViews.append(UInt8(largestView))
    valueCount += elements.count
  }

  /// The blocks at `indices` (in that order), as a new set.
  public func subset(_ indices: [Int]) -> FittingData {
    var result = FittingData(blockSize: blockSize, exponentRule: exponentRule)
    let views = Formatbook.quarterUnitViewCount
    for b in indices {
      result.weights.append(weights[b])
      result.squareSums.append(squareSums[b])
      result.largestViews.append(largestViews[b])
      result.viewHistograms.append(contentsOf: viewHistograms[b * views..<(b + 1) * views])
      let entries = entryStarts[b]..<entryStarts[b + 1]
      result.entryKeys.append(contentsOf: entryKeys[entries])
      result.entryCounts.append(contentsOf: entryCounts[entries])
      result.entrySums.append(contentsOf: entrySums[entries])
      result.entryStarts.append(result.entryKeys.count)
      var real = 0
      for q in 0..<views { real += Int(viewHistograms[b * views + q]) }
      result.valueCount += real
    }
    return result
  }

  private init(blockSize: Int, exponentRule: SharedExponentRule) {
    self.blockSize = blockSize
    self.exponentRule = exponentRule
  }

  /// Splits the blocks at random (seeded) into a training part and a held-out part of
  /// `floor(fraction * blocks)` blocks, leaving at least one block for training. Both parts
  /// keep the blocks' original order.
  public func split(heldOutFraction fraction: Double, seed: UInt64) -> (training: FittingData, heldOut: FittingData) {
    let heldOutCount = min(max(0, Int((fraction * Double(blockCount)).rounded(.down))), max(0, blockCount - 1))
    var order = Array(0..<blockCount)
    var generator = SeededGenerator(seed: seed ^ 0x5EED_0F_4E1D_0A7)
    for i in 0..<heldOutCount {
      let j = i + generator.below(blockCount - i)
      order.swapAt(i, j)
    }
    var isHeldOut = [Bool](repeating: false, count: blockCount)
    for b in order.prefix(heldOutCount) { isHeldOut[b] = true }
    return (subset((0..<blockCount).filter { !isHeldOut[$0] }), subset((0..<blockCount).filter { isHeldOut[$0] }))
  }
}

extension SeededGenerator {
  /// A uniform integer in `0..<bound` (multiply-high; the same on every platform and version).
  mutating func below(_ bound: Int) -> Int {
    Int(next().multipliedFullWidth(by: UInt64(bound)).high)
  }
}
