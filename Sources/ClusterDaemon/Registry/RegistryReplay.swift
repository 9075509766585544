import ClusterModel
import Dispatch
import EventLog
import Locking

/// Builds the projection from the log: the very same code for the daemon and for offline audits.
public enum RegistryReplay {
    /// Why the log cannot be replayed.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case undecodable(path: String, sequence: UInt64, reason: String)
        /// The record is an event, but one the registry's rules refuse on the state before it:
        /// no clusterd wrote it so (the log was edited and resealed, or written by another tool).
        case refused(path: String, sequence: UInt64, type: String, rule: DomainError)
        case unreadable(EventLogError)

        public var description: String {
            switch self {
            case .undecodable(let path, let sequence, let reason):
                return "\(path): record \(sequence) is not an event this build understands: \(reason)"
            case .refused(let path, let sequence, let type, let rule):
                return "\(path): record \(sequence) (\(type)) breaks a rule of the registry: \(rule)"
            case .unreadable(let error):
                return "\(error)"
            }
        }
    }

    /// Applies the log's records after `state.lastSequence` through `last` (the end when nil), on
    /// two threads when more than `pipeliningAbove` remain. With `checkingRules`, every event is
    /// first checked against the rules on the state before it (`checkReplayed`), so that a log
    /// edited and resealed is refused, naming the record, instead of being trusted; a replay of a
    /// prefix already checked (historical reads, the writer's rebuild) may skip that.
    public static func replay(
        _ log: EventLog,
        onto state: RegistryState = RegistryState(),
        through last: UInt64? = nil,
        verifyingChecksums: Bool = true,
        checkingRules: Bool = true,
        pipeliningAbove: Int = 100_000
    ) throws(Failure) -> RegistryState {
        var state = state
        let remaining = Int(min(last ?? log.head.lastSequence, log.head.lastSequence) &- state.lastSequence)
        if remaining > pipeliningAbove {
            return try pipelined(log, onto: state, through: last, verifyingChecksums: verifyingChecksums, checkingRules: checkingRules)
        }
        var failure: Failure?
        do {
            try log.forEachRecord(from: state.lastSequence + 1, through: last, verifyingChecksums: verifyingChecksums) { record in
                let event: Event
                do {
                    event = try EventCodec.decode(record.payload)
                } catch {
                    failure = .undecodable(path: log.path, sequence: record.sequence, reason: "\(error)")
                    throw error
                }
                do throws(Failure) {
                    try apply(event, sequence: record.sequence, commitTime: record.commitTimeMicroseconds, to: &state, checkingRules: checkingRules, log: log)
                } catch {
                    failure = error
                    throw error
                }
            }
        } catch let error as EventLogError {
            throw .unreadable(error)
        } catch {
            throw failure ?? .unreadable(.cannotOpen(path: log.path, reason: "\(error)"))
        }
        return state
    }

    /// The same replay on two cores: one thread reads and decodes, this one applies. Decoding is a
    /// quarter of the work, so a large log replays that much sooner.
    private static func pipelined(
        _ log: EventLog,
        onto start: RegistryState,
        through last: UInt64?,
        verifyingChecksums: Bool,
        checkingRules: Bool
    ) throws(Failure) -> RegistryState {
        let channel = ReplayChannel()
        let first = start.lastSequence + 1
        DispatchQueue.global().async {
            var batch: [(Event, UInt64, Int64)] = []
            batch.reserveCapacity(ReplayChannel.batchSize)
            do {
                try log.forEachRecord(from: first, through: last, verifyingChecksums: verifyingChecksums) { record in
                    let event: Event
                    do {
                        event = try EventCodec.decode(record.payload)
                    } catch {
                        throw Failure.undecodable(path: log.path, sequence: record.sequence, reason: "\(error)")
                    }
                    batch.append((event, record.sequence, record.commitTimeMicroseconds))
                    if batch.count == ReplayChannel.batchSize {
                        channel.send(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { channel.send(batch) }
                channel.finish(nil)
            } catch let failure as Failure {
                channel.finish(failure)
            } catch let error as EventLogError {
                channel.finish(.unreadable(error))
            } catch {
                channel.finish(.unreadable(.cannotOpen(path: log.path, reason: "\(error)")))
            }
        }
        var state = start
        while let batch = channel.receive() {
            for (event, sequence, commitTime) in batch {
                do throws(Failure) {
                    try apply(event, sequence: sequence, commitTime: commitTime, to: &state, checkingRules: checkingRules, log: log)
                } catch {
                    // Drain the reader so that it finishes, then name the record.
                    while channel.receive() != nil {}
                    throw error
                }
            }
        }
        if let failure = channel.failure { throw failure }
        return state
    }

    /// Applies one replayed event to `state`, first checked against the rules when asked: the one
    /// step both replays take.
    private static func apply(
        _ event: Event, sequence: UInt64, commitTime: Int64, to state: inout RegistryState, checkingRules: Bool, log: EventLog
    ) throws(Failure) {
        if checkingRules {
            do throws(DomainError) {
                try checkReplayed(event, state: state)
            } catch {
                throw .refused(path: log.path, sequence: sequence, type: event.kind.typeName, rule: error)
            }
        }
        state.apply(event, sequence: sequence, commitTimeMicroseconds: commitTime)
    }

    /// The last sequence number committed at or before `microseconds` (0 when none).
    public static func sequence(committedBy microseconds: Int64, in log: EventLog) throws -> UInt64 {
        var last: UInt64 = 0
        struct Done: Error {}
        do {
            try log.forEachRecord(verifyingChecksums: false) { record in
                if record.commitTimeMicroseconds > microseconds { throw Done() }
                last = record.sequence
            }
        } catch is Done {}
        return last
    }
}

/// Batches of decoded events from the reading thread to the applying one, at most a few ahead.
private final class ReplayChannel: Sendable {
    static let batchSize = 4096

    private struct State {
        var batches: [[(Event, UInt64, Int64)]] = []
        var finished = false
        var failure: RegistryReplay.Failure?
    }

    private let state = Locked(State())
    private let slots = DispatchSemaphore(value: 8)
    private let items = DispatchSemaphore(value: 0)

    func send(_ batch: [(Event, UInt64, Int64)]) {
        slots.wait()
        state.withLock { $0.batches.append(batch) }
        items.signal()
    }

    func finish(_ failure: RegistryReplay.Failure?) {
        state.withLock {
            $0.finished = true
            $0.failure = failure
        }
        items.signal()
    }

    /// The next batch, or nil once the reader is done.
    func receive() -> [(Event, UInt64, Int64)]? {
        items.wait()
        let batch = state.withLock { state -> [(Event, UInt64, Int64)]? in
            state.batches.isEmpty ? nil : state.batches.removeFirst()
        }
        if batch != nil { slots.signal() }
        return batch
    }

    var failure: RegistryReplay.Failure? { state.withLock { $0.failure } }
}
