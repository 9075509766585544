import Locking

/// What an acknowledged append got: its sequence numbers, commit time and the chain head after it.
public struct AppendResult: Sendable, Hashable {
    public var sequences: ClosedRange<UInt64>
    public var commitTimeMicroseconds: Int64
    public var chainHash: ChainHash
}

/// An append handed to the writer. Its sequence numbers are fixed when it is enqueued; `wait()`
/// returns once the records are durable, or throws if they never will be.
public final class AppendTicket: Sendable {
    public let sequences: ClosedRange<UInt64>
    /// The append found the log idle and leads: its caller must call `EventLog.commitLedBatch()`.
    let mustBeCommittedByCaller: Bool
    let payloads: [[UInt8]]
    /// The same records built ahead, if they were built on the log's end as of this append.
    let prepared: PreparedRecords?

    private typealias Waiter = CheckedContinuation<Result<AppendResult, EventLogError>, Never>

    private enum State {
        case pending([Waiter], [@Sendable (Result<AppendResult, EventLogError>) -> Void])
        /// The outcome is known and the callbacks run: waiters still wait, so that none is
        /// resumed before every callback returned.
        case completing(Result<AppendResult, EventLogError>, [Waiter])
        case done(Result<AppendResult, EventLogError>)
    }

    private let state = Locked(State.pending([], []))

    init(sequences: ClosedRange<UInt64>, payloads: [[UInt8]], prepared: PreparedRecords? = nil, mustBeCommittedByCaller: Bool = false) {
        self.sequences = sequences
        self.payloads = payloads
        self.prepared = prepared
        self.mustBeCommittedByCaller = mustBeCommittedByCaller
        self.encodedSize = prepared?.byteCount ?? payloads.reduce(0) { $0 + RecordLayout.recordSize(payloadSize: $1.count) }
    }

    /// The outcome, if the writer has already decided it.
    public var outcome: Result<AppendResult, EventLogError>? {
        state.withLock { state in
            if case .done(let result) = state { return result }
            return nil
        }
    }

    /// Waits until the records are durable.
    public func wait() async throws(EventLogError) -> AppendResult {
        if let outcome { return try outcome.get() }
        let result = await withCheckedContinuation { (continuation: Waiter) in
            let ready = state.withLock { state -> Result<AppendResult, EventLogError>? in
                switch state {
                case .pending(var waiters, let callbacks):
                    waiters.append(continuation)
                    state = .pending(waiters, callbacks)
                    return nil
                case .completing(let result, var waiters):
                    waiters.append(continuation)
                    state = .completing(result, waiters)
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }

    /// Calls `body` with the outcome once it is known: on the writer's thread, before anyone
    /// waiting in `wait()` is resumed, or at once on this thread if it is known already. The
    /// registry publishes its read view here, so that a write's acknowledgement comes after it.
    public func whenCompleted(_ body: @escaping @Sendable (Result<AppendResult, EventLogError>) -> Void) {
        let known = state.withLock { state -> Result<AppendResult, EventLogError>? in
            switch state {
            case .pending(let waiters, var callbacks):
                callbacks.append(body)
                state = .pending(waiters, callbacks)
                return nil
            case .completing(let result, _), .done(let result):
                return result
            }
        }
        if let known { body(known) }
    }

    func complete(_ result: Result<AppendResult, EventLogError>) {
        let callbacks = state.withLock { state -> [@Sendable (Result<AppendResult, EventLogError>) -> Void] in
            guard case .pending(let waiters, let callbacks) = state else { return [] }
            state = .completing(result, waiters)
            return callbacks
        }
        for callback in callbacks { callback(result) }
        let waiters = state.withLock { state -> [Waiter] in
            guard case .completing(let result, let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Bytes the records take in the file.
    let encodedSize: Int
}
