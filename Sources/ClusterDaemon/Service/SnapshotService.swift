import ClusterModel
import EventLog
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// When the daemon writes a snapshot.
public enum SnapshotPolicy: Sendable, Hashable {
    /// When the log has grown, since the last snapshot, by `growthFactor` times that snapshot's
    /// size and by at least `minimumLogBytes`; at shutdown, by a quarter of that. Snapshot bytes
    /// written then stay under an eighth of log bytes written at any scale (plus one snapshot per
    /// stop), and a restart replays at most that much log.
    case byCost
    /// Every `n` new events, and at shutdown when at least a tenth of that came since the last one
    /// (`--snapshot-every`).
    case everyEvents(UInt64)

    public static let growthFactor = 8
    public static let minimumLogBytes = 16 * 1024 * 1024

    /// Whether a snapshot is due, `events` and `logBytes` after the last one, whose payload was
    /// `lastSnapshotBytes` long (0 when there is none); `stopping` at shutdown.
    func isDue(events: UInt64, logBytes: Int, lastSnapshotBytes: Int, stopping: Bool) -> Bool {
        guard events > 0 else { return false }
        switch self {
        case .byCost:
            let threshold = max(Self.minimumLogBytes, Self.growthFactor * lastSnapshotBytes)
            return logBytes >= (stopping ? threshold / 4 : threshold)
        case .everyEvents(let every):
            return events >= (stopping ? max(1, every / 10) : every)
        }
    }
}

/// Writes a snapshot of the projection when `policy` says it is due (checked every 5 seconds and
/// at shutdown), so that a restart loads it and replays only the tail of the log. Snapshots are
/// caches: a failure to write one is logged and costs only a longer replay next time. Written from
/// the read view, which holds only durable events and is never locked: writes and reads go on.
///
/// Each snapshot written is then recorded in the log (`SnapshotTaken`, with its payload's
/// SHA-256, through the one write path): a restart loads only a snapshot the log vouches for.
struct SnapshotService: Service {
    /// Where the last snapshot stands: its `SnapshotTaken` record (0 when none), the log's size
    /// then, and its payload's size.
    struct Last: Sendable {
        var record: UInt64
        var logBytes: Int
        var payloadBytes: Int
    }

    let registry: Registry
    let log: EventLog
    let store: SnapshotStore
    let policy: SnapshotPolicy
    let last: Last
    let logger: Logger

    func run() async throws {
        var last = self.last
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
            if isDue(after: last, stopping: false) {
                last = await snapshot(after: last) ?? last
            }
        }
        if isDue(after: last, stopping: true) {
            _ = await snapshot(after: last)
        }
    }

    private func isDue(after last: Last, stopping: Bool) -> Bool {
        let head = log.head
        return policy.isDue(
            events: head.lastSequence > last.record ? head.lastSequence - last.record : 0,
            logBytes: head.byteCount - last.logBytes,
            lastSnapshotBytes: last.payloadBytes,
            stopping: stopping
        )
    }

    /// Writes one snapshot and records it in the log; returns where it then stands.
    private func snapshot(after last: Last) async -> Last? {
        // The read view holds only durable events: what a snapshot may hold.
        let state = registry.view
        let sequence = state.lastSequence
        guard sequence > 0, let position = try? log.position(of: sequence) else { return nil }
        let start = ContinuousClock.now
        let snapshot = Snapshot(logID: log.header.logID, sequence: sequence, chainHash: position.chainHash, payload: state.snapshotBytes(), position: position)
        let path: String
        do {
            path = try store.write(snapshot)
        } catch {
            logger.warning("could not write a snapshot; the next start replays more of the log", metadata: ["reason": "\(error)"])
            return nil
        }
        do {
            let recorded = try await registry.write(
                [.recordSnapshot(sequence: sequence, sha256: snapshot.payloadSHA256)], request: nil, expectedSequence: nil, peerUID: getuid()
            )
            let logBytes = log.head.byteCount
            logger.info(
                "wrote a snapshot",
                metadata: [
                    "snapshot": "\(path)", "snapshot_seq": "\(sequence)", "recorded_at_seq": "\(recorded.lastSequence)",
                    "bytes": "\(snapshot.payload.count)", "ms": "\((ContinuousClock.now - start).milliseconds)",
                    "log_bytes_since_last": "\(logBytes - last.logBytes)",
                ]
            )
            return Last(record: recorded.lastSequence, logBytes: logBytes, payloadBytes: snapshot.payload.count)
        } catch {
            logger.warning("wrote a snapshot but could not record it in the log; the next start does not use it", metadata: ["snapshot": "\(path)", "reason": "\(error)"])
            return nil
        }
    }
}
