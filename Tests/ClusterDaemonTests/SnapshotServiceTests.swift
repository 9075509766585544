@testable import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Logging
import ServiceLifecycle
import Testing

/// Snapshots are written from the read view: they hold only durable events, and exactly the
/// projection a replay of the log up to them builds, so that a restart from one serves what a
/// restart without it would.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct SnapshotServiceTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func cluster(_ id: String) throws -> Command {
        .registerCluster(ClusterRecord(id: try Slug(id, field: "id"), name: id.uppercased(), regions: [try Region("11")], departments: [], nafSection: nil, founded: nil))
    }

    @Test func aSnapshotHoldsTheDurableProjectionAndNotAWriteInFlight() async throws {
        let directory = try TemporaryDirectory()
        let (log, file) = try GatedLogFile.openLog(path: directory.file("events.log"))
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        for id in ["a", "b", "c"] {
            _ = try await registry.write([try cluster(id)], request: nil, expectedSequence: nil, peerUID: 0)
        }
        // A fourth write is decided and appended, but its fdatasync is held: not durable.
        file.hold()
        let inFlight = Task { try await registry.write([try cluster("d")], request: nil, expectedSequence: nil, peerUID: 0) }
        while registry.decidedSequence < 4 { try await Task.sleep(for: .milliseconds(1)) }

        let store = SnapshotStore(directory: directory.path)
        let service = SnapshotService(registry: registry, log: log, store: store, policy: .everyEvents(1), last: .init(record: 0, logBytes: 0, payloadBytes: 0), logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: quiet))
        let running = Task { try await group.run() }
        // Shutting down wakes the service from its wait; it then writes the snapshot it owes, and
        // records it in the log after the write in flight.
        await group.triggerGracefulShutdown()
        while store.sequences().isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        #expect(store.sequences() == [3], "the snapshot must stop at the durable end, not at the write in flight")
        file.release()
        try await running.value
        #expect(try await inFlight.value.lastSequence == 4)

        let loading: (Snapshot) throws(SnapshotProblem) -> (state: RegistryState, record: UInt64) = { snapshot throws(SnapshotProblem) in
            try SnapshotBinding.load(snapshot, from: log)
        }
        let newest = store.newestUsable(for: log, logger: quiet, loading: loading)
        let found = try #require(newest)
        #expect(found.snapshot.chainHash == (try log.chainHash(at: 3)))
        #expect(found.loaded.record == 5, "the snapshot is recorded by the record after the write in flight")
        let loaded = found.loaded.state
        #expect(loaded == (try RegistryReplay.replay(log, through: 3)), "the snapshot differs from the log replayed up to it")
        #expect(loaded.clusters[try Slug("d", field: "id")] == nil)
        log.close()
    }
}
