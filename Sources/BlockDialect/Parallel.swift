import Dispatch

/// Runs `body(i)` for every i in 0..<count: in order on the calling thread when `threads` is
/// 1, otherwise spread over every core.
///
/// `body` must only write to state that no other iteration touches (each chunk of a tensor
/// owns its own output range); that is what makes the unchecked hand-over below sound.
public func forEachChunk(_ count: Int, threads: Int, _ body: (Int) -> Void) {
  if threads == 1 || count <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  withoutActuallyEscaping(body) { escapable in
    let shared = UncheckedSendable(escapable)
    DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
  }
}

/// Hands a value to concurrent code whose callers guarantee there is no data race.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
