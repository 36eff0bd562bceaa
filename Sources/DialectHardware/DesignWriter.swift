import Foundation

/// Writes a design's files into a directory all at once: into a fresh temporary directory
/// beside it, then swapped into place, so a failure leaves the old output untouched and no
/// partial new one. A directory that holds anything but a previous dialectgen output is never
/// replaced.
public enum DesignWriter {
  /// Writes `files` as the complete contents of `directory`.
  ///
  /// - Throws: ``ConfigurationError`` naming the directory when it cannot be written or is
  ///   not a previous output.
  public static func write(_ files: [(name: String, contents: String)], to directory: String) throws {
    let (target, parent, exists) = try check(directory)
    let manager = FileManager.default
    let staging = parent + "/.\(target.lastPathComponent).emit-\(getpid())"
    let retired = parent + "/.\(target.lastPathComponent).old-\(getpid())"
    do {
      try manager.createDirectory(atPath: staging, withIntermediateDirectories: false)
    } catch {
      throw ConfigurationError("cannot write \(directory): \(parent) is not writable")
    }
    do {
      for file in files {
        let folder = URL(fileURLWithPath: staging + "/" + file.name).deletingLastPathComponent().path
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard manager.createFile(atPath: staging + "/" + file.name, contents: Data(file.contents.utf8)) else {
          throw ConfigurationError("cannot write \(directory)/\(file.name)")
        }
      }
      if exists { try manager.moveItem(atPath: target.path, toPath: retired) }
      try manager.moveItem(atPath: staging, toPath: target.path)
      if exists { try? manager.removeItem(atPath: retired) }
    } catch {
      try? manager.removeItem(atPath: staging)
      if exists, !manager.fileExists(atPath: target.path) {
        try? manager.moveItem(atPath: retired, toPath: target.path)
      }
      if let error = error as? ConfigurationError { throw error }
      throw ConfigurationError("cannot write \(directory): \(error.localizedDescription)")
    }
  }

  /// Checks, before a long job, that ``write(_:to:)`` will be able to write `directory`, so
  /// that a mistake is reported at once rather than after the work.
  ///
  /// - Throws: ``ConfigurationError`` as ``write(_:to:)`` would.
  public static func checkWritable(_ directory: String) throws {
    let manager = FileManager.default
    let (_, parent, _) = try check(directory, createParent: false)
    // The nearest existing ancestor must take new entries.
    var ancestor = URL(fileURLWithPath: parent)
    while !manager.fileExists(atPath: ancestor.path), ancestor.path != "/" { ancestor.deleteLastPathComponent() }
    var isDirectory: ObjCBool = false
    guard manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw ConfigurationError("cannot write \(directory): \(ancestor.path) is a file")
    }
    guard manager.isWritableFile(atPath: ancestor.path) else {
      throw ConfigurationError("cannot write \(directory): \(ancestor.path) is not writable")
    }
  }

  /// The target, its parent (created if missing and `createParent`) and whether the target
  /// exists, after the checks shared by writing and ``checkWritable(_:)``.
  private static func check(
    _ directory: String, createParent: Bool = true
  ) throws -> (target: URL, parent: String, exists: Bool) {
    let manager = FileManager.default
    let target = URL(fileURLWithPath: directory).standardized
    let parent = target.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    if !manager.fileExists(atPath: parent, isDirectory: &isDirectory) {
      guard createParent else { return (target, parent, false) }
      do {
        try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
      } catch {
        throw ConfigurationError("cannot write \(directory): cannot create its parent directory \(parent)")
      }
    } else if !isDirectory.boolValue {
      throw ConfigurationError("cannot write \(directory): \(parent) is a file")
    }
    let exists = manager.fileExists(atPath: target.path, isDirectory: &isDirectory)
    if exists {
      guard isDirectory.boolValue else { throw ConfigurationError("cannot write \(directory): it is a file") }
      let contents = (try? manager.contentsOfDirectory(atPath: target.path)) ?? []
      guard contents.isEmpty || contents.contains("manifest.json") else {
        throw ConfigurationError(
          "refusing to replace \(directory): it holds files but no manifest.json from an earlier emit; choose an empty or new directory"
        )
      }
    }
    return (target, parent, exists)
  }
}
