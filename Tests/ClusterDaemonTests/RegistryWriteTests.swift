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

    /// A large import's records are built on the other core while it is decided, when the log is
    /// idle; behind a batch still being written they are encoded at commit, as any append's. Both
    /// give a log that verifies and replays to the projection the registry holds.
    @Test(arguments: [false, true])
    func aLargeImportIsStoredWhetherItsRecordsWereBuiltAheadOrNot(logBusy: Bool) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quiet)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        // Enough commands for the background encoder (Registry.backgroundEncodingThreshold is
        // 8192): the demo's clusters and first companies, few enough for a sanitizer run.
        let commands = Array(DemoNetwork.commands().prefix(9000))
        let blocker = logBusy ? try log.enqueue([EventCodec.encode(Event(kind: .clusterRegistered(try record("blocker")), recordedAtMicroseconds: 1, peerUID: 0))], leading: true) : nil
        let batchesBefore = log.batchesWritten
        let importing = Task { try await registry.write(commands, requestID: nil, expectedSequence: nil, peerUID: 0) }
        if let blocker {
            while registry.summary.events < commands.count { try await Task.sleep(for: .milliseconds(5)) }
            log.commitLedBatch()
            _ = try await blocker.wait()
        }
        let result = try await importing.value
        let first: UInt64 = logBusy ? 2 : 1
        #expect(result.firstSequence == first)
        #expect(result.lastSequence == first + UInt64(result.eventCount) - 1)
        // One batch (behind a busy log, the blocker's: the import queued behind it joins it),
        // one commit time.
        #expect(log.batchesWritten == batchesBefore + 1)
        var commitTimes = Set<Int64>()
        try log.forEachRecord(from: first) { commitTimes.insert($0.record.commitTimeMicroseconds) }
        #expect(commitTimes.count == 1)
        let replayed = try RegistryReplay.replay(log)
        let held = registry.summary
        #expect(replayed.lastSequence == result.lastSequence)
        // The blocker went to the log directly, past the registry.
        #expect(replayed.companies.count == held.companies && replayed.clusters.count == held.clusters + (logBusy ? 1 : 0))
        log.close()
        #expect(LogVerifier.verify(path: path).isIntact)
    }
}
