import BlockDialect

/// Structure-aware mutations of JSON documents (safetensors headers, formatbooks,
/// configurations): one node of the tree is replaced, or an array or object gains, loses or
/// repeats a member (a repeated key makes a duplicate key in the text).
public enum JSONMutator {
  /// Strings that are hostile or sit on a boundary: names with Verilog, terminal escapes,
  /// control and bidirectional characters, known dtypes and field values, very long text.
  public static let strings = [
    "", "x\nendmodule\nmodule evil;", "\u{1B}[31mred\u{1B}[0m", "tab\there", "bell\u{07}", "\u{202E}txt.exe",
    "zero\u{0}byte", "quote\"d", "back\\slash", "F32", "F16", "BF16", "I64", "U8", "F64", "C64", "F8_E4M3", "f32",
    "<f4", "<f2", ">f4", "__metadata__", "dialectfp4", "e2m1", "half", "up", "even", "fp16", "bf16", "decoder",
    "block_dot", "naive", "structured", "name", "shape", "dtype", "data_offsets", "ok-name_1", "book.json",
    "../book.json", "/dev/null", ".", "fifo",
    String(repeating: "a", count: 3000), String(repeating: "é", count: 70),
  ]

  /// `value` with one random mutation.
  public static func mutate(_ value: JSONValue, random: inout FuzzRandom) -> JSONValue {
    var paths: [[Int]] = []
    collect(value, path: [], into: &paths)
    return apply(value, path: random.pick(paths)[...], random: &random)
  }

  /// Every node's path (indices into arrays and object members).
  private static func collect(_ value: JSONValue, path: [Int], into paths: inout [[Int]]) {
    paths.append(path)
    switch value {
    case .array(let items):
      for (index, item) in items.enumerated() { collect(item, path: path + [index], into: &paths) }
    case .object(let members):
      for (index, member) in members.enumerated() { collect(member.value, path: path + [index], into: &paths) }
    default: break
    }
  }

  private static func apply(_ value: JSONValue, path: ArraySlice<Int>, random: inout FuzzRandom) -> JSONValue {
    guard let first = path.first else { return replacement(for: value, random: &random) }
    switch value {
    case .array(var items):
      items[first] = apply(items[first], path: path.dropFirst(), random: &random)
      return .array(items)
    case .object(var members):
      members[first].value = apply(members[first].value, path: path.dropFirst(), random: &random)
      return .object(members)
    default:
      return value
    }
  }

  /// A new node for `value`: another scalar, or its container changed.
  private static func replacement(for value: JSONValue, random: inout FuzzRandom) -> JSONValue {
    switch (value, random.below(3)) {
    case (.array(var items), 0) where !items.isEmpty:
      switch random.below(3) {
      case 0: items.remove(at: random.below(items.count))
      case 1: items.insert(items[random.below(items.count)], at: random.below(items.count + 1))
      default: items.insert(scalar(&random), at: random.below(items.count + 1))
      }
      return .array(items)
    case (.object(var members), 0) where !members.isEmpty:
      switch random.below(4) {
      case 0: members.remove(at: random.below(members.count))
      case 1: members.append(members[random.below(members.count)])  // a duplicate key
      case 2: members[random.below(members.count)].key = random.pick(strings)
      default: members.insert((random.pick(strings), scalar(&random)), at: random.below(members.count + 1))
      }
      return .object(members)
    default:
      switch random.below(4) {
      case 0: return .array((0..<random.below(4)).map { _ in scalar(&random) })
      case 1: return .object([(random.pick(strings), scalar(&random))])
      default: return scalar(&random)
      }
    }
  }

  /// A random scalar: a boundary number, a small integer, a hostile string, a boolean or null.
  public static func scalar(_ random: inout FuzzRandom) -> JSONValue {
    switch random.below(6) {
    case 0, 1: return .number(random.pick(Mutator.interestingNumbers))
    case 2: return .integer(random.below(40))
    case 3: return .string(random.pick(strings))
    case 4: return .bool(random.chance(1, in: 2))
    default: return .null
    }
  }
}
