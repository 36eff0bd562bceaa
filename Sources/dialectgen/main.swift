import BlockDialect
import DialectHardware
import Foundation

/// A subcommand: its command-line interface and what it does.
protocol Command {
  static var spec: CommandSpec { get }
  static func run(_ arguments: ParsedArguments) throws
}

/// The subcommands, by the words that select them.
let commands: [(words: [String], command: any Command.Type)] = [
  (["quantize"], QuantizeCommand.self),
  (["eval"], EvalCommand.self),
  (["formatbook", "show"], FormatbookShowCommand.self),
  (["formatbook", "validate"], FormatbookValidateCommand.self),
  (["formatbook", "fit"], FormatbookFitCommand.self),
  (["bench"], BenchCommand.self),
  (["emit"], EmitCommand.self),
  (["vectors"], VectorsCommand.self),
  (["references"], ReferencesCommand.self),
  (["report"], ReportCommand.self),
  (["matmul"], MatmulCommand.self),
  (["tile-image"], TileImageCommand.self),
  (["tile-vectors"], TileVectorsCommand.self),
]

let overview = """
  usage: dialectgen COMMAND [options]

  BlockDialect numerics and hardware generation.

  commands:
    quantize             quantize a tensor file to BlockDialect, MXFP4 or NVFP4
    eval                 compare formats on tensors: SQNR, MSE, bits per element, dialect usage
    formatbook show      print a formatbook with its groups, beneficial ranges and midpoints
    formatbook validate  check formatbook files
    formatbook fit       fit a formatbook's magnitudes to tensors, keeping its hardware cost
    bench                measure quantization throughput
    emit                 generate the RTL: Verilog, files.f, manifest.json, FuseSoC core
    vectors              write golden test vectors for the testbenches
    references           write reference truth tables and proof scripts for make formal
    report               area, depth and iCE40 Fmax, compared with FP4, INT4 and INT8
    matmul               y = W x exactly as the accelerator tile computes it, in software
    tile-image           a quantized tensor as the tile's weight stream and memory images
    tile-vectors         a tile testbench session from quantized weights and activations

  Run 'dialectgen COMMAND --help' for a command's options. Exit status: 0 on success, 1 when
  the work failed (bad input file, failed check), 2 for a command-line mistake.
  """

@MainActor func main() -> Int32 {
  let words = Array(CommandLine.arguments.dropFirst())
  if words.isEmpty || words == ["--help"] || words == ["-h"] || words == ["help"] {
    print(overview)
    return words.isEmpty ? 2 : 0
  }
  if words == ["--version"] {
    print("dialectgen \(dialectgenVersion)")
    return 0
  }
  let match = commands.filter { words.starts(with: $0.words) }.max { $0.words.count < $1.words.count }
  guard let (selector, command) = match else {
    let groups = commands.filter { $0.words.count > 1 && $0.words[0] == words[0] }
    if !groups.isEmpty {
      let choices = groups.map { $0.words[1] }.joined(separator: ", ")
      if words.count == 1 || words[1] == "--help" || words[1] == "-h" {
        print("usage: dialectgen \(words[0]) {\(choices)} [options]")
        return words.count == 1 ? 2 : 0
      }
      StandardError.line(
        "dialectgen \(words[0]): error: unknown command '\(SafeText.escape(words[1]))'; allowed: \(choices)")
      return 2
    }
    StandardError.line("dialectgen: error: unknown command '\(SafeText.escape(words[0]))' (see dialectgen --help)")
    return 2
  }
  let rest = Array(words.dropFirst(selector.count))
  let name = "dialectgen " + selector.joined(separator: " ")
  if rest.contains("--help") || rest.contains("-h") {
    print(command.spec.help)
    return 0
  }
  do {
    try command.run(try command.spec.parse(rest))
    return 0
  } catch let error as UsageError {
    StandardError.line(SafeText.line("\(name): error: \(error.message)"))
    return 2
  } catch {
    StandardError.line(SafeText.line("\(name): error: \(errorMessage(error))"))
    return 1
  }
}

/// The one-line message of an error that is not a usage error: dialectgen's own errors describe
/// themselves; a Foundation file error is reduced to its file and its cause in words, never a
/// dump of its fields.
func errorMessage(_ error: Error) -> String {
  switch error {
  case let failure as CommandFailure:
    return failure.message
  case let cocoa as CocoaError:
    let path = cocoa.filePath ?? cocoa.url?.path
    let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError
    let cause =
      underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? systemErrorText(Int32($0.code)) : nil }
      ?? "file error \(cocoa.code.rawValue)"
    return path.map { "\(SafeText.path($0)): \(cause)" } ?? cause
  case let posix as POSIXError:
    return systemErrorText(posix.code.rawValue)
  default:
    return String(describing: error)
  }
}

// A write to a full pipe or a closed standard output ends the process quietly (the default),
// and a file-size limit (ulimit -f) makes writes fail with EFBIG, reported like any other
// write error, instead of killing the process.
signal(SIGXFSZ, SIG_IGN)
exit(main())
