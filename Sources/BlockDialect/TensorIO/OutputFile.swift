#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An output that is the same file as an input (by device and inode).
public struct SameFileError: Error, CustomStringConvertible {
  /// The output path as given.
  public let output: String
  /// The input's path as given.
  public let input: String

  public var description: String {
    "\(SafeText.path(output)) is the same file as the input \(SafeText.path(input)); choose another output name"
  }
}

/// Where an output file will go, checked so that writing it can never destroy the user's data.
///
/// - The path is resolved: a symbolic link to a regular file is followed (the link stays and
///   its target is replaced), a dangling link or a link to anything else is refused.
/// - What is there must be a regular file or nothing: a directory, a FIFO, a device or a socket
///   is never replaced.
/// - It must not be any of the inputs, compared by device and inode, not by name: `.//in`,
///   `sub/../in`, a hard link, a symbolic link to the input or a directory link all count as
///   the input.
/// - Its directory must exist.
public struct OutputDestination: Sendable {
  /// The path as given (for messages).
  public let path: String
  /// The directory the file goes into, after following a link to the file.
  public let directory: String
  /// The file's name in that directory.
  public let name: String
  /// The permission bits of the file being replaced, if there is one.
  let existingMode: mode_t?

  /// Checks `path` as a destination that must not be any of `inputs`.
  ///
  /// - Throws: ``SameFileError`` when it is one of the inputs, ``TensorFileError`` naming the
  ///   path and what else is wrong with it.
  public init(_ path: String, inputs: [InputFile] = []) throws {
    self.path = path
    guard !path.isEmpty else { throw TensorFileError(path, "cannot write: the output path is empty") }
    guard !path.hasSuffix("/") else {
      throw TensorFileError(path, "cannot write: the path names a directory; give a file name")
    }
    var resolved = path
    var status = stat()
    if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK {
      guard stat(path, &status) == 0, let real = realpath(path, nil) else {
        throw TensorFileError(
          path, "cannot write: it is a symbolic link to a missing file; remove the link or choose another name")
      }
      resolved = String(cString: real)
      free(real)
    }
    let exists: Bool
    if stat(resolved, &status) == 0 {
      exists = true
    } else if errno == ENOENT {
      exists = false
    } else {
      throw TensorFileError(path, "cannot write: \(systemErrorText(errno))")
    }
    if exists {
      guard status.st_mode & S_IFMT == S_IFREG else {
        throw TensorFileError(
          path, "cannot write: it is \(fileKindText(status.st_mode)); dialectgen only replaces regular files")
      }
      let identity = FileIdentity(status)
      if let input = inputs.first(where: { $0.identity == identity }) {
        throw SameFileError(output: path, input: input.path)
      }
      existingMode = status.st_mode & 0o777
    } else {
      existingMode = nil
    }
    let slash = resolved.lastIndex(of: "/")
    directory = slash.map { $0 == resolved.startIndex ? "/" : String(resolved[..<$0]) } ?? "."
    name = slash.map { String(resolved[resolved.index(after: $0)...]) } ?? resolved
    guard name != "." && name != ".." else {
      throw TensorFileError(path, "cannot write: the path names a directory; give a file name")
    }
    var directoryStatus = stat()
    guard stat(directory, &directoryStatus) == 0 else {
      throw TensorFileError(path, "cannot write: directory \(SafeText.path(directory)) does not exist")
    }
    guard directoryStatus.st_mode & S_IFMT == S_IFDIR else {
      throw TensorFileError(path, "cannot write: \(SafeText.path(directory)) is not a directory")
    }
  }

  /// The destination's full path after following links.
  public var resolvedPath: String { directory == "/" ? "/" + name : directory + "/" + name }
}

/// A file written safely: into a temporary file beside the destination (registered with
/// ``TemporaryFiles``, so a signal or a crash removes it), moved into place by a rename only
/// when everything was written. Writes are `pwrite`s at given offsets, so several threads may
/// write their parts at once.
public final class OutputFile: @unchecked Sendable {
  public let destination: OutputDestination
  /// The inputs the destination must not be (checked again right before the rename).
  let inputs: [InputFile]
  let temporaryPath: String
  let descriptor: Int32
  let token: TemporaryFiles.Token
  private var finished = false

  /// Checks the destination and creates the temporary file.
  ///
  /// - Throws: ``TensorFileError`` naming the path and what is wrong.
  public init(_ path: String, inputs: [InputFile] = []) throws {
    let destination = try OutputDestination(path, inputs: inputs)
    self.destination = destination
    self.inputs = inputs
    let mode = destination.existingMode ?? 0o666
    let stem = Self.shortened(destination.name, bytes: 160)
    let pid = getpid()
    let (descriptor, temporaryPath, token) = try TemporaryFiles.withLock {
      () throws -> (Int32, String, TemporaryFiles.Token) in
      for attempt in 0..<100 {
        let suffix = attempt == 0 ? "" : "-\(attempt)"
        let candidate = destination.directory + "/." + stem + ".tmp-\(pid)" + suffix
        let token = TemporaryFiles.register(candidate, isDirectory: false)
        let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if descriptor >= 0 { return (descriptor, candidate, token) }
        let code = errno
        TemporaryFiles.forget(token)
        guard code == EEXIST else {
          throw TensorFileError(
            path,
            "cannot write: cannot create a file in \(SafeText.path(destination.directory)): \(systemErrorText(code))")
        }
      }
      throw TensorFileError(
        path, "cannot write: cannot find a free temporary name in \(SafeText.path(destination.directory))")
    }
    self.descriptor = descriptor
    self.temporaryPath = temporaryPath
    self.token = token
    if let existing = destination.existingMode { fchmod(descriptor, existing & 0o777) }
  }

  deinit {
    if !finished { discard() }
  }

  /// Writes `bytes` at `offset`.
  ///
  /// - Throws: ``TensorFileError`` naming the destination and the cause ("No space left on
  ///   device").
  public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
    var done = 0
    while done < bytes.count {
      let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
      if count < 0 {
        if errno == EINTR { continue }
        throw TensorFileError(destination.path, "cannot write: \(systemErrorText(errno))")
      }
      done += count
    }
  }

  /// Writes `bytes` at `offset`.
  public func write(_ bytes: [UInt8], at offset: Int) throws {
    try bytes.withUnsafeBytes { try write($0, at: offset) }
  }

  /// Closes the file and renames it into place, after checking once more that the destination
  /// is still not an input and still a regular file or nothing.
  ///
  /// - Throws: ``TensorFileError``; the temporary file is removed.
  public func commit() throws {
    precondition(!finished, "committed twice")
    do {
      guard close(descriptor) == 0 else {
        throw TensorFileError(destination.path, "cannot write: \(systemErrorText(errno))")
      }
      finished = true
      try TemporaryFiles.withLock {
        _ = try OutputDestination(destination.path, inputs: inputs)
        guard rename(temporaryPath, destination.resolvedPath) == 0 else {
          throw TensorFileError(destination.path, "cannot write: \(systemErrorText(errno))")
        }
        TemporaryFiles.forget(token)
      }
    } catch {
      finished = true
      TemporaryFiles.remove(token)
      throw error
    }
  }

  /// Closes and removes the temporary file.
  public func discard() {
    guard !finished else { return }
    finished = true
    close(descriptor)
    TemporaryFiles.remove(token)
  }

  /// `text` cut to at most `bytes` UTF-8 bytes, at a character boundary.
  static func shortened(_ text: String, bytes: Int) -> String {
    var out = ""
    var count = 0
    for character in text {
      count += character.utf8.count
      guard count <= bytes else { break }
      out.append(character)
    }
    return out
  }
}

/// Writes whole small files atomically (a fitted formatbook, a report) through ``OutputFile``.
public enum AtomicFile {
  /// Writes `bytes` to `path`, which must not be any of `inputs`.
  public static func write(_ bytes: [UInt8], to path: String, inputs: [InputFile] = []) throws {
    let file = try OutputFile(path, inputs: inputs)
    do {
      try file.write(bytes, at: 0)
    } catch {
      file.discard()
      throw error
    }
    try file.commit()
  }

  /// Writes `text` to `path`, which must not be any of `inputs`.
  public static func write(_ text: String, to path: String, inputs: [InputFile] = []) throws {
    try write(Array(text.utf8), to: path, inputs: inputs)
  }
}
