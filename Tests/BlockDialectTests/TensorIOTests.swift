import Foundation
import TestSupport
import Testing

@testable import BlockDialect

/// An `.npy` file: magic, version, header length (2 bytes for version 1, 4 for 2), the header
/// dictionary padded with spaces and a newline to a multiple of 64, then `data`.
func npyBytes(header: String, data: [UInt8], major: UInt8 = 1, pad: Bool = true) -> [UInt8] {
  var text = Array(header.utf8)
  let prefix = major == 1 ? 10 : 12
  if pad {
    while (prefix + text.count + 1) % 64 != 0 { text.append(0x20) }
    text.append(0x0A)
  }
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
  if major == 1 {
    bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
  } else {
    bytes += withUnsafeBytes(of: UInt32(text.count).littleEndian) { Array($0) }
  }
  return bytes + text + data
}

@Suite("Tensor I/O: safetensors, .npy, writer, quantized layout")
struct TensorIOTests {
  // MARK: safetensors reading

  @Test func readsEveryFloatTypeAndRank() throws {
    let directory = try TemporaryDirectory()
    let f32: [Float] = [1, -2, 0.5, 3e38, -0.0, 0x1p-149]
    let f16: [UInt16] = [0x3C00]  // 1.0, rank 0
    let bf16: [UInt16] = [0xC040, 0x7F7F]  // -3.0, 0x7F7F0000
    var data = littleEndianBytes(f32)  // 24 bytes
    data += littleEndianHalfWords(f16)  // 2
    data += littleEndianHalfWords(bf16)  // 4
    data += withUnsafeBytes(of: Int64(-5).littleEndian) { Array($0) }  // 8
    let header = """
      {"__metadata__":{"format":"pt","note":"hand made"},\
      "a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
      "scalar":{"dtype":"F16","shape":[],"data_offsets":[24,26]},\
      "empty":{"dtype":"BF16","shape":[2,0,4],"data_offsets":[26,26]},\
      "b":{"dtype":"BF16","shape":[1,1,2],"data_offsets":[26,30]},\
      "ints":{"dtype":"I64","shape":[1],"data_offsets":[30,38]}}
      """
    let path = try directory.write("t.safetensors", handMadeSafetensors(header: header, data: data))
    let file = try SafetensorsFile(path: path)
    #expect(file.metadata == ["format": "pt", "note": "hand made"])
    #expect(file.entries.map(\.name) == ["a", "scalar", "empty", "b", "ints"])
    #expect(file.entries.map(\.shape) == [[2, 3], [], [2, 0, 4], [1, 1, 2], [1]])
    #expect(file.entries.map(\.elementCount) == [6, 1, 0, 2, 1])
    #expect(file.entries.map(\.elementFormat) == [.float32, .float16, .bfloat16, .bfloat16, nil])
    #expect(file.floatEntries.map(\.name) == ["a", "scalar", "empty", "b"])
    let a = try file.floats(file.entries[0])
    #expect(a.map(\.bitPattern) == f32.map(\.bitPattern))
    #expect(try file.floats(file.entries[1]) == [1])
    #expect(try file.floats(file.entries[2]) == [])
    #expect(try file.floats(file.entries[3]).map(\.bitPattern) == [0xC040_0000, 0x7F7F_0000])
    #expect(try file.rawBytes(file.entries[4]) == [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    do {
      _ = try file.floats(file.entries[4])
      Issue.record("I64 read as floats")
    } catch let error as TensorFileError {
      #expect(
        error.description.contains(path) && error.description.contains("\"ints\"") && error.description.contains("I64"))
    }
    // openTensorFile picks the safetensors reader for any name but .npy.
    #expect(try openTensorFile(path).entries.count == 5)
  }

  /// Every malformed file is refused with a message naming the file (and the tensor).
  @Test func refusesMalformedSafetensors() throws {
    let directory = try TemporaryDirectory()
    let four = littleEndianBytes([1])
    func tensor(_ body: String) -> String { #"{"w":"# + body + "}" }
    let cases: [(name: String, bytes: [UInt8], words: [String])] = [
      ("empty", [], ["too short"]),
      ("short", [1, 2, 3, 4, 5], ["too short", "5 bytes"]),
      (
        "length", handMadeSafetensors(header: "{}", data: [], declaredLength: 1000),
        ["header length 1000", "larger than the file"]
      ),
      ("huge", handMadeSafetensors(header: "{}", data: [], declaredLength: UInt64.max), ["header length"]),
      ("json", handMadeSafetensors(header: #"{"w": {"dtype": "F32",}}"#, data: []), ["not valid JSON"]),
      ("array", handMadeSafetensors(header: "[1, 2]", data: []), ["JSON object"]),
      (
        "outside",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#), data: four),
        ["\"w\"", "data_offsets [0, 8]", "outside the data (4 bytes)"]
      ),
      (
        "reversed",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[0],"data_offsets":[4,0]}"#), data: four),
        ["\"w\"", "[4, 0]", "end before they begin"]
      ),
      (
        "mismatch",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[2],"data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "shape [2] of F32 needs 2 x 4 bytes", "span 4"]
      ),
      (
        "negative",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "non-negative integers", "-1"]
      ),
      (
        "fraction",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "non-negative integers", "1.5"]
      ),
      (
        "nodtype", handMadeSafetensors(header: tensor(#"{"shape":[1],"data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "dtype"]
      ),
      (
        "noshape", handMadeSafetensors(header: tensor(#"{"dtype":"F32","data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "shape"]
      ),
      (
        "offsets", handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[1],"data_offsets":[0]}"#), data: four),
        ["\"w\"", "data_offsets"]
      ),
      ("metadata", handMadeSafetensors(header: #"{"__metadata__":{"a":1}}"#, data: []), ["__metadata__", "\"a\""]),
      (
        "overflow",
        handMadeSafetensors(
          header: tensor(#"{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "too large"]
      ),
      // Accepted before issue 11, refused by the reference reader.
      (
        "trailing",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#), data: four + [9]),
        ["cover 4 data bytes", "holds 5", "1 trailing bytes"]
      ),
      (
        "overlap",
        handMadeSafetensors(
          header:
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
          data: four + four),
        ["\"b\"", "overlap", "\"a\""]
      ),
      (
        "gap",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[1],"data_offsets":[4,8]}"#), data: four + four),
        ["\"w\"", "bytes 0 to 4 unused", "contiguous"]
      ),
      (
        "floats",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[2.0,3.2e1],"data_offsets":[0,256]}"#), data: []),
        ["\"w\"", "non-negative integers", "2.0"]
      ),
      (
        "offsetfloat",
        handMadeSafetensors(header: tensor(#"{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}"#), data: four),
        ["\"w\"", "data_offsets"]
      ),
      (
        "dtype",
        handMadeSafetensors(header: tensor(#"{"dtype":"F33\u001b[2J","shape":[1],"data_offsets":[0,4]}"#), data: four),
        ["\"w\"", "dtype 'F33\\u{1B}[2J' is not a safetensors dtype", "F32"]
      ),
      (
        "duplicate",
        handMadeSafetensors(
          header:
            #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
          data: four),
        ["duplicate key \"w\""]
      ),
      ("space", handMadeSafetensors(header: " {}", data: []), ["starting with '{'"]),
      (
        "name",
        handMadeSafetensors(
          header: #"{"a\nb\u001b[31m":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four),
        ["tensor \"a\\nb\\u{1B}[31m\"", "needs 2 x 4 bytes"]
      ),
    ]
    for (name, bytes, words) in cases {
      let path = try directory.write(name + ".safetensors", bytes)
      do {
        _ = try SafetensorsFile(path: path)
        Issue.record("\(name): accepted")
      } catch let error as TensorFileError {
        #expect(error.description.hasPrefix(path + ": "), "\(name): \(error)")
        for word in words { #expect(error.description.contains(word), "\(name): \(error) lacks \(word)") }
        #expect(!error.description.contains("\n"))
      }
    }
    // Not a file, no file.
    #expect(throws: TensorFileError.self) { try SafetensorsFile(path: directory.path) }
    do {
      _ = try SafetensorsFile(path: directory.file("missing.safetensors"))
    } catch let error as TensorFileError {
      #expect(error.description.contains("missing.safetensors") && error.description.contains("cannot open"))
    }
  }

  // MARK: .npy

  @Test func readsNpyVersionsAndTypes() throws {
    let directory = try TemporaryDirectory()
    let values: [Float] = [1, 2, 3, -4, 0.5, 6]
    let v1 = try directory.write(
      "weights.npy",
      npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: littleEndianBytes(values)))
    let file = try NumpyFile(path: v1)
    #expect(file.entries.count == 1)
    #expect(file.entries[0].name == "weights")
    #expect(file.entries[0].shape == [2, 3])
    #expect(file.entries[0].elementFormat == .float32)
    #expect(try file.floats(file.entries[0]) == values)
    // Version 2 (4-byte header length), float16, a 1-d shape written (6,).
    let halves: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000, 0x3800]
    let v2 = try directory.write(
      "h.NPY",
      npyBytes(
        header: "{\"descr\": \"<f2\", \"fortran_order\": False, \"shape\": (6,)}", data: littleEndianHalfWords(halves),
        major: 2))
    let half = try openTensorFile(v2)
    #expect(half is NumpyFile)
    #expect(half.entries[0].shape == [6] && half.entries[0].name == "h")
    #expect(try half.floats(half.entries[0]) == [1, -2, 0x1p-24, 65504, -0.0, 0.5])
    // A scalar: shape ().
    let scalar = try directory.write(
      "s.npy", npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': ()}", data: littleEndianBytes([7])))
    #expect(try NumpyFile(path: scalar).entries[0].shape == [])
    #expect(try NumpyFile(path: scalar).floats(NumpyFile(path: scalar).entries[0]) == [7])
  }

  @Test func refusesBadNpy() throws {
    let directory = try TemporaryDirectory()
    let data = littleEndianBytes([1, 2])
    func header(descr: String = "<f4", fortran: String = "False", shape: String = "(2,)") -> String {
      "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
    }
    let cases: [(String, [UInt8], [String])] = [
      ("big.npy", npyBytes(header: header(descr: ">f4"), data: data), ["'>f4'", "big-endian", "<f4"]),
      ("double.npy", npyBytes(header: header(descr: "<f8"), data: data + data), ["'<f8'", "not supported"]),
      ("int.npy", npyBytes(header: header(descr: "<i4"), data: data), ["'<i4'"]),
      ("fortran.npy", npyBytes(header: header(fortran: "True"), data: data), ["fortran_order"]),
      ("truncated.npy", npyBytes(header: header(), data: Array(data.prefix(6))), ["needs 8 data bytes", "has 6"]),
      ("long.npy", npyBytes(header: header(), data: data + [0]), ["needs 8 data bytes", "has 9"]),
      ("magic.npy", [0x93] + Array("NUMPX".utf8) + [1, 0, 0, 0], ["\\x93NUMPY"]),
      ("tiny.npy", [0x93, 0x4E], ["\\x93NUMPY"]),
      ("version.npy", npyBytes(header: header(), data: data, major: 4), ["version 4"]),
      (
        "key.npy", npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", data: data),
        ["unknown header key 'x'"]
      ),
      ("missing.npy", npyBytes(header: "{'descr': '<f4', 'shape': (2,)}", data: data), ["lacks 'fortran_order'"]),
      ("shape.npy", npyBytes(header: header(shape: "(-2,)"), data: data), ["shape"]),
      ("header.npy", Array(npyBytes(header: header(), data: []).prefix(30)), ["truncated .npy header"]),
      // Accepted before issue 11, refused by NumPy.
      ("notuple.npy", npyBytes(header: header(shape: "(2)"), data: data), ["(2) is an integer, not a tuple", "(2,)"]),
      ("garbage.npy", npyBytes(header: header() + " junk", data: data), ["unexpected text after the dictionary"]),
      (
        "twice.npy",
        npyBytes(header: "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", data: data),
        ["'descr' appears twice"]
      ),
      ("float.npy", npyBytes(header: header(shape: "(2.0,)"), data: data), ["shape"]),
      ("zeros.npy", npyBytes(header: header(shape: "(02,)"), data: data), ["non-negative integers"]),
      (
        "huge.npy", npyBytes(header: header(shape: "(4611686018427387904, 2)"), data: data),
        ["[4611686018427387904, 2]", "too large"]
      ),
      ("bytes.npy", npyBytes(header: header(shape: "(2305843009213693952,)"), data: data), ["too large"]),
      (
        "minor.npy",
        Array(npyBytes(header: header(), data: data)[0..<7]) + [1]
          + Array(npyBytes(header: header(), data: data)[8...]), ["version 1.1"]
      ),
      (
        "escape.npy",
        npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x\u{1B}[2J': 1}", data: data),
        ["a header string holds a backslash or a control character"]
      ),
    ]
    for (name, bytes, words) in cases {
      let path = try directory.write(name, bytes)
      do {
        _ = try NumpyFile(path: path)
        Issue.record("\(name) accepted")
      } catch let error as TensorFileError {
        #expect(error.description.hasPrefix(path + ": "), "\(error)")
        for word in words { #expect(error.description.contains(word), "\(name): \(error) lacks \(word)") }
      }
    }
  }

  // MARK: writer

  @Test func writerRoundTrip() throws {
    let directory = try TemporaryDirectory()
    var writer = SafetensorsWriter()
    writer.metadata = [("format", "pt"), ("quote", "a \"b\" \\ c")]
    try writer.declare(name: "f32", dtype: "F32", shape: [2, 2])
    try writer.declare(name: "scalar", dtype: "F32", shape: [])
    try writer.declare(name: "half", dtype: "F16", shape: [3])
    try writer.declare(name: "none", dtype: "BF16", shape: [0, 5])
    try writer.declare(name: "bytes", dtype: "U8", shape: [5])
    let payloads: [[UInt8]] = [
      littleEndianBytes([1, 2, 3, 4]), littleEndianBytes([-9]), littleEndianHalfWords([0x3C00, 0x0001, 0xFC00]), [],
      [1, 2, 3, 4, 5],
    ]
    let path = directory.file("out.safetensors")
    try writer.write(to: path) { payloads[$0] }
    let header = writer.headerBytes()
    #expect((header.count - 8) % 8 == 0, "data starts at a multiple of 8")
    let file = try SafetensorsFile(path: path)
    #expect(file.metadata == ["format": "pt", "quote": "a \"b\" \\ c"])
    #expect(file.entries.map(\.name) == ["f32", "scalar", "half", "none", "bytes"])
    #expect(file.entries.map(\.dtype) == ["F32", "F32", "F16", "BF16", "U8"])
    #expect(file.entries.map(\.shape) == [[2, 2], [], [3], [0, 5], [5]])
    #expect(try file.floats(file.entries[0]) == [1, 2, 3, 4])
    #expect(try file.floats(file.entries[1]) == [-9])
    #expect(try file.floats(file.entries[2]) == [1, 0x1p-24, -.infinity])
    #expect(try file.floats(file.entries[3]) == [])
    #expect(try file.rawBytes(file.entries[4]) == [1, 2, 3, 4, 5])
    // The file is header then data, nothing else.
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
    #expect(size == header.count + payloads.map(\.count).reduce(0, +))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.safetensors"])
  }

  @Test func atomicWriteLeavesNothingOnFailure() throws {
    let directory = try TemporaryDirectory()
    struct Refused: Error {}
    var writer = SafetensorsWriter()
    try writer.declare(name: "a", dtype: "F32", shape: [1])
    try writer.declare(name: "b", dtype: "F32", shape: [1])
    let path = directory.file("out.safetensors")
    #expect(throws: Refused.self) {
      try writer.write(to: path) { index in
        if index == 1 { throw Refused() }
        return littleEndianBytes([1])
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    // A directory that does not exist: named in the message, nothing written.
    do {
      try AtomicFile.write("text", to: directory.file("no/such/dir/x.txt"))
      Issue.record("wrote into a missing directory")
    } catch let error as TensorFileError {
      #expect(error.description.contains("no/such/dir") && error.description.contains("does not exist"))
    }
    // Over a directory: refused.
    try FileManager.default.createDirectory(atPath: directory.file("sub"), withIntermediateDirectories: false)
    #expect(throws: TensorFileError.self) { try AtomicFile.write("text", to: directory.file("sub")) }
    // A successful write replaces an existing file.
    try AtomicFile.write("one", to: directory.file("f.txt"))
    try AtomicFile.write("two", to: directory.file("f.txt"))
    #expect(try String(contentsOfFile: directory.file("f.txt"), encoding: .utf8) == "two")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["f.txt", "sub"])
  }

  // MARK: quantized layout

  @Test func layoutShapes() throws {
    let bd = QuantizationScheme.blockDialect(.default, .leastSquares)
    func parts(_ shape: [Int], _ scheme: QuantizationScheme) -> [String] {
      QuantizedTensorLayout.declarations(name: "w", shape: shape, scheme: scheme).map {
        "\($0.name) \($0.dtype) \(shapeText($0.shape))"
      }
    }
    // 70 columns: 3 blocks of 32 (96 codes, 48 bytes) or 5 blocks of 16 (80 codes, 40 bytes).
    #expect(parts([3, 70], bd) == ["w.codes U8 [3, 48]", "w.exponents U8 [3, 3]", "w.dialects U8 [3, 3]"])
    #expect(parts([3, 70], .mxfp4) == ["w.codes U8 [3, 48]", "w.scales U8 [3, 3]"])
    #expect(parts([3, 70], .nvfp4) == ["w.codes U8 [3, 40]", "w.scales F8_E4M3 [3, 5]", "w.tensor_scale F32 []"])
    #expect(parts([2, 4, 64], bd) == ["w.codes U8 [2, 4, 32]", "w.exponents U8 [2, 4, 2]", "w.dialects U8 [2, 4, 2]"])
    #expect(parts([], bd) == ["w.codes U8 [16]", "w.exponents U8 [1]", "w.dialects U8 [1]"])
    #expect(parts([5, 0], .mxfp4) == ["w.codes U8 [5, 0]", "w.scales U8 [5, 0]"])
    let n8 = QuantizationScheme.blockDialect(try BlockFormat(blockSize: 8), .twoStage)
    #expect(parts([9], n8) == ["w.codes U8 [8]", "w.exponents U8 [2]", "w.dialects U8 [2]"])
  }

  /// Packed codes (two per byte, low nibble first) and dequantized() against decoding each
  /// PackedBlock, for every scheme; the part bytes match the declarations.
  @Test(arguments: [
    QuantizationScheme.blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage),
    .blockDialect(try! BlockFormat(blockSize: 8, exponentWidth: 4, exponentBias: 3), .viewMeanSquare), .mxfp4, .nvfp4,
  ])
  func layoutBytesAndDecoding(scheme: QuantizationScheme) throws {
    let shape = [3, 70]
    let values = SampleDistribution.laplace.samples(210, seed: 3).map { $0 * 3 }
    let tensor = TensorQuantizer(scheme: scheme).quantize(values, shape: shape, threads: 1)
    let n = scheme.blockSize
    let declarations = QuantizedTensorLayout.declarations(name: "w", shape: shape, scheme: scheme)
    for (part, declaration) in declarations.enumerated() {
      #expect(QuantizedTensorLayout.bytes(of: tensor, part: part).count == declaration.byteCount)
    }
    let packed = QuantizedTensorLayout.bytes(of: tensor, part: 0)
    #expect(packed == tensor.packedCodes())
    for j in 0..<packed.count {
      #expect(packed[j] & 0xF == tensor.codes[2 * j] && packed[j] >> 4 == tensor.codes[2 * j + 1])
    }
    #expect(QuantizedTensorLayout.bytes(of: tensor, part: 1) == tensor.scales)
    // Decode block by block, independently of dequantized().
    var expected = [Float](repeating: 0, count: values.count)
    for row in 0..<3 {
      for j in 0..<tensor.blocksPerRow {
        let block = row * tensor.blocksPerRow + j
        let raw = Array(tensor.codes[(block * n)..<(block * n + n)])
        let count = min(n, 70 - j * n)
        let decoded: [Float]
        switch scheme {
        case .blockDialect(let format, _):
          decoded = format.decode(
            try PackedBlock(
              exponentField: Int(tensor.scales[block]), dialect: Int(tensor.dialects[block]), rawCodes: raw,
              format: format))
        case .mxfp4:
          let format = QuantizationScheme.mxfp4Format
          decoded = format.decode(
            try PackedBlock(exponentField: Int(tensor.scales[block]), dialect: 0, rawCodes: raw, format: format))
          // E8M0: 2^(E - 127) times the E2M1 value.
          for (k, code) in raw.enumerated() {
            let e2m1 = Spec.e2m1Values[Int(code & 7)] * (code & 8 != 0 ? -1 : 1)
            #expect(Double(decoded[k]) == e2m1 * power2(Int(tensor.scales[block]) - 127))
          }
        case .nvfp4:
          let s = E4M3Reference.values[Int(tensor.scales[block])]
          decoded = raw.map { code in
            Float(Spec.e2m1Values[Int(code & 7)] * (code & 8 != 0 ? -1 : 1) * s * Double(tensor.tensorScale))
          }
        }
        #expect(raw[count...].allSatisfy { $0 == 0 })
        for k in 0..<count { expected[row * 70 + j * n + k] = decoded[k] }
      }
    }
    #expect(tensor.dequantized() == expected)
    if case .nvfp4 = scheme {
      #expect(QuantizedTensorLayout.bytes(of: tensor, part: 2) == littleEndianBytes([tensor.tensorScale]))
    } else if scheme.hasDialects {
      #expect(QuantizedTensorLayout.bytes(of: tensor, part: 2) == tensor.dialects)
    }
  }

  @Test func layoutMetadata() throws {
    let format = try BlockFormat(blockSize: 64, exponentWidth: 6, exponentBias: 20, formatbook: .e2m1)
    let metadata = QuantizedTensorLayout.metadata(
      scheme: .blockDialect(format, .twoStage), tensors: [("w", [2, 64], "BF16"), ("v", [], "F32")], version: "9.9")
    let table = Dictionary(uniqueKeysWithValues: metadata.map { ($0.key, $0.value) })
    #expect(table["format"] == "blockdialect-activation")
    #expect(table["dialectgen"] == "9.9")
    let quantization = try JSONValue.parse(try #require(table["quantization"]))
    #expect(quantization["block_size"]?.intValue == 64)
    #expect(quantization["exponent_width"]?.intValue == 6)
    #expect(quantization["exponent_bias"]?.intValue == 20)
    #expect(quantization["path"]?.stringValue == "activation")
    #expect(try Formatbook(jsonValue: try #require(quantization["formatbook"]), source: "m") == .e2m1)
    let tensors = try JSONValue.parse(try #require(table["tensors"]))
    #expect(tensors.keys == ["w", "v"])
    #expect(tensors["w"]?["shape"] == .array([.integer(2), .integer(64)]))
    #expect(tensors["w"]?["dtype"]?.stringValue == "BF16")
    #expect(tensors["v"]?["shape"] == .array([]))
  }

  /// Scalars and tensors with a zero-size dimension quantize, decode and measure without
  /// trouble in every scheme.
  @Test func degenerateShapes() {
    let schemes: [QuantizationScheme] = [
      .blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage), .mxfp4, .nvfp4,
    ]
    for scheme in schemes {
      let scalar = TensorQuantizer(scheme: scheme).quantize([3], shape: [], threads: 1)
      #expect(scalar.rows == 1 && scalar.columns == 1 && scalar.blockCount == 1)
      if case .nvfp4 = scheme {
        // T = 3 / 2688 is rounded in FP32, s = 448: the element decodes to 6 * 448 * T.
        #expect(scalar.dequantized() == [Float(6 * 448 * Double(scalar.tensorScale))])
      } else {
        #expect(scalar.dequantized() == [3], "\(scheme)")  // 3 = 1.5 * 2^1: exact
      }
      for shape in [[0], [3, 0], [0, 5], [2, 0, 4]] {
        let tensor = TensorQuantizer(scheme: scheme).quantize([], shape: shape)
        #expect(tensor.blockCount == 0 && tensor.codes.isEmpty && tensor.scales.isEmpty)
        #expect(tensor.dequantized().isEmpty)
        let errors = [Float]().withUnsafeBufferPointer { tensor.errorStatistics(against: $0) }
        #expect(errors.count == 0 && errors.sqnr == .infinity && errors.meanSquaredError == 0)
        for (part, declaration) in QuantizedTensorLayout.declarations(name: "z", shape: shape, scheme: scheme)
          .enumerated()
        {
          #expect(
            QuantizedTensorLayout.bytes(of: tensor, part: part).count == declaration.byteCount, "\(scheme) \(shape)")
        }
      }
    }
  }

  // MARK: threads

  /// One thread and every core give identical results: codes, scales, dialects, tensor
  /// scale, statistics and error sums (the chunking is fixed).
  @Test(arguments: [
    QuantizationScheme.blockDialect(.default, .leastSquares), .blockDialect(.default, .twoStage),
    .blockDialect(.default, .viewMeanSquare), .mxfp4, .nvfp4,
  ])
  func threadsGiveIdenticalResults(scheme: QuantizationScheme) {
    // 64 x 4200: 133 blocks of 32 per row, 8512 blocks: more than four chunks of 2048.
    var values = SampleDistribution.studentT.samples(64 * 4200, seed: 11)
    values[1234] = .infinity
    values[200_000] = .nan
    let shape = [64, 4200]
    let quantizer = TensorQuantizer(scheme: scheme, input: .float16)
    let one = quantizer.quantize(values, shape: shape, threads: 1)
    let all = quantizer.quantize(values, shape: shape, threads: 0)
    #expect(one.codes == all.codes)
    #expect(one.scales == all.scales)
    #expect(one.dialects == all.dialects)
    #expect(one.tensorScale.bitPattern == all.tensorScale.bitPattern)
    #expect(one.statistics == all.statistics)
    #expect(one.statistics.nonfiniteBlocks == 2)
    let (e1, e2) = values.withUnsafeBufferPointer {
      (
        one.errorStatistics(against: $0, input: .float16, threads: 1),
        all.errorStatistics(against: $0, input: .float16, threads: 0)
      )
    }
    #expect(e1.count == e2.count && e1.count == values.count)
    #expect(e1.signalEnergy.bitPattern == e2.signalEnergy.bitPattern)
    #expect(e1.errorEnergy.bitPattern == e2.errorEnergy.bitPattern)
    #expect(e1 == e2)
  }
}
