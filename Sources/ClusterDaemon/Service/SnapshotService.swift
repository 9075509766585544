import ClusterModel
import EventLog
import Logging
import ServiceLifecycle

/// Writes a snapshot of the projection every `every` new events and once more at shutdown, so
/// that a restart loads it and replays only the tail of the log. Snapshots are caches: a failure
/// to write one is logged and costs only a longer replay next time.
struct SnapshotService: Service {
    let registry: Registry
    let log: EventLog
    let store: SnapshotStore
    let every: UInt64
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
        if log.head.lastSequence > taken {
            _ = await snapshot()
        }
    }

    /// Writes one snapshot; returns its sequence number.
    private func snapshot() async -> UInt64? {
        // The read view holds only durable events: what a snapshot may hold.
        let state = registry.view
        let sequence = state.lastSequence
        guard sequence > 0, let hash = try? log.chainHash(at: sequence) else { return nil }
        let start = ContinuousClock.now
        let snapshot = Snapshot(logID: log.header.logID, sequence: sequence, chainHash: hash, payload: state.snapshotBytes())
        do {
            let path = try store.write(snapshot)
            logger.info(
                "wrote a snapshot",
                metadata: ["snapshot": "\(path)", "snapshot_seq": "\(sequence)", "bytes": "\(snapshot.payload.count)", "ms": "\((ContinuousClock.now - start).milliseconds)"]
            )
            return sequence
        } catch {
            logger.warning("could not write a snapshot; the next start replays more of the log", metadata: ["reason": "\(error)"])
            return nil
        }
    }
}
