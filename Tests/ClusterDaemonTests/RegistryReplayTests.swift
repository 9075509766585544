import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Logging
import Testing

/// Replay of a large log runs on two threads; it must build exactly the state that applying the
/// events one by one builds.
@Suite(.timeLimit(.minutes(3)))
struct RegistryReplayTests {
    @Test func thePipelinedReplayOfALargeLogEqualsApplyingEveryEvent() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        var expected = RegistryState()
        var events: [Event] = [Event(kind: .clusterRegistered(ClusterRecord(id: try Slug("c", field: "id"), name: "C", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)), recordedAtMicroseconds: 1, peerUID: 0)]
        for index in 0..<15_000 {
            let siren = SIREN.withCheckDigit(prefix: UInt32(10_000_000 + index))!
            events.append(Event(kind: .companyRegistered(CompanyRecord(siren: siren, name: "Company \(index)", naf: NAFCode.all[index % 732], department: Department.all[index % 101], employees: Int64(index % 300))), recordedAtMicroseconds: 2, peerUID: 0))
            events.append(Event(kind: .membershipStarted(cluster: try Slug("c", field: "id"), siren: siren, date: CalendarDate(daysSinceEpoch: Int32(15000 + index % 900))), recordedAtMicroseconds: 3, peerUID: 0, requestID: index % 1000 == 0 ? "r\(index)" : nil))
        }
        var sequence: UInt64 = 0
        for chunk in stride(from: 0, to: events.count, by: 10_000) {
            let slice = Array(events[chunk..<min(chunk + 10_000, events.count)])
            let result = try await log.append(slice.map(EventCodec.encode))
            for event in slice {
                sequence += 1
                expected.apply(event, sequence: sequence, commitTimeMicroseconds: result.commitTimeMicroseconds)
            }
        }
        // Pipelined above 10,000 records here (100,000 in the daemon): a size the sanitizer runs
        // replay in seconds, with the reading thread several batches of 4,096 ahead.
        #expect(log.head.recordCount > 30_000)
        let replayed = try RegistryReplay.replay(log, verifyingChecksums: true, pipeliningAbove: 10_000)
        #expect(replayed == expected)
        let partial = try RegistryReplay.replay(log, through: 27_500, verifyingChecksums: false, pipeliningAbove: 10_000)
        #expect(partial.lastSequence == 27_500)
        log.close()
    }
}
