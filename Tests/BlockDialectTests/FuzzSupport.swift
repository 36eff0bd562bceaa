import Foundation
import Testing

@testable import BlockDialect

/// Checks an error a fuzz case ended in: one of dialectgen's own errors, one line, no control
/// or invisible characters, a sensible length.
func expectCleanError(
  _ error: Error, _ label: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
  let known =
    error is TensorFileError || error is NonfiniteValueError || error is FormatbookError || error is BlockFormatError
    || error is SafetensorsWriter.TooLarge || error is SameFileError
  #expect(known, "\(label()): unexpected error type \(type(of: error)): \(error)", sourceLocation: sourceLocation)
  expectSafeMessage(String(describing: error), label(), sourceLocation: sourceLocation)
}

/// A message is one line of printable text, at most 1,500 characters.
func expectSafeMessage(
  _ text: String, _ label: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
  let unsafe = text.unicodeScalars.first { scalar in
    [.control, .format, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
  }
  #expect(unsafe == nil, "\(label()): unsafe character in \(text.debugDescription)", sourceLocation: sourceLocation)
  #expect(text.count <= 1500, "\(label()): \(text.count)-character message", sourceLocation: sourceLocation)
}
