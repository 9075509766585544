import ClusterModel
import EventLog

/// Builds the projection from the log: the very same code for the daemon and for offline audits.
public enum RegistryReplay {
    /// Why the log cannot be replayed.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case undecodable(path: String, sequence: UInt64, reason: String)
        case unreadable(EventLogError)

        public var description: String {
            switch self {
            case .undecodable(let path, let sequence, let reason):
                return "\(path): record \(sequence) is not an event this build understands: \(reason)"
            case .unreadable(let error):
                return "\(error)"
            }
        }
    }

    /// Applies the log's records after `state.lastSequence` through `last` (the end when nil).
    public static func replay(
        _ log: EventLog,
        onto state: RegistryState = RegistryState(),
        through last: UInt64? = nil,
        verifyingChecksums: Bool = true
    ) throws(Failure) -> RegistryState {
        var state = state
        if state.lastSequence == 0 { state.reserveCapacity(forEvents: log.head.recordCount) }
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
                state.apply(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds)
            }
        } catch let error as EventLogError {
            throw .unreadable(error)
        } catch {
            throw failure ?? .unreadable(.cannotOpen(path: log.path, reason: "\(error)"))
        }
        return state
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
