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
}
