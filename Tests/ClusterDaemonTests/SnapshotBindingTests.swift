import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Testing
import Varlink

/// A snapshot is served only when the log's chain covers its content (issue 19, "snapshots that
/// cannot lie"): a cluster name edited inside one, its CRC recomputed, was once served after a
/// restart while `verify` said intact; a snapshot whose projection went beyond its header stopped
/// every start.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))), .serialized)
struct SnapshotBindingTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A state directory whose log holds cluster `aero` named "Aero" and a snapshot of it, written
    /// and recorded at the daemon's shutdown (`--snapshot-every 10`: at shutdown one event is enough, and no periodic snapshot comes between a test's steps).
    func stateWithSnapshot() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await client.call("org.clusterd.Registry.RegisterCluster", ["id": "aero", "name": "Aero", "regions": ["76"], "departments": ["31"]])
        await client.close()
        #expect(try await daemon.stop() == 0)
        return directory
    }

    func newestSnapshot(_ state: String) throws -> (path: String, snapshot: Snapshot) {
        let store = SnapshotStore(directory: state)
        let sequence = try #require(store.sequences().first)
        return (store.path(for: sequence), try store.load(store.path(for: sequence)))
    }

    /// Replaces the cluster's name inside the snapshot's payload and reseals its CRC.
    func editName(in state: String) throws -> Snapshot {
        var (path, snapshot) = try newestSnapshot(state)
        let name = Array("Aero".utf8)
        let index = try #require(snapshot.payload.indices.first { snapshot.payload[$0...].starts(with: name) })
        snapshot.payload.replaceSubrange(index..<index + name.count, with: Array("Evil".utf8))
        try Data(snapshot.encoded).write(to: URL(fileURLWithPath: path))
        return snapshot
    }

    func clusterName(_ daemon: RunningDaemon) async throws -> String? {
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        defer { Task { await client.close() } }
        return try await client.call("org.clusterd.Registry.GetCluster", ["id": "aero"])["cluster"]?.objectValue?["name"]?.stringValue
    }

    @Test func aSnapshotEditedWithItsCRCRecomputedNeverChangesAnAnswer() async throws {
        let directory = try await stateWithSnapshot()
        let state = directory.file("state")
        _ = try editName(in: state)

        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        #expect(try await clusterName(daemon) == "Aero")
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("set a snapshot aside"), "\(daemon.process.standardError)")
        #expect(daemon.process.standardError.contains("no record of the log after record 1"), "\(daemon.process.standardError)")
        // Renamed aside, not left to be tried again at every start.
        #expect(FileManager.default.fileExists(atPath: state + "/snapshot-00000000000000000001.rejected"))
        #expect(!FileManager.default.fileExists(atPath: state + "/snapshot-00000000000000000001.bin"))

        // verify succeeds: the log is intact. (The daemon has since written a snapshot of its
        // own, which verify finds sound.)
        let verify = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["verify", "--log", state + "/events.log"])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardOutput.contains("its projection equals the log's replayed"), "\(verify.standardOutput)")
    }

    /// One who can write the state directory can also append a `SnapshotTaken` for a forged
    /// snapshot: the record stays in the log, and verify, which rebuilds the projection from the
    /// log, names the snapshot false.
    @Test func aForgedSnapshotRecordedInTheLogIsFoundByVerify() async throws {
        let directory = try await stateWithSnapshot()
        let state = directory.file("state")
        let forged = try editName(in: state)
        let log = try EventLog.open(path: state + "/events.log", logger: quiet)
        _ = try await log.append([EventCodec.encode(Event(kind: .snapshotTaken(sequence: forged.sequence, sha256: forged.payloadSHA256), recordedAtMicroseconds: 1, peerUID: 0))])
        log.close()

        let clusterctl = try BuiltProducts.executable("clusterctl")
        let verify = try await runToCompletion(clusterctl, ["verify", "--log", state + "/events.log"])
        #expect(verify.status == 1, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardError.contains("FALSE: recorded at record 3"), "\(verify.standardError)")
        let json = try await runToCompletion(clusterctl, ["verify", "--log", state + "/events.log", "--json"])
        #expect(json.status == 1)
        let reply = try JSONParser.parse(json.standardOutput)
        #expect(reply["intact"] == .bool(true))
        #expect(reply["snapshots"]?.arrayValue?.first?["matches_log"] == .bool(false), "\(json.standardOutput)")
    }

    /// A snapshot whose projection ends after its header's record, recorded with its true
    /// SHA-256: set aside with the reason, the log replayed. (It stopped every start.)
    @Test func aSnapshotBeyondItsHeaderIsSetAsideNotATrap() async throws {
        let directory = try await stateWithSnapshot()
        let state = directory.file("state")
        let (path, original) = try newestSnapshot(state)
        var beyond = try RegistryState(snapshot: original.payload)
        let cluster = ClusterRecord(id: try Slug("ghost", field: "id"), name: "Ghost", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)
        beyond.apply(Event(kind: .clusterRegistered(cluster), recordedAtMicroseconds: 1, peerUID: 0), sequence: 50)
        let lying = Snapshot(logID: original.logID, sequence: original.sequence, chainHash: original.chainHash, payload: beyond.snapshotBytes())
        try Data(lying.encoded).write(to: URL(fileURLWithPath: path))
        let log = try EventLog.open(path: state + "/events.log", logger: quiet)
        _ = try await log.append([EventCodec.encode(Event(kind: .snapshotTaken(sequence: lying.sequence, sha256: lying.payloadSHA256), recordedAtMicroseconds: 1, peerUID: 0))])
        log.close()

        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        await #expect(throws: VarlinkError.self) { try await client.call("org.clusterd.Registry.GetCluster", ["id": "ghost"]) }
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("its projection ends at record 50, its header says 1"), "\(daemon.process.standardError)")
    }

    /// Each snapshot is recorded once, by the daemon: a restart without writes adds no record,
    /// and the record holds the file's SHA-256 and the daemon's uid.
    @Test func aRestartWithoutWritesAddsNoRecord() async throws {
        let directory = try await stateWithSnapshot()
        let state = directory.file("state")
        for _ in 0..<2 {
            let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
            #expect(try await daemon.stop() == 0)
            #expect(daemon.process.standardError.contains("loaded a snapshot"), "\(daemon.process.standardError)")
        }
        let dump = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["log", "dump", "--log", state + "/events.log"])
        let lines = dump.standardOutput.split(separator: "\n").map { try! JSONParser.parse(String($0)) }
        #expect(lines.map { $0["type"]?.stringValue } == ["ClusterRegistered", "SnapshotTaken"])
        let (_, snapshot) = try newestSnapshot(state)
        #expect(lines.last?["event"]?["sha256"]?.stringValue == ChainHash.hexString(snapshot.payloadSHA256))
        #expect(lines.last?["event"]?["snapshot_seq"] == .int(1))
        #expect(lines.last?["peer_uid"] == .int(Int64(getuid())))
    }
}
