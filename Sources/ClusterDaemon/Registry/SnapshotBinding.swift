import ClusterModel
import Dispatch
import EventLog

/// What ties a snapshot to the log (docs/log-format.md, "Snapshots"): after writing one, the daemon
/// appends a `SnapshotTaken` event with the payload's SHA-256, so the chain that auditors check
/// covers what a restart will serve. A snapshot is loaded only when such a record follows it in
/// its log and its projection ends where its header says; `clusterctl verify` also rebuilds the
/// projection from the log and compares.
public enum SnapshotBinding {
    /// The sequence number of the record that says `snapshot` was taken with this content, or nil.
    /// It is searched after the snapshot's record, where the daemon wrote it: usually the next one.
    static func record(of snapshot: Snapshot, sha256 digest: [UInt8], in log: EventLog) throws(SnapshotProblem) -> UInt64? {
        var found: UInt64?
        struct Found: Error {}
        do {
            try log.forEachRecord(from: snapshot.sequence + 1, verifyingChecksums: false) { record in
                // A record that is no event this build reads cannot be the one.
                guard let event = try? EventCodec.decode(record.payload),
                      case .snapshotTaken(let sequence, let recorded) = event.kind,
                      sequence == snapshot.sequence, recorded == digest
                else { return }
                found = record.sequence
                throw Found()
            }
        } catch is Found {
        } catch {
            throw .unreadable("\(error)")
        }
        return found
    }

    /// The projection `snapshot` holds, once the log is found to record its content; throws why
    /// it is not used otherwise. Also the sequence number of that record.
    public static func load(_ snapshot: Snapshot, from log: EventLog) throws(SnapshotProblem) -> (state: RegistryState, record: UInt64) {
        let digest = snapshot.payloadSHA256
        guard let record = try record(of: snapshot, sha256: digest, in: log) else {
            throw .notRecorded(sequence: snapshot.sequence, sha256: ChainHash.hexString(digest))
        }
        let state: RegistryState
        do {
            state = try RegistryState(snapshot: snapshot.payload) { count, body in
                DispatchQueue.concurrentPerform(iterations: count, execute: body)
            }
        } catch {
            throw .unreadable("this build cannot read its projection: \(error)")
        }
        try check(state, of: snapshot, log: log)
        return (state, record)
    }

    /// The projection's own counts against the header and the log: it ends at the header's
    /// record and holds as many events as the log has up to there.
    private static func check(_ state: RegistryState, of snapshot: Snapshot, log: EventLog) throws(SnapshotProblem) {
        guard state.lastSequence == snapshot.sequence else {
            throw .inconsistent("its projection ends at record \(state.lastSequence), its header says \(snapshot.sequence)")
        }
        let first = log.header.firstSequence
        guard snapshot.sequence >= first, UInt64(state.eventCount) == snapshot.sequence - first + 1 else {
            throw .inconsistent("its projection holds \(state.eventCount) events, the log has \(snapshot.sequence &- first &+ 1) up to record \(snapshot.sequence)")
        }
    }
}

/// What `clusterctl verify` finds about the snapshots beside a log: whether the daemon would load
/// each one, and whether what it holds is what replaying the log gives.
public enum SnapshotAudit {
    public struct Finding: Sendable {
        public enum Verdict: Sendable, Equatable {
            /// Recorded in the log at `record`, and its projection equals a replay through its
            /// sequence number: the daemon may load it.
            case sound(record: UInt64)
            /// The daemon does not load it, for `reason`: a cache the next snapshot replaces.
            case unused(reason: String)
            /// Recorded in the log, so the daemon would load it, but it holds something else than
            /// the log: someone who could write the state directory forged it.
            case forged(record: UInt64, reason: String)
        }

        public var path: String
        public var sequence: UInt64
        public var verdict: Verdict

        public var description: String {
            switch verdict {
            case .sound(let record): return "recorded at record \(record); its projection equals the log's replayed through record \(sequence)"
            case .unused(let reason): return "not used by clusterd: \(reason)"
            case .forged(let record, let reason): return "FALSE: recorded at record \(record), but \(reason); clusterd would serve it — remove it"
            }
        }
    }

    /// Checks every snapshot file in `directory` against `log` (read-only, intact).
    public static func check(directory: String, log: EventLog) -> [Finding] {
        let store = SnapshotStore(directory: directory)
        var findings: [Finding] = []
        var replayed = RegistryState()
        for sequence in store.sequences().reversed() {
            let path = store.path(for: sequence)
            func finding(_ verdict: Finding.Verdict) { findings.append(Finding(path: path, sequence: sequence, verdict: verdict)) }
            // Exactly the checks the daemon's start makes: what it would load, or why not.
            let snapshot: Snapshot
            let state: RegistryState
            let record: UInt64
            do throws(SnapshotProblem) {
                snapshot = try store.load(path)
                try store.check(snapshot, against: log)
                (state, record) = try SnapshotBinding.load(snapshot, from: log)
            } catch {
                finding(.unused(reason: "\(error)"))
                continue
            }
            do {
                replayed = try RegistryReplay.replay(log, onto: replayed, through: snapshot.sequence, verifyingChecksums: false)
            } catch {
                finding(.forged(record: record, reason: "the log cannot be replayed to record \(snapshot.sequence): \(error)"))
                continue
            }
            finding(state == replayed ? .sound(record: record) : .forged(record: record, reason: "its projection differs from the log's replayed through record \(snapshot.sequence)"))
        }
        return findings.reversed()
    }
}
