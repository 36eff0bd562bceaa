/// A place in Swift source: where a port, wire or assignment was written.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
  /// The file, as `#fileID` gives it (`Module/File.swift`).
  public let file: String
  /// The line.
  public let line: Int

  public init(file: String, line: Int) {
    self.file = file
    self.line = line
  }

  init(_ file: StaticString, _ line: UInt) {
    self.file = "\(file)"
    self.line = Int(line)
  }

  public var description: String { "\(file):\(line)" }
}

/// One problem found while building a module.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
  public enum Severity: String, Sendable {
    case error, warning
  }

  public let severity: Severity
  /// The module it concerns.
  public let module: String
  /// Where in Swift the problem was written, when known.
  public let location: SourceLocation?
  /// What is wrong, in one line.
  public let message: String

  public var description: String {
    (location.map { "\($0): " } ?? "") + "\(severity.rawValue): module \(module): \(message)"
  }
}

/// The errors that stopped a module from being built; every diagnostic is one line.
public struct ElaborationError: Error, CustomStringConvertible {
  public let diagnostics: [Diagnostic]

  public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A width or type mistake in an expression, carried by the expression until a statement
/// that knows its Swift location (a wire, an output, an assignment) reports it.
struct ExpressionError: Hashable, Sendable {
  let message: String
  let location: SourceLocation?
}
