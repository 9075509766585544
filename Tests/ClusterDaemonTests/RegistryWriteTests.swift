import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Locking
import Testing
import Varlink

/// The write path of the registry without a daemon around it: what a retry of a write still in
/// flight gets, and when.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 4))))
struct RegistryWriteTests {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func record(_ id: String) throws -> ClusterRecord {
        ClusterRecord(id: try Slug(id, field: "id"), name: id.uppercased(), regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)
    }

    func cluster(_ id: String) throws -> Command { .registerCluster(try record(id)) }

    @Test func aRetryOfAWriteStillInFlightIsAnsweredOnlyOnceTheFirstIsDurable() async throws {
        let directory = try TemporaryDirectory()
        let (log, file) = try GatedLogFile.openLog(path: directory.file("events.log"))
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        file.hold()

        let command = try cluster("aero")
        let r1 = RequestKey(id: "r1", method: "RegisterCluster", commands: [command], expectedSequence: nil)
        let first = Task { try await registry.write([command], request: r1, expectedSequence: nil, peerUID: 0) }
        // The write is decided (its request id with it) as soon as it is queued.
        while registry.decidedSequence == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let retryAnswered = Locked(false)
        let retry = Task {
            let result = try await registry.write([command], request: r1, expectedSequence: nil, peerUID: 0)
            retryAnswered.withLock { $0 = true }
            return result
        }
        try await Task.sleep(for: .milliseconds(200))
        // Nothing is durable yet: neither the write nor its retry may be acknowledged, or read.
        let answeredEarly = retryAnswered.withLock { $0 }
        #expect(!answeredEarly)
        #expect(log.head.lastSequence == 0)
        #expect(registry.view.clusters.isEmpty)

        file.release()
        let written = try await first.value
        let retried = try await retry.value
        #expect(written.lastSequence == 1)
        #expect(written.eventCount == 1)
        #expect(retried.lastSequence == 1)
        #expect(retried.eventCount == 0)
        #expect(log.head.lastSequence == 1)
        // And later retries are answered from the projection, durable by then.
        let late = try await registry.write([command], request: r1, expectedSequence: nil, peerUID: 0)
        #expect(late.lastSequence == 1 && late.eventCount == 0)
        log.close()
    }

    @Test func aRequestIdReusedWithOtherContentIsRefusedInFlightDurableAndAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let (log, file) = try GatedLogFile.openLog(path: path)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        let aero = try cluster("aero")
        let other = try cluster("other")
        let key = RequestKey(id: "r1", method: "RegisterCluster", commands: [aero], expectedSequence: nil)
        let otherKey = RequestKey(id: "r1", method: "RegisterCluster", commands: [other], expectedSequence: nil)
        #expect(key.fingerprint != otherKey.fingerprint)

        file.hold()
        let first = Task { try await registry.write([aero], request: key, expectedSequence: nil, peerUID: 0) }
        while registry.decidedSequence == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // In flight: the reuse is refused only once the first write is durable, with its seq.
        let reused = Task { try await registry.write([other], request: otherKey, expectedSequence: nil, peerUID: 0) }
        try await Task.sleep(for: .milliseconds(100))
        file.release()
        #expect(try await first.value.lastSequence == 1)
        await #expect(throws: DomainError.requestIdReused(requestID: "r1", sequence: 1)) { try await reused.value }

        // Durable: refused at once, nothing written; the true retry answers the first result.
        await #expect(throws: DomainError.requestIdReused(requestID: "r1", sequence: 1)) {
            try await registry.write([other], request: otherKey, expectedSequence: nil, peerUID: 0)
        }
        // The same commands through another method are another request.
        let asImport = RequestKey(id: "r1", method: "Import", commands: [aero], expectedSequence: nil)
        await #expect(throws: DomainError.requestIdReused(requestID: "r1", sequence: 1)) {
            try await registry.write([aero], request: asImport, expectedSequence: nil, peerUID: 0)
        }
        let retried = try await registry.write([aero], request: key, expectedSequence: nil, peerUID: 0)
        #expect(retried.lastSequence == 1 && retried.eventCount == 0)
        #expect(log.head.lastSequence == 1)
        #expect(registry.view.clusters[try Slug("other", field: "id")] == nil)
        log.close()

        // After a restart the fingerprint comes back from the log (and from a snapshot).
        let reopened = try EventLog.open(path: path, logger: quiet)
        defer { reopened.close() }
        let replayed = try RegistryReplay.replay(reopened)
        #expect(replayed.requests["r1"] == RequestRecord(sequence: 1, fingerprint: key.fingerprint))
        let restored = try RegistryState(snapshot: replayed.snapshotBytes())
        #expect(restored.requests["r1"] == RequestRecord(sequence: 1, fingerprint: key.fingerprint))
        let restarted = Registry(state: replayed, log: reopened, logger: quiet)
        await #expect(throws: DomainError.requestIdReused(requestID: "r1", sequence: 1)) {
            try await restarted.write([other], request: otherKey, expectedSequence: nil, peerUID: 0)
        }
        #expect(try await restarted.write([aero], request: key, expectedSequence: nil, peerUID: 0).lastSequence == 1)
    }

    @Test func aRequestIdStoredWithoutAFingerprintAnswersAnyRetryAsBefore() async throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quiet)
        defer { log.close() }
        // An event as builds before fingerprints wrote it: the request id alone.
        let event = Event(kind: .clusterRegistered(try record("aero")), recordedAtMicroseconds: 1, peerUID: 0, requestID: "old")
        _ = try await log.append([EventCodec.encode(event)])
        var state = RegistryState()
        state.apply(try EventCodec.decode(EventCodec.encode(event)), sequence: 1)
        #expect(state.requests["old"] == RequestRecord(sequence: 1, fingerprint: nil))
        let registry = Registry(state: state, log: log, logger: quiet)
        let other = try cluster("other")
        let result = try await registry.write([other], request: RequestKey(id: "old", method: "RegisterCluster", commands: [other], expectedSequence: nil), expectedSequence: nil, peerUID: 0)
        #expect(result.lastSequence == 1 && result.eventCount == 0)
        #expect(log.head.lastSequence == 1)
    }

    @Test func writesAreMadeDurableByTheLogsWriterThreadAndReadableWhenAcknowledged() async throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quiet)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        for (index, id) in ["a", "b", "c"].enumerated() {
            let result = try await registry.write([try cluster(id)], request: nil, expectedSequence: nil, peerUID: 0)
            #expect(result.lastSequence == UInt64(index + 1))
            // Read-your-writes: the view is published before the write is acknowledged.
            #expect(registry.view.lastSequence == result.lastSequence)
            #expect(registry.view.clusters[try Slug(id, field: "id")] != nil)
        }
        // The callers never wrote or synced: the log's writer thread did, every time.
        #expect(log.batchesWritten == 3)
        #expect(log.batchesLedInline == 0)
        log.close()
    }

    /// The read view holds only durable events: while a batch's fdatasync is held, readers see the
    /// state before it; if the batch fails, they never see it; once a batch is durable, they do.
    @Test func theReadViewNeverShowsAnEventBeforeItIsDurable() async throws {
        let directory = try TemporaryDirectory()
        let (log, file) = try GatedLogFile.openLog(path: directory.file("events.log"))
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        _ = try await registry.write([try cluster("kept")], request: nil, expectedSequence: nil, peerUID: 0)

        file.hold()
        let held = Task { try await registry.write([try cluster("held")], request: nil, expectedSequence: nil, peerUID: 0) }
        while file.heldSyncs == 0 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(registry.decidedSequence == 2)
        #expect(registry.view.lastSequence == 1)
        #expect(registry.view.clusters[try Slug("held", field: "id")] == nil)
        file.release()
        #expect(try await held.value.lastSequence == 2)
        #expect(registry.view.clusters[try Slug("held", field: "id")] != nil)

        file.failWrites(1)
        await #expect(throws: (any Error).self) {
            try await registry.write([try cluster("lost")], request: nil, expectedSequence: nil, peerUID: 0)
        }
        #expect(registry.view.lastSequence == 2)
        #expect(registry.view.clusters[try Slug("lost", field: "id")] == nil)
        // The next write is decided on the durable projection: it gets the failed one's number.
        #expect(try await registry.write([try cluster("next")], request: nil, expectedSequence: nil, peerUID: 0).lastSequence == 3)
        log.close()
    }

    /// Random concurrent writers and readers, with some batches failing: every cluster any reader
    /// saw is in the log when it is opened again, as a restarted daemon would open it, and the
    /// last view is exactly the projection replayed from it.
    @Test func everyEventAReaderSawSurvivesARestart() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let (log, file) = try GatedLogFile.openLog(path: path)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        let seen = Locked<Set<Slug>>([])
        let writing = Locked(true)
        // Readers take the view over and over while the writers run.
        var readers: [Task<Void, Never>] = []
        for _ in 0..<4 {
            readers.append(Task {
                while writing.withLock({ $0 }) {
                    let view = registry.view
                    seen.withLock { $0.formUnion(view.clusters.keys) }
                    await Task.yield()
                }
            })
        }
        // Syncs are held for a moment now and then, so that batches gather several writes.
        let stalls = Task {
            while writing.withLock({ $0 }) {
                file.hold()
                try? await Task.sleep(for: .milliseconds(3))
                file.release()
                try? await Task.sleep(for: .milliseconds(2))
            }
            file.release()
        }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<60 {
                        if (index + writer) % 13 == 0 { file.failWrites(1) }
                        let command = try? self.cluster("w\(writer)-\(index)")
                        _ = try? await registry.write([command!], request: nil, expectedSequence: nil, peerUID: 0)
                    }
                }
            }
        }
        writing.withLock { $0 = false }
        for reader in readers { await reader.value }
        await stalls.value
        let last = registry.view
        log.close()
        let reopened = try EventLog.open(path: path, options: { var o = EventLog.Options(); o.readOnly = true; return o }(), logger: quiet)
        let replayed = try RegistryReplay.replay(reopened)
        let saw = seen.withLock { $0 }
        #expect(!saw.isEmpty)
        for id in saw { #expect(replayed.clusters[id] != nil, "a reader saw \(id.text), which the log does not hold") }
        #expect(reopened.failedBatches == 0)
        #expect(log.failedBatches > 0, "no batch failed: the test proved nothing")
        // Not only the same clusters: the very projection a restart builds, commit times included
        // (the view is built from the durable batches, with the times their records hold).
        #expect(last == replayed, "the last read view differs from the projection replayed from the log")
    }

    /// A historical read runs on the history pool with a view it took, holding nothing the writer
    /// needs: writes complete while the pool is busy with it, and it answers as of its sequence.
    @Test func writesCompleteWhileAHistoricalReadHoldsThePool() async throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quiet)
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        for id in ["a", "b"] { _ = try await registry.write([try cluster(id)], request: nil, expectedSequence: nil, peerUID: 0) }
        let history = HistoricalReads(threads: 1)
        let view = registry.view
        let reader = RegistryReader(log: log, nowMicroseconds: 20000 * 86_400_000_000, rebuilt: history.rebuilt)
        // The pool's one thread is held in the middle of a historical read until the test says.
        let gate = DispatchSemaphore(value: 0)
        let held = Task {
            try await history.pool.run {
                gate.wait()
                return try reader.answer("ListClusters", ["at_seq": 1], state: view)
            }
        }
        while history.pool.queuedJobs > 0 { try await Task.sleep(for: .milliseconds(1)) }
        for id in ["c", "d", "e"] { _ = try await registry.write([try cluster(id)], request: nil, expectedSequence: nil, peerUID: 0) }
        #expect(registry.view.clusters.count == 5)
        gate.signal()
        let answer = try await held.value
        #expect(answer["total"] == .int(1))
        #expect(answer["seq"] == .int(1))
        // A read at a nearby point starts from the kept projection, and agrees with a full replay.
        let nearby = try reader.answer("ListClusters", ["at_seq": 4], state: registry.view)
        #expect(nearby["total"] == .int(4))
        #expect(try history.rebuilt.state(at: 4, of: log) == RegistryReplay.replay(log, through: 4))
        history.pool.shutdown()
        log.close()
    }

    /// A large import's records are built on the other core while it is decided, when the log is
    /// idle; behind a batch still being written they are encoded at commit, as any append's. Both
    /// give a log that verifies and replays to the projection the registry holds.
    @Test(arguments: [false, true])
    func aLargeImportIsStoredWhetherItsRecordsWereBuiltAheadOrNot(logBusy: Bool) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let (log, file) = try GatedLogFile.openLog(path: path)
        if logBusy { file.hold() }
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        // Enough commands for the background encoder (Registry.backgroundEncodingThreshold is
        // 8192): the demo's clusters and first companies, few enough for a sanitizer run.
        let commands = Array(DemoNetwork.defaultCommands.prefix(9000))
        let blocker = logBusy ? try log.enqueue([EventCodec.encode(Event(kind: .clusterRegistered(try record("blocker")), recordedAtMicroseconds: 1, peerUID: 0))]) : nil
        if blocker != nil {
            while file.heldSyncs == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        let batchesBefore = log.batchesWritten
        let importing = Task { try await registry.write(commands, request: nil, expectedSequence: nil, peerUID: 0) }
        if let blocker {
            while registry.decidedSequence < UInt64(commands.count) { try await Task.sleep(for: .milliseconds(5)) }
            file.release()
            _ = try await blocker.wait()
        }
        let result = try await importing.value
        let first: UInt64 = logBusy ? 2 : 1
        #expect(result.firstSequence == first)
        #expect(result.lastSequence == first + UInt64(result.eventCount) - 1)
        // One batch (behind a busy log, after the blocker's, which the writer thread had taken),
        // one commit time.
        #expect(log.batchesWritten == batchesBefore + (logBusy ? 2 : 1))
        var commitTimes = Set<Int64>()
        try log.forEachRecord(from: first) { commitTimes.insert($0.record.commitTimeMicroseconds) }
        #expect(commitTimes.count == 1)
        let replayed = try RegistryReplay.replay(log)
        #expect(registry.view.lastSequence == result.lastSequence)
        #expect(replayed.lastSequence == result.lastSequence)
        // The view is built from what became durable: the blocker, which went to the log past
        // the registry, is in it as in the replay.
        #expect(registry.view == replayed)
        // The demo registers its 70 active clusters and the one it dissolves.
        #expect(replayed.companies.count > 0 && replayed.clusters.count == DemoNetwork.clusterCount + 1 + (logBusy ? 1 : 0))
        log.close()
        #expect(LogVerifier.verify(path: path).isIntact)
    }
}
