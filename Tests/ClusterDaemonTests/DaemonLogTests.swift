import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Testing
import Varlink

/// The daemon and its log: what it reports, what it refuses, how it repairs.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct DaemonLogTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A state directory whose log holds `batches` batches of two records.
    func stateWithLog(batches: Int) async throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let log = try EventLog.open(path: state + "/events.log", logger: logger)
        for batch in 0..<batches {
            let events = (0..<2).map { index in
                let siren = SIREN.withCheckDigit(prefix: UInt32(10_000_000 + batch * 2 + index))!
                let record = CompanyRecord(siren: siren, name: "Company \(batch)-\(index)", naf: try! NAFCode("25.62B"), department: try! Department("31"), employees: 12)
                return EventCodec.encode(Event(kind: .companyRegistered(record), recordedAtMicroseconds: 1, peerUID: 0))
            }
            _ = try await log.append(events)
        }
        log.close()
        return (directory, state + "/events.log")
    }

    /// The byte offset of every record, walking the length fields.
    func recordOffsets(_ path: String) throws -> [Int] {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var offsets: [Int] = []
        var offset = 64
        while offset + 8 <= bytes.count {
            offsets.append(offset)
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
            if length == 0 { break }
            offset += 8 + length
        }
        return offsets
    }

    func startDaemon(_ directory: TemporaryDirectory, extra: [String] = []) async throws -> RunningDaemon {
        try await RunningDaemon(extraArguments: extra, directory: directory)
    }

    @Test func statusReportsTheLogsHead() async throws {
        let (directory, path) = try await stateWithLog(batches: 3)
        let daemon = try await startDaemon(directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let status = try await client.call("org.clusterd.Registry.GetStatus")
        let report = LogVerifier.verify(path: path)
        #expect(status["last_seq"] == 6)
        #expect(status["events"] == 6)
        #expect(status["log_writable"] == true)
        #expect(status["log_failure"] == nil)
        #expect(status["log_id"] == .string(report.header!.logIDHex))
        #expect(status["head_hash"] == .string("6:\(report.headHash!.hex)"))
        #expect(status["log_bytes"] == .int(Int64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int)))
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func aDamagedLogStopsTheDaemonWithExitCode65AndSaysWhatToDo() async throws {
        let (directory, path) = try await stateWithLog(batches: 4)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let thirdRecord = try recordOffsets(path)[2]
        bytes[thirdRecord + 33] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try await runToCompletion(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", directory.file("state"), "--socket", directory.file("c.sock")]
        )
        #expect(result.status == 65)
        #expect(result.standardError.contains("damaged at byte offset \(thirdRecord), where record 3 should be"))
        #expect(result.standardError.contains("clusterctl verify --log \(path)"))
        #expect(result.standardError.contains("--repair-truncate-after-seq 2"))
        // Refusing changed nothing.
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes)

        // The offline check names the same place.
        let verify = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["verify", "--log", path])
        #expect(verify.status == 1)
        #expect(verify.standardError.contains("byte offset \(thirdRecord), sequence 3"))

        // Record 1 ends no batch: a repair cannot split its batch.
        let badRepair = try await runToCompletion(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", directory.file("state"), "--socket", directory.file("c.sock"), "--repair-truncate-after-seq", "1"]
        )
        #expect(badRepair.status == 65)
        #expect(badRepair.standardError.contains("inside a batch"))
    }

    @Test func theRepairFlagKeepsTheIntactHistory() async throws {
        let (directory, path) = try await stateWithLog(batches: 4)
        let fifthRecord = try recordOffsets(path)[4]
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[fifthRecord + 33] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let daemon = try await startDaemon(directory, extra: ["--repair-truncate-after-seq", "4"])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 4)
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: path + ".broken-\(fifthRecord)"))
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func aTornTailIsCutAsideWithAWarningAndTheDaemonStarts() async throws {
        let (directory, path) = try await stateWithLog(batches: 3)
        let torn = try recordOffsets(path)[4]
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        try Data(bytes.dropLast(20)).write(to: URL(fileURLWithPath: path))
        let daemon = try await startDaemon(directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 4)
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("cut an incomplete write off the end of the log"))
        #expect(daemon.process.standardError.contains("first_lost_seq=5"))
        #expect(FileManager.default.fileExists(atPath: path + ".broken-\(torn)"))
    }

    @Test func verifyPrintsTheHeadOfAnIntactLog() async throws {
        let (directory, path) = try await stateWithLog(batches: 2)
        let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["verify", "--log", path, "--json"])
        defer { withExtendedLifetime(directory) {} }
        #expect(result.status == 0)
        let reply = try JSONParser.parse(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(reply["intact"] == true)
        #expect(reply["last_seq"] == 4)
        #expect(reply["head_hash"] == .string("4:\(LogVerifier.verify(path: path).headHash!.hex)"))
    }
}

/// Snapshots: written at shutdown, loaded at start with only the tail replayed, ignored when they
/// do not match the log.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct DaemonSnapshotTests {
    @Test func aRestartLoadsTheSnapshotAndReplaysOnlyTheTail() async throws {
        let directory = try TemporaryDirectory()
        var daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        var client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await client.call("org.clusterd.Registry.RegisterCluster", ["id": "aero", "name": "Aero", "regions": ["76"], "departments": ["31"]])
        _ = try await client.call("org.clusterd.Registry.RegisterCompany", ["siren": "732829320", "name": "ACME", "naf": "25.62B", "department": "31", "employees": 42])
        _ = try await client.call("org.clusterd.Registry.JoinCluster", ["cluster": "aero", "siren": "732829320", "date": "2020-01-01"])
        let before = try await client.call("org.clusterd.Registry.GetStats", ["as_of": "2021-01-01"])
        await client.close()
        #expect(try await daemon.stop() == 0)
        let snapshot = daemon.stateDirectory + "/snapshot-00000000000000000003.bin"
        #expect(FileManager.default.fileExists(atPath: snapshot), "\(daemon.process.standardError)")

        daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        client = try await VarlinkClient.connect(to: daemon.socketPath)
        // The same answer; the log has one record more, the snapshot's (SnapshotTaken, 4).
        var after = try await client.call("org.clusterd.Registry.GetStats", ["as_of": "2021-01-01"])
        var expected = before
        #expect(after.removeValue(forKey: "seq") == 4)
        expected.removeValue(forKey: "seq")
        #expect(after == expected)
        _ = try await client.call("org.clusterd.Registry.LeaveCluster", ["cluster": "aero", "siren": "732829320", "date": "2020-06-01"])
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("loaded a snapshot"))
        // The tail after the snapshot: the record of the snapshot itself (SnapshotTaken, 4).
        #expect(daemon.process.standardError.contains("replayed_events=1"))

        // A snapshot that does not match the log is ignored, with a warning, and the log replayed:
        // the newest is at 5 (the leave), recorded at 6.
        let newest = daemon.stateDirectory + "/snapshot-00000000000000000005.bin"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: newest)))
        bytes[50] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: newest))
        try FileManager.default.removeItem(atPath: snapshot)
        daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        client = try await VarlinkClient.connect(to: daemon.socketPath)
        let members = try await client.call("org.clusterd.Registry.ListMembers", ["cluster": "aero", "as_of": "2020-07-01"])
        #expect(members["total"] == 0)
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("set a snapshot aside"))
        #expect(daemon.process.standardError.contains("replayed_events=6"))
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/snapshot-00000000000000000005.rejected"))
    }

    /// Three events and the snapshot of them written at the stop: the log holds 4 records.
    func stateWithSnapshot(_ directory: TemporaryDirectory) async throws -> String {
        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await client.call("org.clusterd.Registry.RegisterCluster", ["id": "aero", "name": "Aero", "regions": ["76"], "departments": ["31"]])
        _ = try await client.call("org.clusterd.Registry.RegisterCompany", ["siren": "732829320", "name": "ACME", "naf": "25.62B", "department": "31", "employees": 42])
        _ = try await client.call("org.clusterd.Registry.JoinCluster", ["cluster": "aero", "siren": "732829320", "date": "2020-01-01"])
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/snapshot-00000000000000000003.bin"), "\(daemon.process.standardError)")
        return daemon.stateDirectory
    }

    /// A start from a snapshot reads only the log's tail; the records before are checked once
    /// serving. Damage there stops writes, says where in GetStatus and the journal, and lets reads go on.
    @Test func damageBeforeTheSnapshotIsFoundAfterStartAndStopsWrites() async throws {
        let directory = try TemporaryDirectory()
        let state = try await stateWithSnapshot(directory)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: state + "/events.log")))
        bytes[64 + 40] ^= 0x01  // inside record 1 (the log's header is 64 bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: state + "/events.log"))

        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        var failure: String?
        for _ in 0..<200 where failure == nil {
            failure = try await client.call("org.clusterd.Registry.GetStatus", [:])["log_failure"]?.stringValue
            if failure == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(failure?.contains("background check of the log found damage before record 4") == true, "\(failure ?? "nil")")
        #expect(failure?.contains("record 1") == true, "\(failure ?? "nil")")
        do {
            _ = try await client.call("org.clusterd.Registry.LeaveCluster", ["cluster": "aero", "siren": "732829320", "date": "2020-06-01"])
            Issue.record("a write was taken on a damaged log")
        } catch let error as VarlinkError {
            #expect(error.name == "org.clusterd.Registry.StorageFailure", "\(error)")
        }
        let members = try await client.call("org.clusterd.Registry.ListMembers", ["cluster": "aero", "as_of": "2020-07-01"])
        #expect(members["total"] == 1)
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("the log is damaged before the snapshot's record"), "\(daemon.process.standardError)")
    }

    /// A snapshot whose position in the log is not where its record is gets set aside, and the
    /// whole log is scanned and replayed.
    @Test func aSnapshotWithAWrongPositionIsSetAside() async throws {
        let directory = try TemporaryDirectory()
        let state = try await stateWithSnapshot(directory)
        let path = state + "/snapshot-00000000000000000003.bin"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[80] &+= 8  // the record's offset, in the header
        let crc = CRC32C.checksum(bytes[0..<(bytes.count - 4)])
        bytes.replaceSubrange((bytes.count - 4)..., with: [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)])
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let daemon = try await RunningDaemon(extraArguments: ["--snapshot-every", "10"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let members = try await client.call("org.clusterd.Registry.ListMembers", ["cluster": "aero", "as_of": "2020-07-01"])
        #expect(members["total"] == 1)
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("its position in the log is wrong"), "\(daemon.process.standardError)")
        #expect(daemon.process.standardError.contains("replayed_events=4"), "\(daemon.process.standardError)")
        #expect(FileManager.default.fileExists(atPath: state + "/snapshot-00000000000000000003.rejected"))
    }
}
