import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The temporary files and directories dialectgen is writing, so that none is left behind:
/// their owners remove them on an error, and the first registration installs handlers that
/// remove every one still registered when the process is stopped.
///
/// - SIGINT, SIGTERM and SIGHUP (unless the process was started with the signal ignored) are
///   received by a `DispatchSource` on a queue of their own, so the cleanup runs as ordinary
///   code, not in signal-handler context: it takes the registry's lock (waiting for a step
///   such as "rename the temporary into place" to finish), removes every registered
///   temporary, and then dies of the same signal (exit status 128 + signal).
/// - On a crash (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT) a signal handler that only
///   makes async-signal-safe calls (`unlink`, `rmdir`, `sigaction`, `raise`) removes the
///   registered paths from a table of C strings prepared in advance, then hands the signal on
///   to the handler that was there before (the Swift runtime's backtracer, or the default).
public enum TemporaryFiles {
  /// A registered temporary.
  public struct Token: Hashable, Sendable {
    let id: Int
  }

  /// Runs `body` with the registry locked. A signal's cleanup waits until `body` returns, so a
  /// step done inside (create and register a temporary; rename it into place and forget it)
  /// is never cut in half. The lock is recursive: `body` may register and forget.
  public static func withLock<T>(_ body: () throws -> T) rethrows -> T {
    registry.lock.lock()
    defer { registry.lock.unlock() }
    return try body()
  }

  /// Registers `path`, a temporary file or directory this process created (or is about to
  /// create), for removal on a signal or a crash. `parent` is the registered directory it lies
  /// in, if any: it is forgotten with its parent.
  @discardableResult
  public static func register(_ path: String, isDirectory: Bool, in parent: Token? = nil) -> Token {
    withLock {
      registry.installHandlersIfNeeded()
      let token = Token(id: registry.nextID)
      registry.nextID += 1
      registry.entries[token.id] = Registry.Entry(
        path: path, isDirectory: isDirectory, parent: parent?.id, slot: CrashTable.shared.add(path, isDirectory))
      return token
    }
  }

  /// Forgets a temporary (it was renamed into place or removed), with everything registered
  /// inside it.
  public static func forget(_ token: Token) {
    withLock {
      guard let entry = registry.entries.removeValue(forKey: token.id) else { return }
      if let slot = entry.slot { CrashTable.shared.clear(slot) }
      for (id, child) in registry.entries where child.parent == token.id { forget(Token(id: id)) }
    }
  }

  /// Removes a temporary from the disk (a directory with everything in it) and forgets it.
  public static func remove(_ token: Token) {
    withLock {
      if let entry = registry.entries[token.id] { removeFromDisk(entry.path, isDirectory: entry.isDirectory) }
      forget(token)
    }
  }

  /// The paths registered now (for tests).
  public static var registeredPaths: [String] { withLock { registry.entries.values.map(\.path).sorted() } }

  static func removeFromDisk(_ path: String, isDirectory: Bool) {
    if isDirectory {
      try? FileManager.default.removeItem(atPath: path)
    } else {
      unlink(path)
    }
  }

  static let registry = Registry()

  final class Registry: @unchecked Sendable {
    struct Entry {
      let path: String
      let isDirectory: Bool
      let parent: Int?
      let slot: Int?
    }

    let lock = NSRecursiveLock()
    var entries: [Int: Entry] = [:]
    var nextID = 0
    var installed = false
    var sources: [DispatchSourceSignal] = []
    let queue = DispatchQueue(label: "dialectgen.signal-cleanup")

    /// Installs the handlers once (called with the lock held).
    func installHandlersIfNeeded() {
      guard !installed else { return }
      installed = true
      for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
        var current = sigaction()
        sigaction(signalNumber, nil, &current)
        // A signal the process was started with ignored (nohup, a background job) stays
        // ignored.
        if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
          continue
        }
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
        source.setEventHandler { [unowned self] in self.stop(signalNumber) }
        source.resume()
        sources.append(source)
      }
      CrashTable.shared.installHandlers()
    }

    /// Removes every temporary, then dies of `signalNumber`; keeps the lock, so nothing new is
    /// created meanwhile.
    func stop(_ signalNumber: Int32) {
      lock.lock()
      // Children first, then their directories.
      for entry in entries.values.sorted(by: { ($0.parent != nil ? 0 : 1) < ($1.parent != nil ? 0 : 1) }) {
        TemporaryFiles.removeFromDisk(entry.path, isDirectory: entry.isDirectory)
      }
      signal(signalNumber, SIG_DFL)
      var set = sigset_t()
      sigemptyset(&set)
      sigaddset(&set, signalNumber)
      pthread_sigmask(SIG_UNBLOCK, &set, nil)
      raise(signalNumber)
      _exit(128 + signalNumber)
    }
  }
}

/// The registered paths as C strings in fixed memory, for the crash handler, which may only
/// make async-signal-safe calls: it cannot take a lock, allocate or walk a directory.
///
/// A slot is published by storing its string's address last and cleared by storing nil; the
/// strings are never freed, so the handler never reads freed memory.
final class CrashTable: @unchecked Sendable {
  static let shared = CrashTable()
  static let capacity = 1024
  static let crashSignals = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]

  let paths = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
  let directories = UnsafeMutablePointer<Bool>.allocate(capacity: capacity)
  /// The handlers that were installed before, by signal number.
  let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 64)

  init() {
    paths.initialize(repeating: nil, count: Self.capacity)
    directories.initialize(repeating: false, count: Self.capacity)
    previous.initialize(repeating: sigaction(), count: 64)
  }

  /// Adds a path (called with the registry locked); nil when the table is full (the signal
  /// cleanup still knows the path).
  func add(_ path: String, _ isDirectory: Bool) -> Int? {
    for slot in 0..<Self.capacity where paths[slot] == nil {
      directories[slot] = isDirectory
      paths[slot] = strdup(path)
      return slot
    }
    return nil
  }

  func clear(_ slot: Int) { paths[slot] = nil }

  func installHandlers() {
    for signalNumber in Self.crashSignals {
      var action = sigaction()
      action.__sigaction_handler.sa_sigaction = { signalNumber, information, _ in
        CrashTable.shared.crashed(signalNumber, sentByProcess: (information?.pointee.si_code ?? 0) <= 0)
      }
      sigemptyset(&action.sa_mask)
      action.sa_flags = SA_SIGINFO
      sigaction(signalNumber, &action, previous + Int(signalNumber))
    }
  }

  /// Signal-handler context: unlinks the files, then removes the (now empty) directories,
  /// deepest first, then re-raises the signal: under the previous handler (the runtime's
  /// backtracer) for a real fault; with the default action when another process sent it
  /// (`kill -SEGV`), so that the process ends as asked rather than carrying on.
  func crashed(_ signalNumber: Int32, sentByProcess: Bool) {
    for slot in stride(from: Self.capacity - 1, through: 0, by: -1) {
      if let path = paths[slot], !directories[slot] { unlink(path) }
    }
    for _ in 0..<4 {
      for slot in stride(from: Self.capacity - 1, through: 0, by: -1) {
        if let path = paths[slot], directories[slot] { rmdir(path) }
      }
    }
    if sentByProcess {
      signal(signalNumber, SIG_DFL)
    } else {
      sigaction(signalNumber, previous + Int(signalNumber), nil)
    }
    raise(signalNumber)
  }
}
