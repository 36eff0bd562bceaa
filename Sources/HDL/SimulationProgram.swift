/// A module flattened into one ordered list of operations over a word array.
struct SimulationProgram {
  enum Opcode: UInt8 {
    case not, and, or, xor, add, subtract, multiply, shiftLeftBy, shiftRightBy
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
    case concatenate, slice, replicate, reduceAnd, reduceOr, reduceXor, mux, extend, copy
    case lookup, select, priority
    /// The word of memory `extra` at the address in `a`.
    case memoryRead
  }

  /// A memory's words, in the word array: word i at `offset + i * wordsPerWord`.
  struct MemoryStorage {
    let offset: Int
    let depth: Int
    let width: Int
    var wordsPerWord: Int { (width + 63) / 64 }
  }

  /// A memory's write port: on a clock edge with `enable` set, `data` goes to `address`.
  struct MemoryWrite {
    let memory: Int
    let address: Slot
    let data: Slot
    let enable: Slot
  }

  struct Instruction {
    var opcode: Opcode
    var result: Slot
    var a: Slot
    var b: Slot
    var c: Slot
    /// The operands' signedness (arithmetic, comparison, extension and shifts use it).
    var signed: Bool
    /// Slice: the low bit. Replicate: the count.
    var parameter: Int
    /// Index into `operandLists` (concatenate, select, priority) or `tables` (lookup).
    var extra: Int
    /// Every width is at most 64 bits: the fast path applies.
    var isNarrow: Bool
  }

  struct RegisterState {
    let slot: Slot
    var next: Slot
    var enable: Slot?
    let resetValue: BitVector?
    /// Whether its module resets asynchronously (each module of a hierarchy has its own style).
    let isAsynchronous: Bool
  }

  var wordCount = 0
  var instructions: [Instruction] = []
  var operandLists: [[Slot]] = []
  var tables: [(entries: [BitVector], fallback: BitVector, labels: [BitVector])] = []
  var inputs: [String: Slot] = [:]
  var named: [String: Slot] = [:]
  var registers: [RegisterState] = []
  var constants: [(Slot, BitVector)] = []
  var memories: [MemoryStorage] = []
  var memoryWrites: [MemoryWrite] = []

  init(_ top: Module) {
    var flattener = Flattener(top: top)
    flattener.compile(into: &self)
  }

  // MARK: Running

  /// Evaluates every instruction in order.
  func run(_ values: UnsafeMutablePointer<UInt64>) {
    for (slot, value) in constants {
      for i in 0..<slot.words { values[slot.offset + i] = value.words[i] }
    }
    for instruction in instructions {
      if instruction.isNarrow {
        runNarrow(instruction, values)
      } else {
        runWide(instruction, values)
      }
    }
  }

  @inline(__always) static func mask(_ width: Int) -> UInt64 {
    width >= 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1
  }

  /// The value of a narrow slot extended to 64 bits by `signed`.
  @inline(__always) static func extended(_ value: UInt64, width: Int, signed: Bool) -> UInt64 {
    guard signed, width < 64 else { return value }
    let shift = UInt64(64 - width)
    return UInt64(bitPattern: Int64(bitPattern: value << shift) >> Int64(shift))
  }

  func runNarrow(_ i: Instruction, _ values: UnsafeMutablePointer<UInt64>) {
    let width = i.result.width
    let mask = Self.mask(width)
    let a = values[i.a.offset]
    let b = i.b.width > 0 ? values[i.b.offset] : 0
    var result: UInt64
    switch i.opcode {
    case .not: result = ~a
    case .and: result = a & b
    case .or: result = a | b
    case .xor: result = a ^ b
    case .add, .subtract, .multiply:
      let x = Self.extended(a, width: i.a.width, signed: i.signed)
      let y = Self.extended(b, width: i.b.width, signed: i.signed)
      result = i.opcode == .add ? x &+ y : (i.opcode == .subtract ? x &- y : x &* y)
    case .shiftLeftBy:
      let x = Self.extended(a, width: i.a.width, signed: i.signed)
      result = b >= UInt64(width) ? 0 : x << b
    case .shiftRightBy:
      let x = Self.extended(a, width: i.a.width, signed: i.signed)
      if i.signed {
        result = UInt64(bitPattern: Int64(bitPattern: x) >> Int64(min(b, 63)))
      } else {
        result = b >= 64 ? 0 : x >> b
      }
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
      let x = Self.extended(a, width: i.a.width, signed: i.signed)
      let y = Self.extended(b, width: i.b.width, signed: i.signed)
      let less = i.signed ? Int64(bitPattern: x) < Int64(bitPattern: y) : x < y
      let equal = x == y
      switch i.opcode {
      case .equal: result = equal ? 1 : 0
      case .notEqual: result = equal ? 0 : 1
      case .less: result = less ? 1 : 0
      case .lessOrEqual: result = less || equal ? 1 : 0
      case .greater: result = !less && !equal ? 1 : 0
      default: result = !less ? 1 : 0
      }
    case .concatenate:
      result = 0
      for part in operandLists[i.extra] {
        result = (part.width >= 64 ? 0 : result << UInt64(part.width)) | values[part.offset]
      }
    case .slice:
      result = a >> UInt64(i.parameter)
    case .replicate:
      result = 0
      for _ in 0..<i.parameter { result = (i.a.width >= 64 ? 0 : result << UInt64(i.a.width)) | a }
    case .reduceAnd: result = a == Self.mask(i.a.width) ? 1 : 0
    case .reduceOr: result = a != 0 ? 1 : 0
    case .reduceXor: result = UInt64(a.nonzeroBitCount & 1)
    case .mux: result = a & 1 == 1 ? b : values[i.c.offset]
    case .extend: result = Self.extended(a, width: i.a.width, signed: i.signed)
    case .copy: result = a
    case .lookup:
      let table = tables[i.extra]
      result = a < UInt64(table.entries.count) ? table.entries[Int(a)].low64 : table.fallback.low64
    case .memoryRead:
      let memory = memories[i.extra]
      result = values[memory.offset + Int(a) * memory.wordsPerWord]
    case .select:
      let list = operandLists[i.extra]
      let labels = tables[i.parameter].labels
      var chosen = list[list.count - 1]
      for (index, label) in labels.enumerated() where label.low64 == a {
        chosen = list[index]
        break
      }
      result = values[chosen.offset]
    case .priority:
      let list = operandLists[i.extra]
      var chosen = list[list.count - 1]
      var index = 0
      while index + 1 < list.count {
        if values[list[index].offset] & 1 == 1 {
          chosen = list[index + 1]
          break
        }
        index += 2
      }
      result = values[chosen.offset]
    }
    values[i.result.offset] = result & mask
  }

  // MARK: Wide values

  func read(_ slot: Slot, _ values: UnsafeMutablePointer<UInt64>) -> [UInt64] {
    Array(UnsafeBufferPointer(start: values + slot.offset, count: slot.words))
  }

  func write(_ words: [UInt64], to slot: Slot, _ values: UnsafeMutablePointer<UInt64>) {
    let value = BitVector(width: slot.width, words: words)
    for w in 0..<slot.words { values[slot.offset + w] = value.words[w] }
  }

  func runWide(_ i: Instruction, _ values: UnsafeMutablePointer<UInt64>) {
    let width = i.result.width
    func operand(_ slot: Slot, extendedTo target: Int) -> [UInt64] {
      Wide.extend(read(slot, values), from: slot.width, to: target, signed: i.signed)
    }
    var result: [UInt64]
    switch i.opcode {
    case .not: result = read(i.a, values).map { ~$0 }
    case .and: result = zip(read(i.a, values), read(i.b, values)).map { $0 & $1 }
    case .or: result = zip(read(i.a, values), read(i.b, values)).map { $0 | $1 }
    case .xor: result = zip(read(i.a, values), read(i.b, values)).map { $0 ^ $1 }
    case .add: result = Wide.add(operand(i.a, extendedTo: width), operand(i.b, extendedTo: width))
    case .subtract: result = Wide.subtract(operand(i.a, extendedTo: width), operand(i.b, extendedTo: width))
    case .multiply: result = Wide.multiply(operand(i.a, extendedTo: width), operand(i.b, extendedTo: width))
    case .shiftLeftBy:
      let amount = Wide.smallValue(read(i.b, values))
      result = Wide.shiftLeft(operand(i.a, extendedTo: width), by: amount, width: width)
    case .shiftRightBy:
      let amount = Wide.smallValue(read(i.b, values))
      result = Wide.shiftRight(read(i.a, values), width: width, by: amount, signed: i.signed)
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
      let common = max(i.a.width, i.b.width)
      let order = Wide.compare(
        operand(i.a, extendedTo: common), operand(i.b, extendedTo: common), width: common, signed: i.signed)
      let outcome: Bool
      switch i.opcode {
      case .equal: outcome = order == 0
      case .notEqual: outcome = order != 0
      case .less: outcome = order < 0
      case .lessOrEqual: outcome = order <= 0
      case .greater: outcome = order > 0
      default: outcome = order >= 0
      }
      result = [outcome ? 1 : 0]
    case .concatenate:
      result = [UInt64](repeating: 0, count: (width + 63) / 64)
      var position = 0
      for part in operandLists[i.extra].reversed() {
        Wide.place(read(part, values), width: part.width, into: &result, at: position)
        position += part.width
      }
    case .slice:
      result = BitVector(width: i.a.width, words: read(i.a, values)).bits(from: i.parameter, count: width).words
    case .replicate:
      result = [UInt64](repeating: 0, count: (width + 63) / 64)
      let part = read(i.a, values)
      for copy in 0..<i.parameter { Wide.place(part, width: i.a.width, into: &result, at: copy * i.a.width) }
    case .reduceAnd:
      result = [BitVector(width: i.a.width, words: read(i.a, values).map { ~$0 }).isZero ? 1 : 0]
    case .reduceOr: result = [read(i.a, values).contains { $0 != 0 } ? 1 : 0]
    case .reduceXor: result = [UInt64(read(i.a, values).reduce(0) { $0 + $1.nonzeroBitCount } & 1)]
    case .mux: result = values[i.a.offset] & 1 == 1 ? read(i.b, values) : read(i.c, values)
    case .extend: result = operand(i.a, extendedTo: width)
    case .copy: result = read(i.a, values)
    case .lookup:
      let table = tables[i.extra]
      let index = Wide.smallValue(read(i.a, values))
      result = index < table.entries.count ? table.entries[index].words : table.fallback.words
    case .memoryRead:
      let memory = memories[i.extra]
      let start = memory.offset + Wide.smallValue(read(i.a, values)) * memory.wordsPerWord
      result = Array(UnsafeBufferPointer(start: values + start, count: memory.wordsPerWord))
    case .select:
      let list = operandLists[i.extra]
      let selector = BitVector(width: i.a.width, words: read(i.a, values))
      let position = tables[i.parameter].labels.firstIndex(of: selector) ?? (list.count - 1)
      result = read(list[position], values)
    case .priority:
      let list = operandLists[i.extra]
      var chosen = list[list.count - 1]
      for index in stride(from: 0, to: list.count - 1, by: 2) where values[list[index].offset] & 1 == 1 {
        chosen = list[index + 1]
        break
      }
      result = read(chosen, values)
    }
    write(result, to: i.result, values)
  }
}

/// Arithmetic on little-endian word arrays of equal length.
enum Wide {
  static func extend(_ words: [UInt64], from width: Int, to target: Int, signed: Bool) -> [UInt64] {
    let count = (target + 63) / 64
    let negative = signed && (words[(width - 1) / 64] >> UInt64((width - 1) % 64)) & 1 == 1
    var result = [UInt64](repeating: negative ? ~0 : 0, count: count)
    for i in 0..<min(count, words.count) { result[i] = words[i] }
    if negative && width % 64 != 0 && (width - 1) / 64 < count {
      result[(width - 1) / 64] |= ~((UInt64(1) << UInt64(width % 64)) - 1)
    }
    return result
  }

  static func add(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    var carry: UInt64 = 0
    return (0..<a.count).map { i in
      let (s1, o1) = a[i].addingReportingOverflow(b[i])
      let (s2, o2) = s1.addingReportingOverflow(carry)
      carry = (o1 || o2) ? 1 : 0
      return s2
    }
  }

  static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    add(a, add(b.map { ~$0 }, [1] + [UInt64](repeating: 0, count: b.count - 1)))
  }

  static func multiply(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    var result = [UInt64](repeating: 0, count: a.count)
    for i in 0..<a.count where a[i] != 0 {
      var carry: UInt64 = 0
      for j in 0..<(a.count - i) {
        let (high, low) = a[i].multipliedFullWidth(by: b[j])
        let (s1, o1) = result[i + j].addingReportingOverflow(low)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        result[i + j] = s2
        carry = high &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
      }
    }
    return result
  }

  /// The value when it is small enough to be a shift amount or index, else Int.max.
  static func smallValue(_ words: [UInt64]) -> Int {
    guard words.dropFirst().allSatisfy({ $0 == 0 }), words[0] < UInt64(Int.max) else { return Int.max }
    return Int(words[0])
  }

  static func shiftLeft(_ a: [UInt64], by amount: Int, width: Int) -> [UInt64] {
    var result = [UInt64](repeating: 0, count: a.count)
    guard amount < width else { return result }
    let wordShift = amount / 64
    let bitShift = UInt64(amount % 64)
    for i in stride(from: a.count - 1, through: wordShift, by: -1) {
      result[i] = a[i - wordShift] << bitShift
      if bitShift != 0, i - wordShift - 1 >= 0 { result[i] |= a[i - wordShift - 1] >> (64 - bitShift) }
    }
    return result
  }

  static func shiftRight(_ a: [UInt64], width: Int, by amount: Int, signed: Bool) -> [UInt64] {
    let negative = signed && (a[(width - 1) / 64] >> UInt64((width - 1) % 64)) & 1 == 1
    let full = extend(a, from: width, to: a.count * 64, signed: signed)
    let fill: UInt64 = negative ? ~0 : 0
    guard amount < width else { return [UInt64](repeating: fill, count: a.count) }
    let wordShift = amount / 64
    let bitShift = UInt64(amount % 64)
    return (0..<a.count).map { i in
      let low = i + wordShift < a.count ? full[i + wordShift] : fill
      let high = i + wordShift + 1 < a.count ? full[i + wordShift + 1] : fill
      return bitShift == 0 ? low : (low >> bitShift) | (high << (64 - bitShift))
    }
  }

  /// -1, 0 or 1.
  static func compare(_ a: [UInt64], _ b: [UInt64], width: Int, signed: Bool) -> Int {
    if signed {
      let top = (width - 1) / 64
      let bit = UInt64((width - 1) % 64)
      let negativeA = (a[top] >> bit) & 1 == 1
      let negativeB = (b[top] >> bit) & 1 == 1
      if negativeA != negativeB { return negativeA ? -1 : 1 }
    }
    for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] {
      return a[i] < b[i] ? -1 : 1
    }
    return 0
  }

  /// ORs the low `width` bits of `part` into `result` starting at bit `position`.
  static func place(_ part: [UInt64], width: Int, into result: inout [UInt64], at position: Int) {
    let bits = BitVector(width: width, words: part)
    for w in 0..<bits.words.count {
      let word = bits.words[w]
      guard word != 0 else { continue }
      let bit = position + 64 * w
      result[bit / 64] |= word << UInt64(bit % 64)
      if bit % 64 != 0, bit / 64 + 1 < result.count { result[bit / 64 + 1] |= word >> UInt64(64 - bit % 64) }
    }
  }
}
