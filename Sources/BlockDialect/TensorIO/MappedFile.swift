#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file's bytes, mapped read-only into memory: reading a tensor touches only its own pages
/// and never copies the whole file.
public final class MappedFile: @unchecked Sendable {
  /// The path the file was opened from (for messages).
  public let path: String
  /// The mapped bytes (empty for an empty file).
  public let bytes: UnsafeRawBufferPointer

  /// Maps `path` read-only.
  ///
  /// - Throws: ``TensorFileError`` when the file cannot be opened or mapped.
  public init(path: String) throws {
    self.path = path
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw TensorFileError(path, "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      throw TensorFileError(path, "cannot read its size: \(String(cString: strerror(errno)))")
    }
    guard (status.st_mode & S_IFMT) == S_IFREG else {
      throw TensorFileError(path, "not a regular file")
    }
    let size = Int(status.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
      address != MAP_FAILED
    else {
      throw TensorFileError(path, "cannot map into memory: \(String(cString: strerror(errno)))")
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }
}

/// An error reading or writing a tensor file: names the file and what is wrong.
public struct TensorFileError: Error, CustomStringConvertible, Equatable {
  public let description: String

  public init(_ path: String, _ problem: String) { description = "\(path): \(problem)" }
}
