import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Logging
import Synchronization
import Testing

/// The write path of the registry without a daemon around it: what a retry of a write still in
/// flight gets, and when.
@Suite(.timeLimit(.minutes(2)))
struct RegistryWriteTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func record(_ id: String) throws -> ClusterRecord {
        ClusterRecord(id: try Slug(id, field: "id"), name: id.uppercased(), regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)
    }

    func cluster(_ id: String) throws -> Command { .registerCluster(try record(id)) }

    @Test func aRetryOfAWriteStillInFlightIsAnsweredOnlyOnceTheFirstIsDurable() async throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quiet)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        // Hold the log busy: this test leads a batch and commits it only when it chooses, so the
        // registry's append waits in the queue behind it.
        let blocker = try log.enqueue([EventCodec.encode(Event(kind: .clusterRegistered(try record("blocker")), recordedAtMicroseconds: 1, peerUID: 0))], leading: true)
        #expect(blocker.mustBeCommittedByCaller)

        let command = try cluster("aero")
        let first = Task { try await registry.write([command], requestID: "r1", expectedSequence: nil, peerUID: 0) }
        // The projection holds the write (and its request id) as soon as it is queued.
        while registry.summary.clusters == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let retryAnswered = Mutex(false)
        let retry = Task {
            let result = try await registry.write([command], requestID: "r1", expectedSequence: nil, peerUID: 0)
            retryAnswered.withLock { $0 = true }
            return result
        }
        try await Task.sleep(for: .milliseconds(200))
        // Nothing is durable yet: neither the write nor its retry may be acknowledged.
        let answeredEarly = retryAnswered.withLock { $0 }
        #expect(!answeredEarly)
        #expect(log.head.lastSequence == 0)

        log.commitLedBatch()
        let written = try await first.value
        let retried = try await retry.value
        #expect(written.lastSequence == 2)
        #expect(written.eventCount == 1)
        #expect(retried.lastSequence == 2)
        #expect(retried.eventCount == 0)
        #expect(log.head.lastSequence == 2)
        // And later retries are answered from the projection, durable by then.
        let late = try await registry.write([command], requestID: "r1", expectedSequence: nil, peerUID: 0)
        #expect(late.lastSequence == 2 && late.eventCount == 0)
        log.close()
    }

    @Test func aLoneWriteIsMadeDurableOnTheCallingThread() async throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quiet)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        for (index, id) in ["a", "b", "c"].enumerated() {
            let result = try await registry.write([try cluster(id)], requestID: nil, expectedSequence: nil, peerUID: 0)
            #expect(result.lastSequence == UInt64(index + 1))
        }
        // One after the other, each found the log idle and led its own batch.
        #expect(log.batchesWritten == 3)
        #expect(log.batchesLedInline == 3)
        log.close()
    }
}
