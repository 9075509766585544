import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Testing

/// Values read from a log are checked before arithmetic: each of these once stopped a process
/// (issue 19, "traps on input-derived values").
struct InputTrapTests {
    /// A header whose first sequence number is 2^64 − 1 trapped verify's count; 2^63 passed verify
    /// and trapped `clusterctl --log … status` (sequence numbers travel as signed 64-bit JSON).
    @Test(arguments: [UInt64.max, UInt64(Int64.max) + 1])
    func aFirstSequenceBeyondWhatALogHoldsIsRefusedNotATrap(_ first: UInt64) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let header = LogHeader(logID: [UInt8](repeating: 7, count: 16), createdAtMicroseconds: 1, firstSequence: first).encoded
        try Data(header).write(to: URL(fileURLWithPath: path))
        let report = LogVerifier.verify(path: path)
        #expect(!report.isIntact)
        #expect("\(report.problem.map { "\($0)" } ?? "")\(report.headerProblem.map { "\($0)" } ?? "")".contains("beyond 9223372036854775807"))
        let clusterctl = try BuiltProducts.executable("clusterctl")
        for arguments in [["verify", "--log", path], ["status", "--log", path]] {
            let result = try await runToCompletion(clusterctl, arguments)
            #expect([1, 65].contains(result.status), "\(arguments): \(result.status) \(result.standardError)")
            #expect(result.standardError.contains("beyond 9223372036854775807"), "\(arguments): \(result.standardError)")
        }
    }

    /// The last sequence number a log holds is written; an append past it is refused whole.
    @Test func anAppendPastTheLastSequenceNumberIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let header = LogHeader(logID: [UInt8](repeating: 7, count: 16), createdAtMicroseconds: 1, firstSequence: LogHeader.maximumSequence - 1).encoded
        try Data(header).write(to: URL(fileURLWithPath: path))
        let log = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { log.close() }
        let payload = EventCodec.encode(Event(kind: .surveyClosed(survey: try Slug("s", field: "id")), recordedAtMicroseconds: 1, peerUID: 0))
        await #expect(throws: EventLogError.self) { try await log.append([payload, payload, payload]) }
        #expect(try await log.append([payload, payload]).sequences == (LogHeader.maximumSequence - 1)...LogHeader.maximumSequence)
        await #expect(throws: EventLogError.self) { try await log.append([payload]) }
        #expect(log.head.lastSequence == LogHeader.maximumSequence)
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    /// A scale question from 5 to 1 (a resealed log; the codec reads it, as the format allows)
    /// stopped the daemon at the first GetSurveyResults: its results now count no options.
    @Test func aScaleFromFiveToOneIsHarmlessWhenCounted() throws {
        let survey = try Slug("s", field: "id")
        let question = Question(id: try Slug("q", field: "question"), text: "How much?", kind: .scale, minimum: 5, maximum: 1)
        let definition = SurveyDefinition(
            id: survey, title: "T", opensAt: Timestamp(microsecondsSinceEpoch: 0), closesAt: Timestamp(microsecondsSinceEpoch: 1_000_000_000), questions: [question]
        )
        let event = Event(kind: .surveyDefined(definition), recordedAtMicroseconds: 1, peerUID: 0)
        #expect(try EventCodec.decode(EventCodec.encode(event)) == event)
        var state = RegistryState()
        state.apply(event, sequence: 1)
        let results = try state.surveyResults(survey, breakdown: nil, weighted: false)
        #expect(results.respondents == 0)
    }

    /// Events that no clusterd writes, each appended to a fresh log as it would be after an edit
    /// with the CRCs and the chain recomputed: the sequence number of the one the rules refuse.
    static func resealedLogs() throws -> [(name: String, events: [Event], refused: UInt64)] {
        func event(_ kind: EventKind) -> Event { Event(kind: kind, recordedAtMicroseconds: 1_600_000_000_000_000, peerUID: 0) }
        let cluster = ClusterRecord(id: try Slug("aero", field: "id"), name: "Aéro", regions: [try Region("76")], departments: [], nafSection: nil, founded: nil)
        let company = CompanyRecord(siren: try SIREN("552100554"), name: "C", naf: try NAFCode("62.01Z"), department: try Department("31"), employees: 10)
        let question = Question(id: try Slug("q", field: "question"), text: "How much?", kind: .scale, minimum: 5, maximum: 1)
        let survey = SurveyDefinition(
            id: try Slug("s", field: "id"), title: "T", opensAt: Timestamp(microsecondsSinceEpoch: 0), closesAt: Timestamp(microsecondsSinceEpoch: 1_000_000_000), questions: [question]
        )
        var huge = company
        huge.employees = Int64.max
        return [
            ("a scale from 5 to 1", [event(.clusterRegistered(cluster)), event(.surveyDefined(survey))], 2),
            ("a member of a cluster that does not exist", [event(.companyRegistered(company)), event(.membershipStarted(cluster: cluster.id, siren: company.siren, date: try CalendarDate("2020-01-01")))], 2),
            ("a cluster registered twice", [event(.clusterRegistered(cluster)), event(.clusterRegistered(cluster))], 2),
            ("a company of 2^63 - 1 employees", [event(.clusterRegistered(cluster)), event(.companyRegistered(huge))], 2),
            ("a leave without a join", [event(.clusterRegistered(cluster)), event(.companyRegistered(company)), event(.membershipEnded(cluster: cluster.id, siren: company.siren, date: try CalendarDate("2021-01-01"), reason: nil))], 3),
        ]
    }

    static func writeLog(_ events: [Event], to path: String) async throws {
        let log = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { log.close() }
        _ = try await log.append(events.map(EventCodec.encode))
    }

    /// Replay checks every event against the rules before applying it, on one thread or two:
    /// a resealed log is refused with the record's sequence number, never applied or trapped on.
    @Test(arguments: [0, Int.max])
    func aReplayedEventTheRulesRefuseIsNamed(pipeliningAbove: Int) async throws {
        for example in try Self.resealedLogs() {
            let directory = try TemporaryDirectory()
            let path = directory.file("events.log")
            try await Self.writeLog(example.events, to: path)
            #expect(LogVerifier.verify(path: path).isIntact, "\(example.name)")
            let log = try EventLog.open(path: path, options: { var o = EventLog.Options(); o.readOnly = true; return o }(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            defer { log.close() }
            do {
                _ = try RegistryReplay.replay(log, pipeliningAbove: pipeliningAbove)
                Issue.record("\(example.name): replayed")
            } catch {
                guard case .refused(_, let sequence, _, _) = error else {
                    Issue.record("\(example.name): \(error)")
                    continue
                }
                #expect(sequence == example.refused, "\(example.name): \(error)")
                #expect(error.description.contains("record \(example.refused) ("), "\(error)")
            }
        }
    }

    /// The same logs offline and in the daemon: a clear error naming the record, exit 65, and no
    /// trap. (A daemon on the first log once served it and died at the first GetSurveyResults.)
    @Test func theDaemonAndClusterctlRefuseAResealedLogNamingTheRecord() async throws {
        let clusterctl = try BuiltProducts.executable("clusterctl")
        let clusterd = try BuiltProducts.executable("clusterd")
        for example in try Self.resealedLogs().prefix(2) {
            let directory = try TemporaryDirectory()
            let state = directory.file("state")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try await Self.writeLog(example.events, to: state + "/events.log")
            let offline = try await runToCompletion(clusterctl, ["status", "--log", state + "/events.log"])
            #expect(offline.status == 65, "\(example.name): \(offline.status) \(offline.standardError)")
            #expect(offline.standardError.contains("record \(example.refused) ("), "\(offline.standardError)")
            #expect(offline.standardError.contains("breaks a rule of the registry"), "\(offline.standardError)")
            let daemon = try await runToCompletion(clusterd, ["--state-dir", state, "--socket", directory.file("clusterd.sock")], timeout: .seconds(30))
            #expect(daemon.status == 65, "\(example.name): \(daemon.status) \(daemon.standardError)")
            #expect(daemon.standardError.contains("record \(example.refused) ("), "\(daemon.standardError)")
        }
    }

    /// `log dump --log` of a record that is no event: exit 65 naming the record, after the
    /// records before it (it was 70, "unexpected").
    @Test func dumpingARecordThatIsNoEventNamesIt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let cluster = ClusterRecord(id: try Slug("aero", field: "id"), name: "Aéro", regions: [try Region("76")], departments: [], nafSection: nil, founded: nil)
        let log = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try await log.append([EventCodec.encode(Event(kind: .clusterRegistered(cluster), recordedAtMicroseconds: 1, peerUID: 0)), [0xFF, 0xFF, 0x01]])
        log.close()
        let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["log", "dump", "--log", path])
        #expect(result.status == 65, "\(result.status) \(result.standardError)")
        #expect(result.standardError.contains("record 2 is not an event"), "\(result.standardError)")
        #expect(result.standardOutput.contains("\"seq\":1"), "\(result.standardOutput)")
    }

    /// Peak resident memory (KiB) and exit status of `clusterctl ARGUMENTS`, measured by a Python
    /// parent that has no other child.
    static func peakMemory(_ arguments: [String]) async throws -> (kibibytes: Int, status: Int) {
        let script = "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
        let result = try await runToCompletion("/usr/bin/python3", ["-c", script, try BuiltProducts.executable("clusterctl")] + arguments, timeout: .seconds(120))
        let fields = result.standardOutput.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard fields.count == 2 else { throw TestSupportError("no measure: \(result.standardOutput) \(result.standardError)") }
        return (fields[0], fields[1])
    }

    /// An 8 GiB sparse file after a short log (a 16 GB one took 36 s and 16.8 GB of memory to
    /// verify), and 256 MiB of written zeros after one: holes are zeros without being read, and
    /// what is read is let go as the scan moves on. Each is verified and replayed with at most
    /// 96 MiB more memory than the same short log alone.
    @Test func aSparseOrHugeLogIsReadWithoutBeingHeldInMemory() async throws {
        let directory = try TemporaryDirectory()
        let cluster = ClusterRecord(id: try Slug("aero", field: "id"), name: "Aéro", regions: [try Region("76")], departments: [], nafSection: nil, founded: nil)
        let events = [Event(kind: .clusterRegistered(cluster), recordedAtMicroseconds: 1, peerUID: 0)]
        let plain = directory.file("plain.log")
        try await Self.writeLog(events, to: plain)
        for command in [["verify", "--log"], ["status", "--log"]] {
            let baseline = try await Self.peakMemory(command + [plain])
            #expect(baseline.status == 0)
            for grown in ["sparse", "zeros"] {
                let path = directory.file("\(grown).log")
                if !FileManager.default.fileExists(atPath: path) {
                    try await Self.writeLog(events, to: path)
                    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                    if grown == "sparse" {
                        try handle.truncate(atOffset: 8 << 30)
                    } else {
                        try handle.seekToEnd()
                        let zeros = Data(count: 1 << 20)
                        for _ in 0..<256 { try handle.write(contentsOf: zeros) }
                    }
                    try handle.close()
                }
                let measured = try await Self.peakMemory(command + [path])
                #expect(measured.status == 0, "\(command) \(grown)")
                #expect(measured.kibibytes - baseline.kibibytes < 96 * 1024, "\(command) \(grown): \(measured.kibibytes) KiB, \(baseline.kibibytes) KiB for the plain log")
            }
        }
    }
}
