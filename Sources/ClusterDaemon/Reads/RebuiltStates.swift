import ClusterModel
import EventLog
import Locking

/// The projections at past sequence numbers that historical reads (`at_seq`, `at_time`) rebuilt,
/// a few of them kept so that the next read at a nearby point replays only the records between.
///
/// A projection is a persistent value (see `RegistryState`): one kept here shares most of its
/// nodes with the others and with the live projection, so keeping a few costs little memory.
public final class RebuiltStates: Sendable {
    private let kept: Locked<[RegistryState]> = Locked([])
    private let capacity: Int

    public init(capacity: Int = 4) {
        self.capacity = capacity
    }

    /// The projection after record `target` of `log`: replayed from the nearest kept projection
    /// at or before it (from the start when none), then kept.
    public func state(at target: UInt64, of log: EventLog) throws(RegistryReplay.Failure) -> RegistryState {
        let base = kept.withLock { kept -> RegistryState? in
            guard let index = kept.indices.filter({ kept[$0].lastSequence <= target }).max(by: { kept[$0].lastSequence < kept[$1].lastSequence }) else {
                return nil
            }
            // Most recently used last: the first is the one to drop.
            let state = kept.remove(at: index)
            kept.append(state)
            return state
        }
        if let base, base.lastSequence == target { return base }
        // On this thread alone: a pipelined replay would decode on a second thread, of normal
        // priority, taking a core from the event loops and the log's writer.
        let state = try RegistryReplay.replay(log, onto: base ?? RegistryState(), through: target, verifyingChecksums: false, checkingRules: false, pipeliningAbove: .max)
        kept.withLock { kept in
            kept.removeAll { $0.lastSequence == state.lastSequence }
            kept.append(state)
            if kept.count > capacity { kept.removeFirst(kept.count - capacity) }
        }
        return state
    }
}
