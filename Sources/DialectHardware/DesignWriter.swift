import BlockDialect
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Writes a command's files into a directory all at once, without ever destroying anything
/// dialectgen did not write.
///
/// The files go into a fresh temporary directory beside the target (registered with
/// ``TemporaryFiles``, so an error, SIGINT, SIGTERM, SIGHUP or a crash removes it), together
/// with a marker file, `.dialectgen-output`, that names the command and lists every file it
/// wrote; the temporary directory is then swapped with the target in one atomic step (Linux
/// `renameat2` with `RENAME_EXCHANGE`; two renames where that is missing) and the old contents
/// removed. So a failure leaves the old output untouched and no partial new one.
///
/// A directory that already exists is replaced only when it is empty, or when its marker says
/// the same command wrote it and it holds nothing but the files the marker lists: a directory
/// of the user's files, one with an unknown file added, or the output of another command
/// (`vectors` over an emitted RTL directory) is refused with a message that says what to do.
public enum DesignWriter {
  /// The marker file's name.
  public static let markerName = ".dialectgen-output"
  /// The largest marker read.
  static let largestMarker = 1 << 24
  /// The most entries a directory may hold to be checked (more is not an output of ours).
  static let largestDirectory = 100_000

  /// Writes `files` (paths relative to `directory`, `/` separating subdirectories) as the
  /// complete contents of `directory`.
  ///
  /// - Parameter command: The command writing it, e.g. `"dialectgen emit"`: recorded in the
  ///   marker and required of an existing output before it is replaced.
  /// - Throws: ``ConfigurationError`` naming the directory (and the file) when it cannot be
  ///   written, the cause in words, or why it is refused.
  public static func write(
    _ files: [(name: String, contents: String)], to directory: String, writtenBy command: String
  ) throws {
    try write(binary: files.map { ($0.name, Array($0.contents.utf8)) }, to: directory, writtenBy: command)
  }

  /// Writes `files` (bytes, paths relative to `directory`) as the complete contents of
  /// `directory`, as ``write(_:to:writtenBy:)`` writes text.
  public static func write(
    binary files: [(name: String, bytes: [UInt8])], to directory: String, writtenBy command: String
  ) throws {
    let target = try checkedTarget(directory, command: command, createParent: true)
    let pid = getpid()
    let (staging, token) = try TemporaryFiles.withLock { () throws -> (String, TemporaryFiles.Token) in
      for attempt in 0..<100 {
        let candidate = "\(target.parent)/.\(target.name).dialectgen-\(pid)" + (attempt == 0 ? "" : "-\(attempt)")
        let token = TemporaryFiles.register(candidate, isDirectory: true)
        if mkdir(candidate, 0o777) == 0 { return (candidate, token) }
        let code = errno
        TemporaryFiles.forget(token)
        guard code == EEXIST else {
          throw ConfigurationError(
            "cannot write \(SafeText.path(directory)): cannot create a directory in \(SafeText.path(target.parent)): \(systemErrorText(code))"
          )
        }
      }
      throw ConfigurationError(
        "cannot write \(SafeText.path(directory)): no free temporary name in \(SafeText.path(target.parent))")
    }
    do {
      var made = Set<String>()
      for file in files {
        let components = file.name.split(separator: "/", omittingEmptySubsequences: false)
        precondition(
          !components.isEmpty && components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
            && file.name != markerName, "bad output file name \(file.name)")
        var folder = staging
        for component in components.dropLast() {
          folder += "/" + component
          if made.insert(folder).inserted {
            TemporaryFiles.register(folder, isDirectory: true, in: token)
            guard mkdir(folder, 0o777) == 0 else { throw failure(directory, "\(file.name)", errno) }
          }
        }
        try writeFile(staging + "/" + file.name, file.bytes, token: token, report: directory, name: file.name)
      }
      let marker = JSONValue.object([
        ("written_by", .string(command)),
        ("note", .string("\(command) replaces this directory only while it holds nothing but these files")),
        ("files", .array(files.map(\.name).sorted().map { .string($0) })),
      ])
      try writeFile(
        staging + "/" + markerName, Array((marker.formatted() + "\n").utf8), token: token, report: directory,
        name: markerName)
      try swap(staging, token: token, into: target, directory: directory, command: command)
    } catch {
      TemporaryFiles.remove(token)
      throw error
    }
  }

  /// Checks, before a long job, that ``write(_:to:writtenBy:)`` will be able to write
  /// `directory`, so that a mistake is reported at once rather than after the work.
  ///
  /// - Throws: ``ConfigurationError`` as ``write(_:to:writtenBy:)`` would.
  public static func checkWritable(_ directory: String, writtenBy command: String) throws {
    let target = try checkedTarget(directory, command: command, createParent: false)
    // The nearest existing ancestor must take new entries.
    var ancestor = target.parent
    var status = stat()
    while stat(ancestor, &status) != 0, ancestor != "/", !ancestor.isEmpty {
      ancestor = (ancestor as NSString).deletingLastPathComponent
      if ancestor.isEmpty { ancestor = "." }
    }
    guard status.st_mode & S_IFMT == S_IFDIR else {
      throw ConfigurationError("cannot write \(SafeText.path(directory)): \(SafeText.path(ancestor)) is a file")
    }
    guard access(ancestor, W_OK) == 0 else {
      throw ConfigurationError(
        "cannot write \(SafeText.path(directory)): \(SafeText.path(ancestor)): \(systemErrorText(errno))")
    }
  }

  /// Claims `directory` for files a command writes directly (a work directory): it must be
  /// missing, empty or marked as this command's, and neither inside nor around `output` (the
  /// command's output directory); it is created if missing and marked.
  ///
  /// - Throws: ``ConfigurationError`` when the directory holds anything else.
  public static func claimWorkDirectory(_ directory: String, writtenBy command: String, awayFrom output: String) throws
  {
    let work = URL(fileURLWithPath: directory).standardized.path + "/"
    let out = URL(fileURLWithPath: output).standardized.path + "/"
    guard !work.hasPrefix(out) && !out.hasPrefix(work) else {
      throw ConfigurationError(
        "the work directory \(SafeText.path(directory)) and the output directory \(SafeText.path(output)) overlap; give them separate places"
      )
    }
    let target = try checkedTarget(directory, command: command, createParent: true, listedOnly: false)
    if !target.exists {
      guard mkdir(target.path, 0o777) == 0 || errno == EEXIST else {
        throw failure(directory, nil, errno)
      }
    }
    let marker = JSONValue.object([
      ("written_by", .string(command)),
      ("note", .string("a work directory of \(command); anything in it may be replaced")),
      ("files", .null),
    ])
    do {
      try AtomicFile.write(marker.formatted() + "\n", to: target.path + "/" + markerName)
    } catch let error as TensorFileError {
      throw ConfigurationError(error.description)
    }
  }

  /// A target directory after following links, checked.
  struct Target {
    let path: String
    let parent: String
    let name: String
    let exists: Bool
  }

  /// Resolves `directory` and checks that it may be replaced by `command`'s output.
  ///
  /// - Parameter listedOnly: Whether every file must be listed in the marker (false for a
  ///   work directory, whose marker lists none).
  static func checkedTarget(
    _ directory: String, command: String, createParent: Bool, listedOnly: Bool = true
  ) throws -> Target {
    guard !directory.isEmpty else { throw ConfigurationError("cannot write an output directory with an empty name") }
    var path = directory
    var status = stat()
    if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
      guard let real = realpath(path, nil) else {
        throw ConfigurationError(
          "cannot write \(SafeText.path(directory)): it is a symbolic link to a missing directory; remove the link or choose another directory"
        )
      }
      path = String(cString: real)
      free(real)
    }
    let standardized = URL(fileURLWithPath: path).standardized
    guard standardized.path != "/" else {
      throw ConfigurationError("refusing to replace \(SafeText.path(directory)): it is the root directory")
    }
    let parent = standardized.deletingLastPathComponent().path
    let name = standardized.lastPathComponent
    var parentStatus = stat()
    if stat(parent, &parentStatus) != 0 {
      guard errno == ENOENT else { throw failure(directory, nil, errno) }
      if createParent {
        do {
          try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
          throw ConfigurationError(
            "cannot write \(SafeText.path(directory)): cannot create its parent directory \(SafeText.path(parent))")
        }
      } else if let file = existingFileAncestor(of: parent) {
        throw ConfigurationError("cannot write \(SafeText.path(directory)): \(SafeText.path(file)) is a file")
      }
    } else if parentStatus.st_mode & S_IFMT != S_IFDIR {
      throw ConfigurationError("cannot write \(SafeText.path(directory)): \(SafeText.path(parent)) is a file")
    }
    let full = standardized.path
    guard stat(full, &status) == 0 else {
      guard errno == ENOENT || errno == ENOTDIR else { throw failure(directory, nil, errno) }
      return Target(path: full, parent: parent, name: name, exists: false)
    }
    guard status.st_mode & S_IFMT == S_IFDIR else {
      let kind = status.st_mode & S_IFMT == S_IFREG ? "a file" : "not a directory"
      throw ConfigurationError("cannot write \(SafeText.path(directory)): it is \(kind); --out names a directory")
    }
    try checkReplaceable(full, shownAs: directory, command: command, listedOnly: listedOnly)
    return Target(path: full, parent: parent, name: name, exists: true)
  }

  /// The nearest ancestor of `path` that exists and is not a directory, if any.
  private static func existingFileAncestor(of path: String) -> String? {
    var current = path
    var status = stat()
    while !current.isEmpty, current != "/" {
      if stat(current, &status) == 0 { return status.st_mode & S_IFMT == S_IFDIR ? nil : current }
      current = (current as NSString).deletingLastPathComponent
    }
    return nil
  }

  /// Refuses unless `path` (an existing directory) is empty or holds only what an earlier run
  /// of `command` wrote.
  static func checkReplaceable(_ path: String, shownAs directory: String, command: String, listedOnly: Bool) throws {
    let shown = SafeText.path(directory)
    let entries = try listing(path, shownAs: directory)
    guard !entries.isEmpty else { return }
    let advice = "choose a new or empty directory, or move its contents away first"
    guard entries.contains(where: { $0.path == markerName && $0.isRegular }) else {
      throw ConfigurationError(
        "refusing to replace \(shown): it is not empty and has no \(markerName) marker, so \(command) did not write it; \(advice)"
      )
    }
    let marker: JSONValue
    do {
      marker = try JSONValue.parse(
        try InputFile.contents(of: path + "/" + markerName, limit: largestMarker, what: "marker"))
    } catch {
      throw ConfigurationError("refusing to replace \(shown): its \(markerName) marker cannot be read; \(advice)")
    }
    guard let writer = marker["written_by"]?.stringValue, writer == command else {
      let other =
        marker["written_by"]?.stringValue.map { "the output of '\(SafeText.escape($0))'" } ?? "an unknown output"
      throw ConfigurationError(
        "refusing to replace \(shown): it holds \(other), not of '\(command)'; choose another directory for \(command)")
    }
    guard listedOnly else { return }
    let listed = Set((marker["files"]?.arrayValue ?? []).compactMap(\.stringValue))
    var folders = Set<String>()
    for file in listed {
      var components = file.split(separator: "/").dropLast()
      while !components.isEmpty {
        folders.insert(components.joined(separator: "/"))
        components = components.dropLast()
      }
    }
    for entry in entries where entry.path != markerName {
      let ours = entry.isDirectory ? folders.contains(entry.path) : entry.isRegular && listed.contains(entry.path)
      guard ours else {
        throw ConfigurationError(
          "refusing to replace \(shown): it holds \(SafeText.escape(entry.path)), which \(command) did not write; move it away or choose another directory"
        )
      }
    }
  }

  /// Every entry under `path` (relative paths), without following links.
  private static func listing(_ path: String, shownAs directory: String) throws -> [(
    path: String, isDirectory: Bool, isRegular: Bool
  )] {
    var result: [(path: String, isDirectory: Bool, isRegular: Bool)] = []
    var pending = [""]
    while let relative = pending.popLast() {
      let folder = relative.isEmpty ? path : path + "/" + relative
      guard let stream = opendir(folder) else { throw failure(directory, relative.isEmpty ? nil : relative, errno) }
      defer { closedir(stream) }
      while let item = readdir(stream) {
        let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
          String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let entry = relative.isEmpty ? name : relative + "/" + name
        var status = stat()
        guard lstat(path + "/" + entry, &status) == 0 else { throw failure(directory, entry, errno) }
        let kind = status.st_mode & S_IFMT
        result.append((entry, kind == S_IFDIR, kind == S_IFREG))
        if kind == S_IFDIR { pending.append(entry) }
        guard result.count <= largestDirectory else {
          throw ConfigurationError(
            "refusing to replace \(SafeText.path(directory)): it holds more than \(largestDirectory) entries; choose a new or empty directory"
          )
        }
      }
    }
    return result
  }

  /// Writes one file of the output into the temporary directory.
  private static func writeFile(
    _ path: String, _ bytes: [UInt8], token: TemporaryFiles.Token, report: String, name: String
  )
    throws
  {
    TemporaryFiles.register(path, isDirectory: false, in: token)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw failure(report, name, errno) }
    defer { close(descriptor) }
    var done = 0
    while done < bytes.count {
      let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, bytes.count - done) }
      if count < 0 {
        if errno == EINTR { continue }
        throw failure(report, name, errno)
      }
      done += count
    }
  }

  /// Puts the temporary directory in the target's place and removes what was there.
  private static func swap(
    _ staging: String, token: TemporaryFiles.Token, into initial: Target, directory: String, command: String
  ) throws {
    let retired = try TemporaryFiles.withLock { () throws -> TemporaryFiles.Token? in
      // Checked again: the directory may have changed during the work.
      let target = try checkedTarget(directory, command: command, createParent: true)
      guard target.exists else {
        guard rename(staging, target.path) == 0 else { throw failure(directory, nil, errno) }
        TemporaryFiles.forget(token)
        return nil
      }
      if let exchange = renameExchange {
        if exchange(AT_FDCWD, staging, AT_FDCWD, target.path, 2) == 0 {
          // The temporary name now holds the old contents.
          TemporaryFiles.forget(token)
          return TemporaryFiles.register(staging, isDirectory: true)
        }
        guard errno == EINVAL || errno == ENOSYS else { throw failure(directory, nil, errno) }
      }
      let old = staging + ".old"
      let oldToken = TemporaryFiles.register(old, isDirectory: true)
      guard rename(target.path, old) == 0 else {
        let code = errno
        TemporaryFiles.forget(oldToken)
        throw failure(directory, nil, code)
      }
      guard rename(staging, target.path) == 0 else {
        let code = errno
        rename(old, target.path)
        TemporaryFiles.forget(oldToken)
        throw failure(directory, nil, code)
      }
      TemporaryFiles.forget(token)
      return oldToken
    }
    if let retired { TemporaryFiles.remove(retired) }
  }

  /// `renameat2`, looked up at run time (Swift's Glibc module does not declare it).
  private typealias RenameAt2 =
    @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
  private static let renameExchange: RenameAt2? = dlsym(nil, "renameat2").map { unsafeBitCast($0, to: RenameAt2.self) }

  /// An I/O failure in words: the directory, the file (if any) and the cause.
  private static func failure(_ directory: String, _ file: String?, _ code: Int32) -> ConfigurationError {
    let place = file.map { "\(SafeText.path(directory))/\(SafeText.escape($0))" } ?? SafeText.path(directory)
    return ConfigurationError("cannot write \(place): \(systemErrorText(code))")
  }
}
