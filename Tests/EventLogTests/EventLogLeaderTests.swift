import ClusterdTestSupport
@testable import EventLog
import Foundation
import Locking
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An append that finds the log idle is written and synced by its caller; appends that arrive
/// meanwhile still form one batch for the writer thread, which keeps the work while appends come
/// together; and nothing is queued on top of a batch that failed after the caller last looked.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct EventLogLeaderTests {
    /// Opens `path` through a FaultyLogFile whose syncs call `beforeSync` first.
    func open(_ path: String, faults: [Int: FaultyLogFile.Fault] = [:], beforeSync: (@Sendable (Int) -> Void)? = nil) throws -> EventLog {
        try EventLog.open(path: path, logger: quietLogger).close()
        var options = EventLog.Options()
        options.fileOpener = { path, _ throws(StorageError) in
            do {
                return try FaultyLogFile(path: path, faults: faults, beforeSync: beforeSync)
            } catch {
                throw StorageError(operation: "open", path: path, code: EIO)
            }
        }
        return try EventLog.open(path: path, options: options, logger: quietLogger)
    }

    @Test func aLoneLeadingAppendIsSyncedOnItsCallersThread() throws {
        let directory = try TemporaryDirectory()
        let syncingThreads = Locked<[pthread_t]>([])
        let log = try open(directory.file("events.log")) { _ in syncingThreads.withLock { $0.append(pthread_self()) } }
        var appended = try log.enqueue([payload(1)], leading: true)
        let ticket = appended.ticket
        #expect(appended.ticket.ledByCaller)
        #expect(ticket.outcome == nil)
        appended.lead.take()?.commit()
        // Durable when commit returns, without any other thread.
        #expect(try ticket.outcome?.get().sequences == 1...1)
        #expect(syncingThreads.withLock { $0.count == 1 && pthread_equal($0[0], pthread_self()) != 0 })
        #expect(log.batchesWritten == 1)
        #expect(log.batchesLedInline == 1)
        // Without `leading`, the writer thread does it.
        let queued = try log.enqueue([payload(2)])
        #expect(!queued.ledByCaller)
        while queued.outcome == nil { usleep(1000) }
        #expect(syncingThreads.withLock { $0.count == 2 && pthread_equal($0[1], pthread_self()) == 0 })
        #expect(log.batchesLedInline == 1)
        log.close()
        #expect(try readAll(directory.file("events.log")).map(\.payload) == [payload(1), payload(2)])
    }

    @Test func appendsArrivingDuringALedBatchFormTheNextBatchTogether() throws {
        let directory = try TemporaryDirectory()
        let firstSyncStarted = DispatchSemaphore(value: 0)
        let releaseFirstSync = DispatchSemaphore(value: 0)
        let syncingThreads = Locked<[pthread_t]>([])
        let log = try open(directory.file("events.log")) { call in
            syncingThreads.withLock { $0.append(pthread_self()) }
            if call == 1 {
                firstSyncStarted.signal()
                releaseFirstSync.wait()
            }
        }
        var leader = try log.enqueue([payload(1)], leading: true)
        #expect(leader.ticket.ledByCaller)
        let handoff = LeadHandoff(leader.lead.take())
        let leaderThread = Locked<pthread_t?>(nil)
        let leaderDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            leaderThread.withLock { $0 = pthread_self() }
            handoff.take()?.commit()
            leaderDone.signal()
        }
        firstSyncStarted.wait()
        // The log is busy: nobody else leads, and the writer thread waits for the leader.
        let followers = try (2...11).map { try log.enqueue([payload(UInt64($0))], leading: true).ticket }
        #expect(followers.allSatisfy { !$0.ledByCaller })
        usleep(50_000)
        #expect(followers.allSatisfy { $0.outcome == nil })
        #expect(log.batchesWritten == 0)
        releaseFirstSync.signal()
        leaderDone.wait()
        while followers.contains(where: { $0.outcome == nil }) { usleep(1000) }
        #expect(try followers.map { try $0.outcome!.get().sequences.lowerBound } == Array(2...11))
        // The leader's batch, then all ten followers in one batch of the writer thread.
        #expect(log.batchesWritten == 2)
        #expect(log.batchesLedInline == 1)
        let threads = syncingThreads.withLock { $0 }
        #expect(threads.count == 2)
        if threads.count == 2, let leaderThread = leaderThread.withLock({ $0 }) {
            #expect(pthread_equal(threads[0], leaderThread) != 0)
            #expect(pthread_equal(threads[1], leaderThread) == 0)
        }
        // Appends were arriving together: the next one is left to the writer thread, even though
        // the log is idle again; once a batch held a single append, appends lead again.
        let afterLoad = try log.enqueue([payload(12)], leading: true).ticket
        #expect(!afterLoad.ledByCaller)
        while afterLoad.outcome == nil { usleep(1000) }
        var calm = try log.enqueue([payload(13)], leading: true)
        #expect(calm.ticket.ledByCaller)
        calm.lead.take()?.commit()
        #expect(log.batchesLedInline == 2)
        log.close()
        #expect(try readAll(directory.file("events.log")).map(\.sequence) == Array(1...13))
        #expect(LogVerifier.verify(path: directory.file("events.log")).isIntact)
    }

    @Test func aLeaderWhoseWriteFailsFailsItsFollowersAndTheLogGoesOn() throws {
        let directory = try TemporaryDirectory()
        let log = try open(directory.file("events.log"), faults: [1: .writeError(ENOSPC)])
        var leading = try log.enqueue([payload(1)], leading: true)
        leading.lead.take()?.commit()
        let leader = leading.ticket
        guard case .failure(.storageFailure)? = leader.outcome else {
            Issue.record("the led batch should have failed: \(String(describing: leader.outcome))")
            return
        }
        #expect(log.failedBatches == 1)
        do {
            // Let go without commit(): the batch is written all the same.
            let next = try log.enqueue([payload(1)], leading: true)
            #expect(next.ticket.ledByCaller)
            #expect(next.ticket.outcome == nil)
        }
        #expect(log.batchesLedInline == 1)
        #expect(log.head.lastSequence == 1)
        log.close()
        #expect(try readAll(directory.file("events.log")).map(\.payload) == [payload(1)])
    }

    @Test func anAppendDecidedBeforeABatchFailedIsRefused() async throws {
        let directory = try TemporaryDirectory()
        let log = try open(directory.file("events.log"), faults: [2: .writeError(EIO)])
        _ = try await log.append([payload(1)])
        let seen = log.failedBatches
        #expect(seen == 0)
        await #expect(throws: EventLogError.self) { try await log.append([payload(2)]) }
        #expect(log.failedBatches == 1)
        // Decided while the failed batch still seemed on its way: refused, nothing queued.
        #expect(throws: EventLogError.earlierBatchFailed) { try log.enqueue([payload(2)], failedBatches: seen) }
        var retried = try log.enqueue([payload(2)], leading: true, failedBatches: log.failedBatches)
        retried.lead.take()?.commit()
        #expect(try await retried.ticket.wait().sequences == 2...2)
        log.close()
        #expect(try readAll(directory.file("events.log")).map(\.payload) == [payload(1), payload(2)])
    }
}

/// Hands a led batch to another thread (a non-copyable value cannot be captured by a closure).
final class LeadHandoff: @unchecked Sendable {
    private let lock = NSLock()
    private var lead: LedBatch?

    init(_ lead: consuming LedBatch?) {
        self.lead = lead
    }

    func take() -> LedBatch? {
        lock.lock()
        defer { lock.unlock() }
        return lead.take()
    }
}
