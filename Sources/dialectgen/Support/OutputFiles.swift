import BlockDialect

/// The command line's side of writing a file: an output that is one of the inputs is a
/// command-line mistake (exit 2) naming the option; any other problem with the destination is
/// a failure (exit 1) naming the file.
enum OutputFiles {
  /// Checks, before any work, that `path` (given with `option`) may be written.
  static func check(_ path: String, option: String, inputs: [InputFile]) throws {
    do {
      _ = try OutputDestination(path, inputs: inputs)
    } catch let error as SameFileError {
      throw usage(error, option: option)
    }
  }

  /// Checks `path` and creates its temporary file.
  static func create(_ path: String, option: String, inputs: [InputFile]) throws -> OutputFile {
    do {
      return try OutputFile(path, inputs: inputs)
    } catch let error as SameFileError {
      throw usage(error, option: option)
    }
  }

  private static func usage(_ error: SameFileError, option: String) -> UsageError {
    UsageError(
      "\(option) \(SafeText.path(error.output)) is the same file as the input \(SafeText.path(error.input)); choose another name"
    )
  }
}
