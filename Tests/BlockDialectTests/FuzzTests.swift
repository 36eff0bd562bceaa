import Foundation
import TestSupport
import Testing

@testable import BlockDialect

/// A seeded mutation fuzzer over small valid safetensors, `.npy` and formatbook files, run in
/// process: bytes flipped, inserted, deleted, duplicated and spliced, numbers replaced with
/// boundary values, and the JSON headers mutated node by node.
///
/// Every case must end either in a clean one-line error of dialectgen's own, or in success
/// with a result that is checked against an independent computation: the quantized file is
/// re-read and each tensor compared with quantizing the whole tensor in memory, eval's
/// figures and the fitting statistics with their in-memory versions. In every case the input
/// is unchanged and nothing but the output is left in the directory. A trap would end the
/// test run; a case slower than 20 s is reported as a hang.
///
/// `swift test` runs a few hundred cases; `make fuzz` sets DIALECTGEN_FUZZ_CASES for many more
/// (DIALECTGEN_FUZZ_SEED picks another seed).
@Suite("Fuzzing: tensor files and formatbooks, in process")
struct FuzzTests {
  /// The valid files mutations start from.
  static let safetensorsCorpus: [[UInt8]] = {
    var files: [[UInt8]] = []
    var random = FuzzRandom(seed: 7)
    func floats(_ count: Int) -> [Float] {
      (0..<count).map { _ in Float(Int(random.next() % 2001) - 1000) / 250 }
    }
    func build(_ tensors: [(String, String, [Int], [UInt8])], metadata: [(String, String)] = []) -> [UInt8] {
      var writer = SafetensorsWriter()
      writer.metadata = metadata
      for (name, dtype, shape, _) in tensors { try! writer.declare(name: name, dtype: dtype, shape: shape) }
      var bytes = writer.headerBytes()
      for (_, _, _, data) in tensors { bytes += data }
      return bytes
    }
    let halves = floats(80).map { floatToFloat16($0) }
    let brains = floats(48).map { UInt16($0.bitPattern >> 16) }
    files.append(
      build(
        [
          ("w", "F32", [3, 70], littleEndianBytes(floats(210))), ("h", "F16", [2, 40], littleEndianHalfWords(halves)),
          ("b", "BF16", [48], littleEndianHalfWords(brains)), ("ids", "I64", [3], [UInt8](repeating: 7, count: 24)),
        ], metadata: [("format", "pt")]))
    files.append(
      build([
        ("scalar", "F32", [], littleEndianBytes([2.5])), ("empty", "F16", [0, 5], []),
        ("v", "F32", [40], littleEndianBytes(floats(39) + [.infinity])),
      ]))
    files.append(build([("x", "F32", [2, 16], littleEndianBytes(floats(32)))]))
    return files
  }()

  static let npyCorpus: [[UInt8]] = [
    npyBytes(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      data: littleEndianBytes([1, -2, 3.5, 0, 6, -0.25])),
    npyBytes(
      header: "{'descr': '<f2', 'fortran_order': False, 'shape': (6,), }",
      data: littleEndianHalfWords([0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000, 0x3800]), major: 2),
    npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: littleEndianBytes([7]), major: 3),
    npyBytes(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 0, 3), }", data: []),
  ]

  /// Fragments an `.npy` header may be rewritten with.
  static let npyFragments = [
    "(64)", "(64,)", "()", "(,)", "(-1,)", "(1.0,)", "(2, 3,)", "(3, 4) junk", "(4611686018427387904, 4)",
    "(0, 9223372036854775807)", "(9223372036854775808,)", "'<f4'", "'<f2'", "'>f4'", "'<f8'", "'|u1'", "\"<f4\"",
    "True", "False", "1", "None", "'shape': (2,), ", "'descr': '<f4', ", "'x': 1, ", "} trailing", "}\n\n",
    "{", "}", ",", ":", "'", "\\", "\u{1B}[2J", "01",
  ]

  static let bookCorpus: [[UInt8]] = [
    Array(Formatbook.dialectFP4.jsonText().utf8), Array(Formatbook.e2m1.jsonText().utf8),
    Array(
      #"{"name": "three", "ties": "even", "dialects": [[0,1,2,3,4,6,8,12],[0,1,2,3,4,6,9,12],[0,2,3,4,5,6,7,8]]}"#.utf8),
  ]

  static let schemes: [QuantizationScheme] = [
    .blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage), .mxfp4, .nvfp4,
    .blockDialect(try! BlockFormat(blockSize: 8, exponentWidth: 4, exponentBias: 3, formatbook: .e2m1), .twoStage),
    .blockDialect(try! BlockFormat(blockSize: 256, exponentWidth: 8, exponentBias: 0), .leastSquares),
  ]

  /// A mutated safetensors file: the bytes, or the header as JSON (re-assembled with the right
  /// length, mostly).
  static func mutatedSafetensors(_ random: inout FuzzRandom) -> [UInt8] {
    let base = random.pick(safetensorsCorpus)
    let length = Int(base.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    switch random.below(8) {
    case 0, 1, 2:
      return Mutator.mutate(base, random: &random, corpus: safetensorsCorpus)
    case 3, 4:
      // A valid file with other values: bits of the data flipped (infinities, NaNs, subnormals,
      // huge and tiny magnitudes), or a tensor given another shape of the same size.
      var bytes = base
      guard bytes.count > 8 + length else { return bytes }
      for _ in 0...random.below(6) {
        bytes[8 + length + random.below(bytes.count - 8 - length)] ^= UInt8(1 << random.below(8))
      }
      return random.chance(1, in: 2) ? bytes : reshaped(bytes, headerLength: length, random: &random)
    default:
      break
    }
    var header = try! JSONValue.parse(base[8..<8 + length])
    for _ in 0...random.below(2) { header = JSONMutator.mutate(header, random: &random) }
    var text = Array(header.compact().utf8)
    while random.chance(3, in: 4), text.count % 8 != 0 { text.append(0x20) }
    var declared = UInt64(text.count)
    if random.chance(1, in: 8) { declared = declared &+ UInt64(bitPattern: Int64(random.below(17) - 8)) }
    var data = Array(base[(8 + length)...])
    if random.chance(1, in: 4) { data = Mutator.mutate(data, random: &random, corpus: safetensorsCorpus) }
    return withUnsafeBytes(of: declared.littleEndian) { Array($0) } + text + data
  }

  /// `bytes` with one tensor's shape replaced by another of the same element count (a scalar,
  /// a vector, rows of one element, leading 1s), the header re-assembled.
  static func reshaped(_ bytes: [UInt8], headerLength: Int, random: inout FuzzRandom) -> [UInt8] {
    guard case .object(var members) = try! JSONValue.parse(bytes[8..<8 + headerLength]),
      let index = members.indices.filter({ members[$0].key != "__metadata__" }).randomElement(using: &random),
      case .object(var fields) = members[index].value,
      let shapeIndex = fields.firstIndex(where: { $0.key == "shape" }),
      let count = checkedElementCount(fields[shapeIndex].value.arrayValue!.map { $0.intValue! })
    else { return bytes }
    let divisors = (1...max(1, count)).filter { count % $0 == 0 }
    let d = random.pick(divisors)
    let shapes: [[Int]] =
      count == 0
      ? [[0], [0, 9_223_372_036_854_775_807], [4_611_686_018_427_387_904, 0], [1, 0, 7]]
      : [[count], [count, 1], [1, count], [d, count / d], [1, 1, d, count / d]] + (count == 1 ? [[]] : [])
    fields[shapeIndex].value = .array(random.pick(shapes).map { .integer($0) })
    members[index].value = .object(fields)
    var text = Array(JSONValue.object(members).compact().utf8)
    while text.count % 8 != 0 { text.append(0x20) }
    return withUnsafeBytes(of: UInt64(text.count).littleEndian) { Array($0) } + text + bytes[(8 + headerLength)...]
  }

  /// A mutated `.npy` file: fragments of its header replaced, or its bytes mutated.
  static func mutatedNpy(_ random: inout FuzzRandom) -> [UInt8] {
    let base = random.pick(npyCorpus)
    guard random.chance(1, in: 2) else { return Mutator.mutate(base, random: &random, corpus: npyCorpus) }
    let start = base[6] == 1 ? 10 : 12
    let length = Int(base[8]) | Int(base[9]) << 8 | (base[6] == 1 ? 0 : Int(base[10]) << 16 | Int(base[11]) << 24)
    var header = String(decoding: base[start..<start + length], as: UTF8.self)
    let tokens = [
      "(2, 3)", "(6,)", "()", "(4, 0, 3)", "'<f4'", "'<f2'", "False", "{", "}", ", }", "'shape'", "'descr'",
    ]
    for _ in 0...random.below(2) {
      let token = random.pick(tokens)
      if let range = header.range(of: token) { header.replaceSubrange(range, with: random.pick(npyFragments)) }
    }
    let data = Array(base[(start + length)...])
    let padded = random.chance(3, in: 4)
    return npyBytes(
      header: header.trimmingCharacters(in: .whitespacesAndNewlines), data: data, major: base[6], pad: padded)
  }

  /// A mutated formatbook, or a random one (mostly valid: 0 first, strictly increasing, at
  /// most 15; sometimes not).
  static func mutatedBook(_ random: inout FuzzRandom) -> [UInt8] {
    if random.chance(1, in: 3) {
      let dialects = (0..<1 + random.below(16)).map { _ -> JSONValue in
        var magnitudes = [0]
        while magnitudes.count < 8 { magnitudes.append(magnitudes.last! + 1 + random.below(2)) }
        if random.chance(1, in: 6) { magnitudes[random.below(8)] = random.below(20) - 2 }
        return .array(magnitudes.map { .integer($0) })
      }
      let name = random.pick(["fuzz", "b-1", "x_y", "9lives", "bad name", "ok"])
      return Array(
        JSONValue.object([
          ("name", .string(name)), ("ties", .string(random.pick(["up", "even"]))), ("dialects", .array(dialects)),
        ]).formatted().utf8)
    }
    let base = random.pick(bookCorpus)
    guard random.chance(1, in: 2) else { return Mutator.mutate(base, random: &random, corpus: bookCorpus) }
    var book = try! JSONValue.parse(base)
    for _ in 0...random.below(2) { book = JSONMutator.mutate(book, random: &random) }
    return Array(book.formatted().utf8)
  }

  @Test func tensorFiles() throws {
    let count = FuzzSettings.cases(default: 240, scale: 0.65)
    var random = FuzzRandom(seed: FuzzSettings.seed)
    var outcomes = [0, 0]
    for index in 0..<count {
      let npy = index % 3 == 2
      let bytes = npy ? Self.mutatedNpy(&random) : Self.mutatedSafetensors(&random)
      let started = Date()
      outcomes[try Self.runTensorCase(bytes, npy: npy, random: &random, label: "case \(index)") ? 0 : 1] += 1
      #expect(Date().timeIntervalSince(started) < 20, "case \(index) took too long")
    }
    print("fuzz: tensor files: \(count) cases (\(outcomes[0]) quantized, \(outcomes[1]) refused)")
  }

  @Test func formatbooks() throws {
    let count = FuzzSettings.cases(default: 120, scale: 0.15)
    var random = FuzzRandom(seed: FuzzSettings.seed ^ 0xB00C)
    var accepted = 0
    let directory = try TemporaryDirectory()
    for index in 0..<count {
      let bytes = Self.mutatedBook(&random)
      let label = "book case \(index)"
      do {
        let book: Formatbook
        if index % 2 == 0 {
          book = try Formatbook(json: Data(bytes), source: "fuzz/book.json")
        } else {
          book = try Formatbook(contentsOf: try directory.write("book.json", bytes))
        }
        accepted += 1
        #expect(Formatbook.isValidName(book.name), "\(label): name \(book.name.debugDescription)")
        expectSafeMessage(book.description, label)
        #expect(try Formatbook(json: Data(book.jsonText().utf8), source: "again") == book, "\(label)")
        // The book works: a block quantizes on both paths and decodes.
        let format = try BlockFormat(blockSize: 16, formatbook: book)
        let values = (0..<16).map { Float($0 % 7) * 0.37 - 1 }
        for selector in [DialectSelector.leastSquares, .twoStage, .viewMeanSquare] {
          let (block, _) = BlockQuantizer(format: format, selector: selector).quantize(values)
          #expect(format.decode(block).count == 16)
        }
      } catch {
        expectCleanError(error, label)
      }
    }
    print("fuzz: formatbooks: \(count) cases (\(accepted) valid)")
  }

  /// One tensor-file case; returns whether quantizing succeeded.
  static func runTensorCase(_ bytes: [UInt8], npy: Bool, random: inout FuzzRandom, label: String) throws -> Bool {
    let directory = try TemporaryDirectory()
    let input = try directory.write(npy ? "in.npy" : "in.safetensors", bytes)
    let outputPath = directory.file("out.safetensors")
    defer {
      #expect(
        (try? Data(contentsOf: URL(fileURLWithPath: input))) == Data(bytes), "\(label): the input changed")
      let left = Set(directory.contents).subtracting([npy ? "in.npy" : "in.safetensors", "out.safetensors"])
      #expect(left.isEmpty, "\(label): left \(left)")
      let registered = TemporaryFiles.registeredPaths.filter { $0.hasPrefix(directory.path + "/") }
      #expect(registered.isEmpty, "\(label): temporaries still registered: \(registered)")
    }
    let source: any TensorSource
    do {
      source = try openTensorFile(input)
    } catch {
      expectCleanError(error, label)
      return false
    }
    let floats = source.floatEntries
    guard !floats.isEmpty else { return false }
    let scheme = random.pick(schemes)
    let dequantize = random.chance(1, in: 4)
    let saturate = random.chance(1, in: 2)
    let threads = random.pick([0, 1])
    let selected = Set(floats.filter { _ in random.chance(4, in: 5) }.map(\.name))
    // Independent expectations: every selected tensor read whole, in memory.
    let values = try Dictionary(uniqueKeysWithValues: floats.map { ($0.name, try source.floats($0)) })
    let firstNonfinite = source.entries.lazy.filter { selected.contains($0.name) }.compactMap { entry in
      firstNonfiniteIndex(values[entry.name]!).map { (entry.name, $0) }
    }.first
    var quantized = false
    do {
      let quantizer = try TensorFileQuantizer(
        source: source, scheme: scheme, selected: { selected.contains($0.name) }, dequantize: dequantize,
        saturate: saturate, version: "fuzz")
      let output = try OutputFile(outputPath, inputs: [source.file])
      do {
        try quantizer.write(to: output, threads: threads)
        try output.commit()
      } catch {
        output.discard()
        throw error
      }
      quantized = true
      #expect(saturate || firstNonfinite == nil, "\(label): non-finite values accepted without saturation")
      try checkOutput(
        outputPath, source: source, values: values, selected: selected, scheme: scheme, dequantize: dequantize,
        label: label)
    } catch let error as NonfiniteValueError {
      expectCleanError(error, label)
      #expect(!saturate, "\(label): refused with saturation on")
      #expect(
        firstNonfinite.map { $0 == (error.tensor, error.index) } == true,
        "\(label): \(error) is not the first non-finite value \(String(describing: firstNonfinite))")
      #expect(!FileManager.default.fileExists(atPath: outputPath), "\(label): output left after an error")
    } catch {
      expectCleanError(error, label)
      #expect(!FileManager.default.fileExists(atPath: outputPath), "\(label): output left after \(error)")
    }
    // eval and fit --data read the same tensors in pieces: the same figures as in memory.
    for entry in floats where random.chance(1, in: 3) {
      let all = values[entry.name]!
      let hasNonfinite = firstNonfiniteIndex(all) != nil
      do {
        let (streamed, nonfinite) = try evaluate(
          entry, in: source, schemes: [scheme], refuseNonfinite: !saturate, threads: threads)
        #expect(saturate || !hasNonfinite, "\(label)")
        let reference = evaluate(all, shape: entry.shape, input: entry.elementFormat!, schemes: [scheme], threads: 1)
        #expect(nonfinite == all.filter { !$0.isFinite }.count)
        #expect(streamed[0].errors == reference[0].errors, "\(label): eval of \(entry.name)")
        #expect(streamed[0].statistics == reference[0].statistics, "\(label): eval of \(entry.name)")
      } catch {
        expectCleanError(error, label)
        #expect(error is NonfiniteValueError && !saturate && hasNonfinite, "\(label): \(error)")
      }
      var streamed = FittingData(format: .default)
      var reference = FittingData(format: .default)
      do {
        try streamed.append(entry, in: source, refuseNonfinite: !saturate)
        reference.append(all, shape: entry.shape, input: entry.elementFormat!)
        #expect(streamed.weights == reference.weights && streamed.entryKeys == reference.entryKeys, "\(label)")
        #expect(streamed.entrySums == reference.entrySums && streamed.viewHistograms == reference.viewHistograms)
        #expect(streamed.valueCount == reference.valueCount && streamed.nonfiniteBlocks == reference.nonfiniteBlocks)
      } catch {
        expectCleanError(error, label)
        #expect(error is NonfiniteValueError && !saturate && hasNonfinite, "\(label): \(error)")
      }
    }
    return quantized
  }

  /// The written file is valid safetensors and holds exactly what quantizing each whole tensor
  /// in memory gives, with the other tensors copied unchanged.
  static func checkOutput(
    _ path: String, source: any TensorSource, values: [String: [Float]], selected: Set<String>,
    scheme: QuantizationScheme, dequantize: Bool, label: String
  ) throws {
    let file = try SafetensorsFile(path: path)
    var expected: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])] = []
    for entry in source.entries {
      guard let format = entry.elementFormat, selected.contains(entry.name) else {
        expected.append(
          (entry.name, TensorFileQuantizer.safetensorsType(of: entry), entry.shape, try source.rawBytes(entry)))
        continue
      }
      let tensor = TensorQuantizer(scheme: scheme, input: format).quantize(values[entry.name]!, shape: entry.shape)
      if dequantize {
        expected.append((entry.name, "F32", entry.shape, littleEndianBytes(tensor.dequantized())))
        continue
      }
      for (part, declaration) in QuantizedTensorLayout.declarations(
        name: entry.name, shape: entry.shape, scheme: scheme
      )
      .enumerated() {
        expected.append(
          (declaration.name, declaration.dtype, declaration.shape, QuantizedTensorLayout.bytes(of: tensor, part: part)))
      }
    }
    #expect(file.entries.map(\.name) == expected.map(\.name), "\(label): output tensors")
    for (entry, wanted) in zip(file.entries, expected) {
      #expect(entry.dtype == wanted.dtype && entry.shape == wanted.shape, "\(label): \(entry.name)")
      #expect(try file.rawBytes(entry) == wanted.bytes, "\(label): bytes of \(entry.name)")
    }
  }
}
