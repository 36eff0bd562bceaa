#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An error reading or writing a file: names the file (escaped) and what is wrong.
public struct TensorFileError: Error, CustomStringConvertible, Equatable {
  public let description: String

  /// An error about the file at `path`; `problem` must already be safe to print (values taken
  /// from the file escaped with ``SafeText``).
  public init(_ path: String, _ problem: String) { description = "\(SafeText.path(path)): \(problem)" }
}

/// The words for a system error number (`strerror`), e.g. "No space left on device".
public func systemErrorText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// Which kind of file a `stat` mode is, in words, for messages ("a directory", "a FIFO").
func fileKindText(_ mode: mode_t) -> String {
  switch mode & S_IFMT {
  case S_IFREG: return "a regular file"
  case S_IFDIR: return "a directory"
  case S_IFIFO: return "a FIFO (named pipe)"
  case S_IFCHR: return "a character device"
  case S_IFBLK: return "a block device"
  case S_IFSOCK: return "a socket"
  case S_IFLNK: return "a symbolic link"
  default: return "not a regular file"
  }
}

/// Identifies a file independently of the path it was reached by: its device and inode.
public struct FileIdentity: Hashable, Sendable {
  public let device: UInt64
  public let inode: UInt64

  init(_ status: stat) {
    device = UInt64(status.st_dev)
    inode = UInt64(status.st_ino)
  }
}

/// A regular file opened for reading.
///
/// The type is checked on the open descriptor before anything is read, so a FIFO, a device
/// or a directory gets a one-line error instead of a hang (the file is opened non-blocking, so
/// even opening a FIFO with no writer returns at once). Reads use `pread` and so never map the
/// file: a file that shrinks while it is read gives an error rather than a bus error, and
/// reading a tensor costs no more memory than the buffer it is read into.
public final class InputFile: @unchecked Sendable {
  /// The path the file was opened from (for messages).
  public let path: String
  /// The size in bytes when it was opened.
  public let size: Int
  /// The file's device and inode, to tell whether an output is the same file.
  public let identity: FileIdentity
  let descriptor: Int32

  /// Opens `path`, refusing anything but a regular file.
  ///
  /// - Throws: ``TensorFileError`` naming the file and the reason.
  public init(path: String) throws {
    self.path = path
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw TensorFileError(path, "cannot open: \(systemErrorText(errno))")
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let reason = systemErrorText(errno)
      close(descriptor)
      throw TensorFileError(path, "cannot read its size: \(reason)")
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      throw TensorFileError(path, "is \(fileKindText(status.st_mode)), not a regular file")
    }
    self.descriptor = descriptor
    size = Int(status.st_size)
    identity = FileIdentity(status)
  }

  deinit { close(descriptor) }

  /// Fills `buffer` with the bytes at `offset`.
  ///
  /// - Throws: ``TensorFileError`` when the file cannot be read or ends early (it shrank
  ///   since it was opened).
  public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
    var done = 0
    while done < buffer.count {
      let count = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
      if count < 0 {
        if errno == EINTR { continue }
        throw TensorFileError(path, "cannot read: \(systemErrorText(errno))")
      }
      guard count > 0 else {
        throw TensorFileError(
          path,
          "the file ended at byte \(offset + done) while reading \(buffer.count) bytes at \(offset); it changed while dialectgen read it"
        )
      }
      done += count
    }
  }

  /// The `count` bytes at `offset`.
  public func bytes(at offset: Int, count: Int) throws -> [UInt8] {
    try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
      initialized = count
    }
  }

  /// Reads a whole small file (a formatbook, a configuration, a marker): a regular file of at
  /// most `limit` bytes.
  ///
  /// - Parameter what: What the file is, for the message when it is too large ("formatbook
  ///   file").
  /// - Throws: ``TensorFileError`` naming the file and the reason.
  public static func contents(of path: String, limit: Int, what: String) throws -> [UInt8] {
    let file = try InputFile(path: path)
    guard file.size <= limit else {
      throw TensorFileError(path, "is \(file.size) bytes; a \(what) is at most \(limit) bytes")
    }
    return try file.bytes(at: 0, count: file.size)
  }
}
