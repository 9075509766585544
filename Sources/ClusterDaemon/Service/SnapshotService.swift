import ClusterModel
import EventLog
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Writes a snapshot of the projection every `every` new events and once more at shutdown when at
/// least a tenth of that came since the last one, so that a restart loads it and replays only the
/// tail of the log (a tail under a tenth costs a restart little, and a snapshot and its record
/// need not be written for it). Snapshots are caches: a failure
/// to write one is logged and costs only a longer replay next time.
///
/// Each snapshot written is then recorded in the log (`SnapshotTaken`, with its payload's
/// SHA-256, through the one write path): a restart loads only a snapshot the log vouches for.
struct SnapshotService: Service {
    let registry: Registry
    let log: EventLog
    let store: SnapshotStore
    let every: UInt64
    /// The record of the last snapshot taken (its `SnapshotTaken`), 0 when none: events after it
    /// are what a new snapshot would add.
    let lastSnapshot: UInt64
    let logger: Logger

    func run() async throws {
        var taken = lastSnapshot
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
            if log.head.lastSequence >= taken + every {
                taken = await snapshot() ?? taken
            }
        }
        if log.head.lastSequence >= taken + max(1, every / 10) {
            _ = await snapshot()
        }
    }

    /// Writes one snapshot and records it in the log; returns the sequence number of that record.
    private func snapshot() async -> UInt64? {
        // The read view holds only durable events: what a snapshot may hold.
        let state = registry.view
        let sequence = state.lastSequence
        guard sequence > 0, let hash = try? log.chainHash(at: sequence) else { return nil }
        let start = ContinuousClock.now
        let snapshot = Snapshot(logID: log.header.logID, sequence: sequence, chainHash: hash, payload: state.snapshotBytes())
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
            logger.info(
                "wrote a snapshot",
                metadata: [
                    "snapshot": "\(path)", "snapshot_seq": "\(sequence)", "recorded_at_seq": "\(recorded.lastSequence)",
                    "bytes": "\(snapshot.payload.count)", "ms": "\((ContinuousClock.now - start).milliseconds)",
                ]
            )
            return recorded.lastSequence
        } catch {
            logger.warning("wrote a snapshot but could not record it in the log; the next start does not use it", metadata: ["snapshot": "\(path)", "reason": "\(error)"])
            return nil
        }
    }
}
