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
    /// The append found the log idle and leads: the thread that appended it writes its batch
    /// (see `LedBatch`).
    let ledByCaller: Bool
    let payloads: [[UInt8]]
    /// The same records built ahead, if they were built on the log's end as of this append.
    let prepared: PreparedRecords?
    /// What the appender handed along for the `DurableBatchObserver` (the registry: the events
    /// behind the payloads, so that its read view need not decode them again).
    let attachment: (any Sendable)?

    private typealias Waiter = CheckedContinuation<Result<AppendResult, EventLogError>, Never>

    private enum State {
        case pending([Waiter])
        case done(Result<AppendResult, EventLogError>)
    }

    private let state = Locked(State.pending([]))

    init(
        sequences: ClosedRange<UInt64>,
        payloads: [[UInt8]],
        prepared: PreparedRecords? = nil,
        attachment: (any Sendable)? = nil,
        ledByCaller: Bool = false
    ) {
        self.sequences = sequences
        self.payloads = payloads
        self.prepared = prepared
        self.attachment = attachment
        self.ledByCaller = ledByCaller
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
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }

    func complete(_ result: Result<AppendResult, EventLogError>) {
        let waiters = state.withLock { state -> [Waiter] in
            guard case .pending(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Bytes the records take in the file.
    let encodedSize: Int
}
