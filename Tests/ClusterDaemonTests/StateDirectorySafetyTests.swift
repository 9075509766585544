import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Testing
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's user owns the state directory, so it can plant a symbolic link at any name the
/// daemon opens; a clusterd run by root (the README's repair step) once wrote where such a link
/// pointed. Here every name is planted as a link to a file outside, owned by root, and the daemon
/// is run as root: the file must never change, and each link is refused or removed.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct StateDirectorySafetyTests {
    static let victimText = "root's file, not the daemon's\n"

    /// A root-owned file outside the state directory, and the state directory (mode 0750).
    func setUp() throws -> (directory: TemporaryDirectory, state: String, victim: String) {
        let directory = try TemporaryDirectory()
        let victim = directory.file("victim")
        try Self.victimText.write(toFile: victim, atomically: true, encoding: .utf8)
        let state = directory.file("state")
        #expect(mkdir(state, 0o750) == 0)
        return (directory, state, victim)
    }

    func victimIsIntact(_ victim: String) throws -> Bool {
        var info = stat()
        guard lstat(victim, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return try String(contentsOfFile: victim, encoding: .utf8) == Self.victimText
    }

    func plant(_ name: String, in state: String, to victim: String) {
        #expect(symlink(victim, state + "/" + name) == 0, "planting \(name)")
    }

    func clusterd(_ state: String, socket: String, _ extra: [String] = []) async throws -> ProcessResult {
        try await runToCompletion(try BuiltProducts.executable("clusterd"), ["--state-dir", state, "--socket", socket] + extra, timeout: .seconds(30))
    }

    @Test(arguments: ["events.log", "clusterd.lock"])
    func aLinkAtANameThatMustExistIsRefused(_ name: String) async throws {
        let (directory, state, victim) = try setUp()
        plant(name, in: state, to: victim)
        let result = try await clusterd(state, socket: directory.file("clusterd.sock"))
        #expect(result.status != 0)
        #expect(result.standardError.contains("symbolic link"), "\(result.standardError)")
        #expect(try victimIsIntact(victim))
    }

    /// Temporary names (the log's creation, snapshots) are removed and created anew; the link's
    /// target is never written.
    @Test func linksAtTemporaryNamesAreRemovedNeverWrittenThrough() async throws {
        let (directory, state, victim) = try setUp()
        plant("events.log.creating", in: state, to: victim)
        for sequence in 1...6 {
            plant(String(format: "snapshot-%020d.bin.tmp", sequence), in: state, to: victim)
        }
        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "1"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        for id in ["a", "b", "c"] {
            _ = try await client.call("org.clusterd.Registry.RegisterCluster", ["id": .string(id), "name": "N", "regions": ["11"], "departments": []])
        }
        await client.close()
        // Snapshots are written in the background: wait for one.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, !(try FileManager.default.contentsOfDirectory(atPath: state)).contains(where: { $0.hasSuffix(".bin") }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await daemon.stop() == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: state)
        #expect(names.contains { $0.hasPrefix("snapshot-") && $0.hasSuffix(".bin") }, "\(names)")
        #expect(try victimIsIntact(victim))
        var info = stat()
        #expect(lstat(state + "/events.log", &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    }

    /// A torn tail is copied aside before the log is cut; a link at its name is left alone and the
    /// copy goes to the next free name.
    @Test func aTornTailIsKeptAtAFreeNameNotThroughALink() async throws {
        let (directory, state, victim) = try setUp()
        let log = state + "/events.log"
        func size() throws -> Int { try FileManager.default.attributesOfItem(atPath: log)[.size] as! Int }
        // Two batches written by the log itself, as DaemonLogTests does.
        let events = try EventLog.open(path: log, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        var intact = 0
        for batch in 0..<2 {
            intact = Int(events.head.byteCount)
            let record = ClusterRecord(id: try Slug("c\(batch)", field: "id"), name: "N", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)
            _ = try await events.append([EventCodec.encode(Event(kind: .clusterRegistered(record), recordedAtMicroseconds: 1, peerUID: 0))])
        }
        events.close()
        // The second record cut short, as by a crash in its write.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: log)))
        try Data(bytes.dropLast(20)).write(to: URL(fileURLWithPath: log))
        plant("events.log.broken-\(intact)", in: state, to: victim)
        let restarted = try await RunningDaemon(directory: directory)
        #expect(restarted.process.standardError.contains("cut an incomplete write off the end of the log"))
        #expect(try await restarted.stop() == 0)
        #expect(try victimIsIntact(victim))
        let kept = Array(try Data(contentsOf: URL(fileURLWithPath: "\(log).broken-\(intact).1")))
        #expect(kept == Array(bytes[intact..<(bytes.count - 20)]))
        #expect(try size() == intact)
    }

    @Test func aStateDirectoryOthersMayWriteIsRefused() async throws {
        let (directory, state, _) = try setUp()
        chmod(state, 0o777)
        let result = try await clusterd(state, socket: directory.file("clusterd.sock"))
        #expect(result.status == 73)
        #expect(result.standardError.contains("it is writable by everyone (mode 777)"), "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty)
    }

    /// Root on a directory another user owns becomes that user before it opens anything there:
    /// every file it creates belongs to the directory's owner.
    @Test func rootBecomesTheOwnerOfAStateDirectoryItDoesNotOwn() async throws {
        guard getuid() == 0 else {
            Issue.record("needs root")
            return
        }
        let (directory, state, _) = try setUp()
        chmod(directory.path, 0o777)
        #expect(chown(state, 65534, 65534) == 0)
        let daemon = try await RunningDaemon(directory: directory)
        #expect(daemon.process.standardError.contains("running as its owner"), "\(daemon.process.standardError)")
        #expect(try await daemon.stop() == 0)
        for name in ["events.log", "clusterd.lock"] {
            var info = stat()
            #expect(stat(state + "/" + name, &info) == 0 && info.st_uid == 65534, "\(name) belongs to uid \(info.st_uid)")
        }
    }

    /// Readers share the daemon's group (the socket's): a state directory they may enter let
    /// them read the log and hold the lock so that the daemon could not start. It is narrowed to
    /// 0700 at start, with a notice.
    @Test func aStateDirectoryOpenToTheGroupIsNarrowedTo0700() async throws {
        let directory = try TemporaryDirectory()
        let state = directory.file("state")
        #expect(mkdir(state, 0o750) == 0)
        chmod(state, 0o750)
        let daemon = try await RunningDaemon(directory: directory)
        var info = stat()
        #expect(stat(state, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o700, "mode \(String(info.st_mode & 0o7777, radix: 8))")
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("now mode 0700"), "\(daemon.process.standardError)")
    }
}
