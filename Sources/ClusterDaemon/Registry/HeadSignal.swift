import Locking

/// Wakes Watch streams when the durable end of the log moves.
final class HeadSignal: Sendable {
    private struct State {
        var head: UInt64
        var waiters: [(id: Int, after: UInt64, continuation: CheckedContinuation<UInt64, Never>)] = []
        var nextID = 0
        var closed = false
    }

    private let state: Locked<State>

    init(head: UInt64) {
        state = Locked(State(head: head))
    }

    /// The log is durable through `sequence`.
    func advance(to sequence: UInt64) {
        let ready = state.withLock { state -> [(CheckedContinuation<UInt64, Never>, UInt64)] in
            guard sequence > state.head else { return [] }
            state.head = sequence
            let ready = state.waiters.filter { $0.after < sequence }
            state.waiters.removeAll { $0.after < sequence }
            return ready.map { ($0.continuation, sequence) }
        }
        for (continuation, head) in ready { continuation.resume(returning: head) }
    }

    /// Waits until the head passes `sequence`; returns the head, or `sequence` itself once closed
    /// or when the waiting task is cancelled.
    func wait(after sequence: UInt64) async -> UInt64 {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> UInt64? in
                    if state.closed || Task.isCancelled { return sequence }
                    if state.head > sequence { return state.head }
                    state.waiters.append((id, sequence, continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<UInt64, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: sequence)
        }
    }

    /// Releases every waiter (shutdown).
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: waiter.after) }
    }

    var isClosed: Bool { state.withLock { $0.closed } }
}
