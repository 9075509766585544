import ClusterModel
import EventLog
import Foundation
import Locking
import Logging
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// The one writer of the registry: decide → append → apply, in order.
///
/// Concurrent writes are decided against the state that includes the events of appends not yet
/// durable, handed to the log's group commit, and acknowledged only once durable. Reads first wait
/// until the last append they could see is durable. If an append fails, the projection is rebuilt
/// from the log before anything else is decided, so a failed write leaves no trace.
///
/// A mutex, not an actor: a call runs on the thread that serves its connection (deciding and
/// applying take microseconds), where an actor would hop to the cooperative pool and back, two
/// thread wakeups per call. Nothing waits for durability while holding it.
public final class Registry: Sendable {
    private struct Core {
        var state: RegistryState
        var lastTicket: AppendTicket?
        /// The log's failed-batch count the projection is known to agree with; when the log
        /// reports more, the projection may hold events that were never stored.
        var knownFailedBatches: Int
        /// Writes in flight by request id, so that a retry waits for the first attempt.
        var inFlightRequests: [String: AppendTicket] = [:]
    }

    private let core: Locked<Core>
    private let log: EventLog
    private let logger: Logger
    let headSignal: HeadSignal

    public init(state: RegistryState, log: EventLog, logger: Logger) {
        self.core = Locked(Core(state: state, knownFailedBatches: log.failedBatches))
        self.log = log
        self.logger = logger
        self.headSignal = HeadSignal(head: state.lastSequence)
    }

    /// What a write returns.
    public struct WriteResult: Sendable {
        public var firstSequence: UInt64
        public var lastSequence: UInt64
        public var eventCount: Int
    }

    fileprivate enum WriteStep: Sendable {
        case done(WriteResult)
        case retryOf(AppendTicket)
        case appended(AppendTicket, eventCount: Int)
    }

    /// Decides `commands` atomically and returns once their events are durable.
    public func write(
        _ commands: [Command],
        requestID: String?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) async throws -> WriteResult {
        try await finish(try begin(commands, requestID: requestID, expectedSequence: expectedSequence, peerUID: peerUID))
    }

    /// A write decided and appended (or answered without an append), its durability still to
    /// learn from `finishNow` or `finish`.
    public struct PendingWrite: Sendable {
        fileprivate let step: WriteStep
        fileprivate let requestID: String?
    }

    /// The first half of `write`: decides `commands` and appends their events, writing and
    /// syncing the batch on this thread when the log is idle (see EventLog.enqueue).
    public func begin(
        _ commands: [Command],
        requestID: String?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) throws -> PendingWrite {
        let step = try core.withLock { core throws -> WriteStep in
            // A batch can fail between the rebuild check and the append: the log then refuses
            // the append, and the decision is taken again on the rebuilt projection.
            // A third refusal in a row goes back to the caller as a storage failure.
            var attempt = 0
            while true {
                attempt += 1
                try rebuildIfNeeded(&core)
                do {
                    return try decideAndAppend(&core, commands, requestID: requestID, expectedSequence: expectedSequence, peerUID: peerUID)
                } catch EventLogError.earlierBatchFailed where attempt < 3 {
                    continue
                }
            }
        }
        if case .appended(let ticket, _) = step, ticket.mustBeCommittedByCaller { log.commitLedBatch() }
        return PendingWrite(step: step, requestID: requestID)
    }

    /// The write's result if its batch is already durable (or failed), without waiting: nil
    /// while it is still being written.
    public func finishNow(_ write: PendingWrite) throws -> WriteResult? {
        switch write.step {
        case .done(let result):
            return result
        case .retryOf(let first):
            guard let outcome = first.outcome else { return nil }
            let result = try outcome.get()
            return WriteResult(firstSequence: result.sequences.lowerBound, lastSequence: result.sequences.upperBound, eventCount: 0)
        case .appended(let ticket, let eventCount):
            guard let outcome = ticket.outcome else { return nil }
            return try complete(ticket, outcome, eventCount: eventCount, requestID: write.requestID)
        }
    }

    /// The second half of `write`: waits until the write's batch is durable.
    public func finish(_ write: PendingWrite) async throws -> WriteResult {
        switch write.step {
        case .done:
            break
        case .retryOf(let ticket), .appended(let ticket, _):
            // Its outcome, success or failure, is what finishNow reads next.
            _ = try? await ticket.wait()
        }
        guard let result = try finishNow(write) else { preconditionFailure("a ticket's wait returned before its outcome") }
        return result
    }

    /// What an appended write's batch came to; its request id is no longer in flight.
    private func complete(
        _ ticket: AppendTicket,
        _ outcome: Result<AppendResult, EventLogError>,
        eventCount: Int,
        requestID: String?
    ) throws -> WriteResult {
        if let requestID {
            core.withLock { core in
                if core.inFlightRequests[requestID] === ticket { core.inFlightRequests.removeValue(forKey: requestID) }
            }
        }
        do {
            let result = try outcome.get()
            headSignal.advance(to: result.sequences.upperBound)
            return WriteResult(firstSequence: result.sequences.lowerBound, lastSequence: result.sequences.upperBound, eventCount: eventCount)
        } catch {
            throw Self.storageError(error)
        }
    }

    private func decideAndAppend(
        _ core: inout Core,
        _ commands: [Command],
        requestID: String?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) throws -> WriteStep {
        if let requestID {
            // In flight first: the projection already holds its id, but it is not durable yet.
            if let inFlight = core.inFlightRequests[requestID] { return .retryOf(inFlight) }
            if let last = core.state.requests[requestID] {
                return .done(WriteResult(firstSequence: last, lastSequence: last, eventCount: 0))
            }
        }
        if let expectedSequence, expectedSequence != core.state.lastSequence {
            throw DomainError.concurrencyConflict(expected: expectedSequence, actual: core.state.lastSequence)
        }
        let now = Self.nowMicroseconds()
        let context = DecisionContext(nowMicroseconds: now, peerUID: peerUID, requestID: requestID)
        // Several commands: decideAll applies each one's events before deciding the next, and
        // that state is kept (if the log numbers the events as it did) rather than built twice.
        var events: [[Event]]
        let eventCount: Int
        var decidedState: RegistryState?
        var encoded: BackgroundEncoder.Encoded?
        var encoder: BackgroundEncoder?
        if commands.count == 1 {
            events = [try decide(commands[0], state: core.state, context: context)]
            eventCount = events[0].count
        } else if commands.count < Self.backgroundEncodingThreshold {
            let decided = try decideAll(commands, applyingTo: core.state, context: context)
            (events, eventCount, decidedState) = ([decided.events], decided.events.count, decided.state)
        } else {
            // A large import: its events are encoded, and if the log is idle their records built,
            // on the other core while the rest are decided.
            let background = BackgroundEncoder(records: log.recordBuilder(commitTimeMicroseconds: now))
            var parts: [[Event]] = []
            let decided = try decideAll(commands, applyingTo: core.state, context: context, partSize: 1024) { part in
                parts.append(part)
                background.encode(part)
            }
            (events, eventCount, decidedState) = (parts, decided.eventCount, decided.state)
            encoded = background.finish()
            encoder = background
        }
        guard eventCount > 0 else {
            return .done(WriteResult(firstSequence: core.state.lastSequence, lastSequence: core.state.lastSequence, eventCount: 0))
        }
        let ticket: AppendTicket
        do {
            switch encoded {
            case .records(let prepared)?:
                ticket = try log.enqueue(prepared, leading: true, failedBatches: core.knownFailedBatches)
            case .payloads(let payloads)?:
                ticket = try log.enqueue(payloads, leading: true, failedBatches: core.knownFailedBatches)
            case nil:
                ticket = try log.enqueue(events.joined().map(EventCodec.encode), leading: true, failedBatches: core.knownFailedBatches)
            }
        } catch EventLogError.earlierBatchFailed {
            throw EventLogError.earlierBatchFailed
        } catch {
            throw Self.storageError(error)
        }
        if let decidedState, ticket.sequences.lowerBound == core.state.lastSequence + 1 {
            core.state = decidedState
        } else {
            for (offset, event) in events.joined().enumerated() {
                core.state.apply(event, sequence: ticket.sequences.lowerBound + UInt64(offset), commitTimeMicroseconds: now)
            }
        }
        if encoder != nil {
            // Freeing tens of thousands of events (their strings, one by one) takes milliseconds:
            // not here, under the lock and before the batch is written, but on another thread.
            let discarded = Discarded((events, encoder))
            (events, encoder) = ([], nil)
            Self.discardQueue.async { discarded.free() }
        }
        core.lastTicket = ticket
        if let requestID { core.inFlightRequests[requestID] = ticket }
        return .appended(ticket, eventCount: eventCount)
    }

    /// Where large writes' events are freed (see `decideAndAppend`).
    private static let discardQueue = DispatchQueue(label: "clusterd.discard", qos: .utility)

    /// Values to free on another thread: the last reference, dropped by `free()` there.
    private final class Discarded<Value>: @unchecked Sendable {
        private var value: Value?

        init(_ value: Value) {
            self.value = value
        }

        func free() {
            value = nil
        }
    }

    /// Writes of at least this many commands encode their events in the background.
    static let backgroundEncodingThreshold = 8192

    /// Encodes events handed to it, part by part in the order they came, on a queue of its own,
    /// and builds their records as it goes when the log let it (see `EventLog.recordBuilder`).
    /// Building is the larger half and must go in order; so once the deciding thread is done, it
    /// encodes the parts the queue has not reached, from the last, while the queue builds.
    private final class BackgroundEncoder: @unchecked Sendable {
        enum Encoded {
            case records(PreparedRecords)
            case payloads([[UInt8]])
        }

        /// A part's events, encoded by whichever thread claims them first.
        private final class Part: Sendable {
            private enum State {
                case waiting([Event])
                case encoding
                case encoded([[UInt8]])
            }

            private let state: Locked<State>
            private let encoded = DispatchSemaphore(value: 0)

            init(_ events: [Event]) {
                state = Locked(.waiting(events))
            }

            /// Encodes the events unless another thread already took them.
            func encodeIfWaiting() {
                let events = state.withLock { state -> [Event]? in
                    guard case .waiting(let events) = state else { return nil }
                    state = .encoding
                    return events
                }
                guard let events else { return }
                let payloads = events.map(EventCodec.encode)
                state.withLock { $0 = .encoded(payloads) }
                encoded.signal()
            }

            /// The encoded events, encoding them here if nobody has started.
            func payloads() -> [[UInt8]] {
                encodeIfWaiting()
                while true {
                    if case .encoded(let payloads) = state.withLock({ $0 }) { return payloads }
                    encoded.wait()
                }
            }
        }

        private let queue = DispatchQueue(label: "clusterd.import-encoder")
        private let group = DispatchGroup()
        /// Appended to and read on the deciding thread only.
        private var parts: [Part] = []
        /// Touched on `queue` only.
        private var records: RecordBatchBuilder?
        private var payloads: [[UInt8]] = []

        init(records: RecordBatchBuilder?) {
            self.records = records
        }

        /// Called on the deciding thread only.
        func encode(_ events: [Event]) {
            let part = Part(events)
            parts.append(part)
            queue.async(group: group) { [self] in
                let encoded = part.payloads()
                if records != nil {
                    records!.append(encoded)
                } else {
                    payloads += encoded
                }
            }
        }

        /// Helps with the parts not yet encoded, then waits for every part.
        func finish() -> Encoded {
            for part in parts.reversed() { part.encodeIfWaiting() }
            group.wait()
            return queue.sync {
                if let prepared = records.take()?.finish() { return .records(prepared) }
                return .payloads(payloads)
            }
        }
    }

    /// Runs `body` on the projection once everything it holds is durable.
    public func read<Result: Sendable>(_ body: (RegistryState) throws -> Result) async throws -> Result {
        let pending = core.withLock { core -> AppendTicket? in
            guard let ticket = core.lastTicket else { return nil }
            if ticket.outcome != nil {
                core.lastTicket = nil
                return nil
            }
            return ticket
        }
        if let pending { _ = try? await pending.wait() }
        return try core.withLock { core in
            try rebuildIfNeeded(&core)
            return try body(core.state)
        }
    }

    /// The projection, once everything it holds is durable (for snapshots).
    public func durableState() async -> RegistryState {
        while true {
            let (state, pending) = core.withLock { core -> (RegistryState, AppendTicket?) in
                if let ticket = core.lastTicket, ticket.outcome == nil { return (core.state, ticket) }
                return (core.state, nil)
            }
            guard let pending else { return state }
            _ = try? await pending.wait()
        }
    }

    /// Counts for the service status line.
    public var summary: (events: Int, companies: Int, clusters: Int) {
        core.withLock { ($0.state.eventCount, $0.state.companies.count, $0.state.clusters.count) }
    }

    /// Returns once the registry's lock could be taken (the watchdog's liveness probe).
    func awaitLock() {
        core.withLock { _ in }
    }

    /// Takes the registry's lock and never gives it back: a hung daemon, for the watchdog tests
    /// only. A thread of its own holds it, so that the daemon hangs as a real deadlock would.
    func freezeForTesting() {
        let core = self.core
        Thread.detachNewThread {
            core.withLock { _ in
                while true { sleep(3600) }
            }
        }
    }

    /// Rebuilds the projection from the log if a batch failed since it was last known good.
    private func rebuildIfNeeded(_ core: inout Core) throws {
        let failed = log.failedBatches
        guard failed != core.knownFailedBatches else { return }
        logger.warning("rebuilding the projection from the log after a failed append", metadata: ["log": "\(log.path)"])
        core.state = try RegistryReplay.replay(log, verifyingChecksums: true)
        core.knownFailedBatches = failed
        core.lastTicket = nil
    }

    static func storageError(_ error: any Error) -> VarlinkError {
        VarlinkError("\(RegistryInterfaceDefinition.name).StorageFailure", parameters: ["reason": .string("\(error)")])
    }

    static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    /// Today's date in UTC.
    static func today() -> CalendarDate {
        Timestamp(microsecondsSinceEpoch: nowMicroseconds()).localDate
    }
}
