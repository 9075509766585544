@testable import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import NIOPosix
import Testing
import Varlink

/// The serving core through a real Varlink server on one event loop: a write whose `fdatasync`
/// is held blocks neither that loop nor the reads it serves.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct ServingCoreTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A registry on a gated log, served on one event-loop thread.
    final class OneLoopDaemon: Sendable {
        let log: EventLog
        let file: GatedLogFile
        let registry: Registry
        let server: VarlinkServer
        let group: MultiThreadedEventLoopGroup
        let socketPath: String
        let task: Task<Void, any Error>
        let directory: TemporaryDirectory

        init(logger: Logger) async throws {
            directory = try TemporaryDirectory()
            (log, file) = try GatedLogFile.openLog(path: directory.file("events.log"))
            registry = Registry(state: RegistryState(), log: log, logger: logger)
            let handler = RegistryMethodHandler(
                registry: registry, log: log, historicalReads: HistoricalReads(threads: 1),
                authorization: AuthorizationBox(WriteAuthorization(daemonUID: getuid(), writersGroupName: "nobody-group", writersGID: nil)),
                people: PeopleService(registry: registry, keyStore: nil, pool: BlockingWorkPool(name: "people", threads: 1)),
                peopleQueries: PeopleQueries(keyStore: nil, access: PersonalDataAccess(privacyGroupName: "nobody-group"), log: log, pool: BlockingWorkPool(name: "people-reads", threads: 1)),
                startedAt: "now", replayMilliseconds: 0, logger: logger
            )
            let service = VarlinkService(
                info: .init(vendor: "test", product: "clusterd", version: "0", url: ""),
                interfaces: [(RegistryInterfaceDefinition.interface, handler)], logger: logger
            )
            socketPath = directory.file("s.sock")
            group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            server = VarlinkServer(configuration: VarlinkServerConfiguration(endpoint: .path(socketPath)), service: service, logger: logger, eventLoopGroup: group)
            let server = self.server
            task = Task { try await server.run() }
            try await server.waitUntilListening()
        }

        func stop() async throws {
            file.release()
            server.shutdown()
            try await task.value
            log.close()
            try await group.shutdownGracefully()
        }
    }

    static let cluster: [String: JSONValue] = ["id": "aero", "name": "Aerospace Valley", "regions": ["76"], "departments": ["31"]]

    @Test func aHeldFdatasyncDelaysNoReadOnTheSameEventLoop() async throws {
        let daemon = try await OneLoopDaemon(logger: quiet)
        let writer = try await VarlinkClient.connect(to: daemon.socketPath)
        let reader = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await writer.call("org.clusterd.Registry.RegisterCluster", Self.cluster)

        daemon.file.hold()
        let held = Task {
            try await writer.call("org.clusterd.Registry.RegisterCluster", ["id": "held", "name": "Held", "regions": ["11"], "departments": []])
        }
        while daemon.file.heldSyncs == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // The sync is held, for as long as the test likes: the one event loop still answers reads,
        // from the durable view, which does not hold the write in flight.
        for _ in 0..<20 {
            let reply = try await reader.call("org.clusterd.Registry.ListClusters", [:])
            #expect(reply["total"] == .int(1))
            #expect(reply["seq"] == .int(1))
        }
        let status = try await reader.call("org.clusterd.Registry.GetStatus", [:])
        #expect(status["last_seq"] == .int(1))
        daemon.file.release()
        #expect(try await held.value["seq"] == .int(2))
        // Acknowledged, so visible.
        #expect(try await reader.call("org.clusterd.Registry.ListClusters", [:])["total"] == .int(2))
        await writer.close()
        await reader.close()
        try await daemon.stop()
    }

    @Test func readsAtATimeAnswerWhatTheRegistrySaidThen() async throws {
        let daemon = try await OneLoopDaemon(logger: quiet)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await client.call("org.clusterd.Registry.RegisterCluster", Self.cluster)
        try await Task.sleep(for: .milliseconds(20))
        let between = Timestamp.utcString(microseconds: WallClock.nowMicroseconds())
        try await Task.sleep(for: .milliseconds(20))
        _ = try await client.call("org.clusterd.Registry.RegisterCluster", ["id": "later", "name": "Later", "regions": ["11"], "departments": []])
        let then = try await client.call("org.clusterd.Registry.ListClusters", ["at_time": .string(between)])
        #expect(then["total"] == .int(1))
        #expect(then["seq"] == .int(1))
        let before = try await client.call("org.clusterd.Registry.ListClusters", ["at_time": "2000-01-01T00:00:00Z"])
        #expect(before["total"] == .int(0))
        let now = try await client.call("org.clusterd.Registry.ListClusters", [:])
        #expect(now["total"] == .int(2))
        await #expect(throws: VarlinkError.self) {
            try await client.call("org.clusterd.Registry.ListClusters", ["at_time": .string(between), "at_seq": 1])
        }
        await client.close()
        try await daemon.stop()
    }
}
