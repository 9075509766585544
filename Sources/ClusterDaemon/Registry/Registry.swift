import ClusterModel
import EventLog
import Locking
import Logging
import Varlink

/// The one writer of the registry, and the read view it publishes.
///
/// Writes: decide → append → (durable) → apply to a copy of the view → publish → acknowledge.
/// A write is decided against the *decided* projection, which includes the events of appends not
/// yet durable, under the writer lock; its events go to the log's group commit, attached to the
/// append. The log's writer thread makes the batch durable (one `fdatasync`), then hands the
/// batch to `applyDurable` (the log's `DurableBatchObserver`), which applies its events, with the
/// commit time their records hold, to a copy of the read view and publishes that, once per
/// batch; only then are the batch's callers woken. If an append fails, the decided
/// projection goes back to the published one (or is replayed from the log) before anything else
/// is decided.
///
/// Reads: `view` is the projection after the last durable batch, an immutable value. Taking it
/// costs a few retains under a lock held for nothing else; the query then runs on the caller with
/// no lock held, so a slow read never delays a write, and no read ever sees an event that a
/// restart would not show. `RegistryState` is persistent (hash tries): publishing is an O(1) copy,
/// and the next batch copies only the paths it changes. The decided projection is never shared
/// with a view (each side applies the events itself), so the writer changes it in place.
///
/// A mutex, not an actor, guards the writer side: deciding and applying one command take
/// microseconds, and an actor would hop to the cooperative pool and back, two thread wakeups per
/// call. Nothing blocks while holding it: no I/O, no wait for durability.
public final class Registry: Sendable {
    private struct Writer {
        /// The projection with every appended event, durable or not: what commands are decided on.
        var decided: RegistryState
        /// The log's failed-batch count the decided projection is known to agree with; when the
        /// log reports more, it may hold events that were never stored.
        var knownFailedBatches: Int
        /// Writes in flight by request id, so that a retry waits for the first attempt.
        var inFlightRequests: [String: InFlightRequest] = [:]
    }

    private let writer: Locked<Writer>
    /// The published read view, the projection at the log's durable end: replaced only by
    /// `applyDurable`, on the log's writer thread, one batch after another.
    private let published: Locked<RegistryState>
    private let log: EventLog
    private let logger: Logger
    /// Where writes too large to decide on an event loop are decided (imports).
    private let largeWrites: BlockingWorkPool
    let headSignal: HeadSignal

    /// Writes of more commands than this are decided on `largeWrites`, not on the caller's thread
    /// (an event loop): deciding one command takes 1–5 µs, so this keeps the caller under ~100 µs.
    public static let inlineDecisionLimit = 32

    public init(state: RegistryState, log: EventLog, logger: Logger) {
        self.writer = Locked(Writer(decided: state, knownFailedBatches: log.failedBatches))
        self.published = Locked(state)
        self.log = log
        self.logger = logger
        self.largeWrites = BlockingWorkPool(name: "clusterd-import", threads: 1)
        self.headSignal = HeadSignal(head: state.lastSequence)
        log.observeDurableBatches { [weak self] appends in self?.applyDurable(appends) ?? nil }
    }

    /// What a write returns.
    public struct WriteResult: Sendable {
        public var firstSequence: UInt64
        public var lastSequence: UInt64
        public var eventCount: Int
    }

    // MARK: Reads

    /// The projection after the last durable write. Never waits for the writer.
    public var view: RegistryState { published.withLock { $0 } }

    /// Counts for the service status line, from the read view.
    public var summary: (events: Int, companies: Int, clusters: Int) {
        let view = self.view
        return (view.eventCount, view.companies.count, view.clusters.count)
    }

    /// The last sequence number decided (appended, maybe not yet durable).
    public var decidedSequence: UInt64 { writer.withLock { $0.decided.lastSequence } }

    /// The events of an append, attached to it for `applyDurable`, which takes them out: they
    /// are then freed off the writer thread, not wherever the append's last reference goes
    /// (an event loop, for an import's tens of thousands).
    ///
    /// Unchecked: `parts` is set before the append is handed to the log and changed after that
    /// only by `applyDurable`, on the log's writer thread; the log's lock, taken by the append and
    /// by the writer taking its batch, orders the two. (A lock of its own cost a mutex per write.)
    private final class AttachedEvents: @unchecked Sendable {
        var parts: [[Event]]
        init(_ parts: [[Event]]) { self.parts = parts }

        func take() -> [[Event]] {
            defer { parts = [] }
            return parts
        }
    }

    /// Applies a durable batch to the read view and publishes the result: called by the log's
    /// writer thread, in sequence order, before the batch's appends are acknowledged. Only this
    /// thread publishes, so the view it starts from is the durable end before the batch.
    /// Returns what to free once they are acknowledged: the previous view's own nodes, and the
    /// batch's events.
    private func applyDurable(_ appends: [EventLog.DurableAppend]) -> (any Sendable)? {
        guard let last = appends.last?.sequences.upperBound else { return nil }
        var taken: [[[Event]]] = []
        var state = view
        for append in appends {
            var sequence = append.sequences.lowerBound
            let parts: [[Event]]
            if let attached = append.attachment as? AttachedEvents {
                parts = attached.take()
                taken.append(parts)
            } else {
                // Appended by someone else than this registry (a test): read from the records.
                parts = [append.payloads.compactMap { payload in
                    do {
                        return try EventCodec.decode(payload)
                    } catch {
                        logger.critical("a durable record does not decode; the read view skips it", metadata: ["error": "\(error)"])
                        return nil
                    }
                }]
            }
            for event in parts.joined() {
                state.apply(event, sequence: sequence, commitTimeMicroseconds: append.commitTimeMicroseconds)
                sequence += 1
            }
        }
        let previous = published.withLock { published -> RegistryState in
            defer { published = state }
            return published
        }
        headSignal.advance(to: last)
        // The events and the nodes the old view alone held: a small batch's are freed by the
        // writer thread once its appends are acknowledged; an import's are no work for it at all.
        if appends.reduce(0, { $0 + $1.payloads.count }) > Self.inlineDecisionLimit {
            Discarded.freeLater((previous, taken))
            return nil
        }
        return (previous, taken)
    }

    // MARK: Writes

    private struct InFlightRequest {
        var ticket: AppendTicket
        var fingerprint: RequestFingerprint
    }

    fileprivate enum WriteStep: Sendable {
        case done(WriteResult)
        case retryOf(AppendTicket)
        /// The request id is in flight with other content: refused once that write's outcome is
        /// known (its sequence number is only told once durable).
        case reuseOf(AppendTicket, requestID: String)
        case appended(AppendTicket, eventCount: Int)
    }

    /// A write decided and appended (or answered without an append), its durability still to
    /// learn from `finishNow` or `finish`.
    public struct PendingWrite: Sendable {
        fileprivate let step: WriteStep
        fileprivate let requestID: String?
    }

    /// Decides `commands` atomically and returns once their events are durable and visible to
    /// reads. Large writes are decided on a thread of their own, not the caller's.
    public func write(
        _ commands: [Command],
        request: RequestKey?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) async throws -> WriteResult {
        let pending: PendingWrite
        if commands.count > Self.inlineDecisionLimit {
            pending = try await largeWrites.run { [self] in
                try begin(commands, request: request, expectedSequence: expectedSequence, peerUID: peerUID)
            }
        } else {
            pending = try begin(commands, request: request, expectedSequence: expectedSequence, peerUID: peerUID)
        }
        return try await finish(pending)
    }

    /// The first half of `write`: decides `commands` and hands their events to the log's writer
    /// thread. Never blocks on the disk; callers on an event loop keep to `inlineDecisionLimit`.
    public func begin(
        _ commands: [Command],
        request: RequestKey?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) throws -> PendingWrite {
        let step = try writer.withLock { writer throws -> WriteStep in
            // A batch can fail between the rebuild check and the append: the log then refuses
            // the append, and the decision is taken again on the rebuilt projection.
            // A third refusal in a row goes back to the caller as a storage failure.
            var attempt = 0
            while true {
                attempt += 1
                try rebuildIfNeeded(&writer)
                do {
                    return try decideAndAppend(&writer, commands, request: request, expectedSequence: expectedSequence, peerUID: peerUID)
                } catch EventLogError.earlierBatchFailed where attempt < 3 {
                    continue
                }
            }
        }
        return PendingWrite(step: step, requestID: request?.id)
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
        case .reuseOf(let first, let requestID):
            guard let outcome = first.outcome else { return nil }
            throw DomainError.requestIdReused(requestID: requestID, sequence: try outcome.get().sequences.upperBound)
        case .appended(let ticket, let eventCount):
            guard let outcome = ticket.outcome else { return nil }
            if let requestID = write.requestID {
                writer.withLock { writer in
                    if writer.inFlightRequests[requestID]?.ticket === ticket { writer.inFlightRequests.removeValue(forKey: requestID) }
                }
            }
            let result = try outcome.get()
            return WriteResult(firstSequence: result.sequences.lowerBound, lastSequence: result.sequences.upperBound, eventCount: eventCount)
        }
    }

    /// The second half of `write`: waits until the write's batch is durable.
    public func finish(_ write: PendingWrite) async throws -> WriteResult {
        switch write.step {
        case .done:
            break
        case .retryOf(let ticket), .reuseOf(let ticket, _), .appended(let ticket, _):
            // Its outcome, success or failure, is what finishNow reads next.
            _ = try? await ticket.wait()
        }
        guard let result = try finishNow(write) else { preconditionFailure("a ticket's wait returned before its outcome") }
        return result
    }

    private func decideAndAppend(
        _ writer: inout Writer,
        _ commands: [Command],
        request: RequestKey?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) throws -> WriteStep {
        if let request {
            // In flight first: the decided projection already holds its id, but not durably.
            if let inFlight = writer.inFlightRequests[request.id] {
                return inFlight.fingerprint == request.fingerprint ? .retryOf(inFlight.ticket) : .reuseOf(inFlight.ticket, requestID: request.id)
            }
            if let first = writer.decided.requests[request.id] {
                // An id stored without a fingerprint (before they were kept) answers any retry.
                if let fingerprint = first.fingerprint, fingerprint != request.fingerprint {
                    throw DomainError.requestIdReused(requestID: request.id, sequence: first.sequence)
                }
                return .done(WriteResult(firstSequence: first.sequence, lastSequence: first.sequence, eventCount: 0))
            }
        }
        if let expectedSequence, expectedSequence != writer.decided.lastSequence {
            throw DomainError.concurrencyConflict(expected: expectedSequence, actual: writer.decided.lastSequence)
        }
        let now = WallClock.nowMicroseconds()
        let context = DecisionContext(nowMicroseconds: now, peerUID: peerUID, requestID: request?.id, requestFingerprint: request?.fingerprint)
        // Several commands: decideAll applies each one's events before deciding the next, and
        // that state is kept (if the log numbers the events as it did) rather than built twice.
        var events: [[Event]]
        let eventCount: Int
        var decidedState: RegistryState?
        var encoded: BackgroundEncoder.Encoded?
        var encoder: BackgroundEncoder?
        if commands.count == 1 {
            events = [try decide(commands[0], state: writer.decided, context: context)]
            eventCount = events[0].count
        } else if commands.count < Self.backgroundEncodingThreshold {
            let decided = try decideAll(commands, applyingTo: writer.decided, context: context)
            (events, eventCount, decidedState) = ([decided.events], decided.events.count, decided.state)
        } else {
            // A large import: its events are encoded, and if the log is idle their records built,
            // on the other core while the rest are decided.
            let background = BackgroundEncoder(records: log.recordBuilder(commitTimeMicroseconds: now))
            var parts: [[Event]] = []
            let decided = try decideAll(commands, applyingTo: writer.decided, context: context, partSize: 1024) { part in
                parts.append(part)
                background.encode(part)
            }
            (events, eventCount, decidedState) = (parts, decided.eventCount, decided.state)
            encoded = background.finish()
            encoder = background
        }
        guard eventCount > 0 else {
            return .done(WriteResult(firstSequence: writer.decided.lastSequence, lastSequence: writer.decided.lastSequence, eventCount: 0))
        }
        // A refusal (earlierBatchFailed, writes disabled) goes up as the log's error: `begin`
        // retries the first, and the handler's one error mapping answers the others.
        let ticket: AppendTicket
        let attached = AttachedEvents(events)
        switch encoded {
        case .records(let prepared)?:
            ticket = try log.enqueue(prepared, failedBatches: writer.knownFailedBatches, attachment: attached)
        case .payloads(let payloads)?:
            ticket = try log.enqueue(payloads, failedBatches: writer.knownFailedBatches, attachment: attached)
        case nil:
            ticket = try log.enqueue(events.joined().map(EventCodec.encode), failedBatches: writer.knownFailedBatches, attachment: attached)
        }
        if let decidedState, ticket.sequences.lowerBound == writer.decided.lastSequence + 1 {
            writer.decided = decidedState
        } else {
            for (offset, event) in events.joined().enumerated() {
                writer.decided.apply(event, sequence: ticket.sequences.lowerBound + UInt64(offset), commitTimeMicroseconds: now)
            }
        }
        if let background = encoder {
            // Its parts (tens of thousands of events and payloads) are freed not here, under the
            // lock and before the batch is written, but on another thread: this frame's reference
            // goes first, so that the queue's is the last. (The events themselves are attached to
            // the append; `applyDurable` frees them.)
            encoder = nil
            Discarded.freeLater(background)
        }
        if let request { writer.inFlightRequests[request.id] = InFlightRequest(ticket: ticket, fingerprint: request.fingerprint) }
        return .appended(ticket, eventCount: eventCount)
    }

    /// What an `Import` of `commands` would refuse now, all of it (`checkAll`): decided against
    /// the read view, on the import thread (an import's worth of decisions is no work for an
    /// event loop); nothing is written. Also the sequence number of the view it was checked on.
    public func check(_ commands: [Command], peerUID: UInt32) async throws -> (refusals: [DomainError], refusedCount: Int, eventCount: Int, sequence: UInt64) {
        let view = self.view
        return try await largeWrites.run {
            let context = DecisionContext(nowMicroseconds: WallClock.nowMicroseconds(), peerUID: peerUID)
            let result = checkAll(commands, state: view, context: context)
            return (result.refusals, result.refusedCount, result.eventCount, view.lastSequence)
        }
    }

    /// Writes of at least this many commands encode their events in the background.
    static let backgroundEncodingThreshold = 8192

    /// Returns once the writer lock could be taken (the watchdog's liveness probe).
    func awaitLock() {
        writer.withLock { _ in }
    }

    /// Brings the decided projection back to the log's durable end if a batch failed since it
    /// was last known good: the published view when it is that end (it is, unless a batch's
    /// completions have not all run yet), else a replay of the log.
    private func rebuildIfNeeded(_ writer: inout Writer) throws {
        let failed = log.failedBatches
        guard failed != writer.knownFailedBatches else { return }
        let durableEnd = log.head.lastSequence
        let view = self.view
        if view.lastSequence == durableEnd {
            writer.decided = view
        } else {
            logger.warning("rebuilding the projection from the log after a failed append", metadata: ["log": "\(log.path)"])
            writer.decided = try RegistryReplay.replay(log, verifyingChecksums: true)
        }
        writer.knownFailedBatches = failed
    }

    /// Today's date in UTC: what "current" means to reads without a date, here and offline.
    public static func today() -> CalendarDate {
        Timestamp(microsecondsSinceEpoch: WallClock.nowMicroseconds()).localDate
    }
}
