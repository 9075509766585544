import ClusterModel
import EventLog
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
public actor Registry {
    private var state: RegistryState
    private let log: EventLog
    private let logger: Logger
    private var lastTicket: AppendTicket?
    private var needsRebuild = false
    /// Writes in flight by request id, so that a retry waits for the first attempt.
    private var inFlightRequests: [String: AppendTicket] = [:]
    nonisolated let headSignal: HeadSignal

    public init(state: RegistryState, log: EventLog, logger: Logger) {
        self.state = state
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

    /// Decides `commands` atomically and returns once their events are durable.
    public func write(
        _ commands: [Command],
        requestID: String?,
        expectedSequence: UInt64?,
        peerUID: UInt32
    ) async throws -> WriteResult {
        try rebuildIfNeeded()
        if let requestID {
            if let last = state.requests[requestID] {
                return WriteResult(firstSequence: last, lastSequence: last, eventCount: 0)
            }
            if let inFlight = inFlightRequests[requestID] {
                let result = try await inFlight.wait()
                return WriteResult(firstSequence: result.sequences.lowerBound, lastSequence: result.sequences.upperBound, eventCount: 0)
            }
        }
        if let expectedSequence, expectedSequence != state.lastSequence {
            throw DomainError.concurrencyConflict(expected: expectedSequence, actual: state.lastSequence)
        }
        let now = Self.nowMicroseconds()
        let context = DecisionContext(nowMicroseconds: now, peerUID: peerUID, requestID: requestID)
        let events = commands.count == 1
            ? try decide(commands[0], state: state, context: context)
            : try decideAll(commands, state: state, context: context)
        guard !events.isEmpty else {
            return WriteResult(firstSequence: state.lastSequence, lastSequence: state.lastSequence, eventCount: 0)
        }
        let ticket: AppendTicket
        do {
            ticket = try log.enqueue(events.map(EventCodec.encode))
        } catch {
            throw Self.storageError(error)
        }
        for (offset, event) in events.enumerated() {
            state.apply(event, sequence: ticket.sequences.lowerBound + UInt64(offset), commitTimeMicroseconds: now)
        }
        lastTicket = ticket
        if let requestID { inFlightRequests[requestID] = ticket }
        defer {
            if let requestID { inFlightRequests.removeValue(forKey: requestID) }
        }
        do {
            let result = try await ticket.wait()
            headSignal.advance(to: result.sequences.upperBound)
            return WriteResult(firstSequence: result.sequences.lowerBound, lastSequence: result.sequences.upperBound, eventCount: events.count)
        } catch {
            needsRebuild = true
            throw Self.storageError(error)
        }
    }

    /// Runs `body` on the projection once everything it holds is durable.
    public func read<Result: Sendable>(_ body: @Sendable (RegistryState) throws -> Result) async throws -> Result {
        if let lastTicket {
            if lastTicket.outcome == nil { _ = try? await lastTicket.wait() }
            if lastTicket.outcome != nil, self.lastTicket === lastTicket { self.lastTicket = nil }
        }
        try rebuildIfNeeded()
        return try body(state)
    }

    /// The projection, once everything it holds is durable (for snapshots).
    public func durableState() async -> RegistryState {
        if let lastTicket, lastTicket.outcome == nil { _ = try? await lastTicket.wait() }
        return state
    }

    /// Counts for the service status line.
    public var summary: (events: Int, companies: Int, clusters: Int) {
        (state.eventCount, state.companies.count, state.clusters.count)
    }

    /// Blocks the actor's thread for ever: a hung daemon, for the watchdog tests only.
    func freezeForTesting() {
        while true { sleep(3600) }
    }

    private func rebuildIfNeeded() throws {
        guard needsRebuild else { return }
        logger.warning("rebuilding the projection from the log after a failed append", metadata: ["log": "\(log.path)"])
        state = try RegistryReplay.replay(log, verifyingChecksums: true)
        needsRebuild = false
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
