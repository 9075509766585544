import ClusterdTestSupport
import EventLog
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct EventLogFaultTests {
    func openFaulty(_ path: String, _ faults: [Int: FaultyLogFile.Fault]) throws -> EventLog {
        var options = EventLog.Options()
        options.fileOpener = { path, _ throws(StorageError) in
            do {
                return try FaultyLogFile(path: path, faults: faults)
            } catch {
                throw StorageError(operation: "open", path: path, code: EIO)
            }
        }
        return try EventLog.open(path: path, options: options, logger: quietLogger)
    }

    @Test func ENOSPCFailsTheBatchCutsTheFileBackAndLaterWritesSucceed() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try EventLog.open(path: path, logger: quietLogger).close()
        let log = try openFaulty(path, [2: .writeError(ENOSPC)])
        _ = try await log.append([payload(1)])
        let sizeBefore = log.head.byteCount
        await #expect {
            try await log.append([payload(2), payload(3)])
        } throws: { error in
            guard case .storageFailure(let reason)? = error as? EventLogError else { return false }
            return reason.contains("No space left on device")
        }
        #expect(try fileBytes(path).count == sizeBefore)
        #expect(log.health == .writable)
        // The failed sequence numbers are given out again: nothing was stored under them.
        #expect(try await log.append([payload(2)]).sequences == 2...2)
        log.close()
        #expect(try readAll(path).map(\.payload) == [payload(1), payload(2)])
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func aShortWriteFailsTheBatchAndLeavesAValidLog() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try EventLog.open(path: path, logger: quietLogger).close()
        let log = try openFaulty(path, [1: .shortWrite])
        await #expect {
            try await log.append([payload(1), payload(2)])
        } throws: { error in
            "\(error)".contains("short write")
        }
        _ = try await log.append([payload(1)])
        log.close()
        #expect(try readAll(path).map(\.payload) == [payload(1)])
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func aFailedSyncDisablesWritesButReadsGoOn() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try EventLog.open(path: path, logger: quietLogger).close()
        let log = try openFaulty(path, [-2: .syncError(EIO)])
        _ = try await log.append([payload(1)])
        await #expect {
            try await log.append([payload(2)])
        } throws: { error in
            guard case .writesDisabled(let reason)? = error as? EventLogError else { return false }
            return reason.contains("Input/output error")
        }
        guard case .writesDisabled = log.health else {
            Issue.record("health is \(log.health)")
            return
        }
        #expect(throws: EventLogError.self) { try log.enqueue([payload(3)]) }
        var read: [UInt64] = []
        try log.forEachRecord { read.append($0.sequence) }
        #expect(read == [1])
        log.close()
        // After a restart the log is valid and writable again.
        let reopened = try EventLog.open(path: path, logger: quietLogger)
        #expect(reopened.head.lastSequence == 1)
        #expect(try await reopened.append([payload(2)]).sequences == 2...2)
        reopened.close()
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func everyWaiterOfAFailedBatchAndItsFollowersIsTold() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try EventLog.open(path: path, logger: quietLogger).close()
        let log = try openFaulty(path, [1: .writeError(EIO)])
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask {
                    (try? await log.append([payload(UInt64(index))])) != nil
                }
            }
            var outcomes: [Bool] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.contains(false))
        let stored = log.head.lastSequence
        log.close()
        // Exactly the acknowledged appends are in the log, numbered without gaps.
        #expect(UInt64(outcomes.filter { $0 }.count) == stored)
        #expect(try readAll(path).map(\.sequence) == Array(0..<stored).map { $0 + 1 })
    }
}
