import Foundation

/// The repository root, found from this file's path (Tests/TestSupport/TemporaryDirectory.swift).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory for one test, removed when the value goes away.
public final class TemporaryDirectory {
  public let url: URL
  public var path: String { url.path }

  public init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "dialectgen-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  /// The path of `name` inside the directory.
  public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes `bytes` to `name` and returns its path.
  @discardableResult
  public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = file(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Writes `text` to `name` and returns its path.
  @discardableResult
  public func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }

  /// The names in the directory.
  public var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}
