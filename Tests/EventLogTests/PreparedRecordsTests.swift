import ClusterdTestSupport
@testable import EventLog
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Records built before their append (an Import's, on the other core while it is decided) are
/// written as built only if the log's end is still the one they were built on; otherwise their
/// payloads are encoded again, as for any append. Either way the file is the same valid log.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct PreparedRecordsTests {
    /// Builds `payloads` in parts of the given sizes (an empty part included, as a caller may hand one).
    func build(_ log: EventLog, _ payloads: [[UInt8]], parts: [Int], commitTime: Int64) throws -> PreparedRecords {
        var builder = try #require(log.recordBuilder(commitTimeMicroseconds: commitTime))
        var start = 0
        for size in parts {
            builder.append(Array(payloads[start..<min(payloads.count, start + size)]))
            start += size
        }
        builder.append(Array(payloads[min(start, payloads.count)...]))
        return try #require(builder.finish())
    }

    func commit(_ log: EventLog, _ appended: consuming LeadingAppend) async throws -> AppendResult {
        appended.lead.take()?.commit()
        return try await appended.ticket.wait()
    }

    @Test func preparedRecordsAreWrittenAsBuiltAndFormAValidLog() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        _ = try await log.append([payload(1)])
        // Enough records for the sparse index to take some (one every 1,024), of varied sizes.
        let payloads = (2...2600).map { payload(UInt64($0), size: 20 + Int($0) % 90) }
        let commitTime = log.head.lastCommitTimeMicroseconds + 5
        let prepared = try build(log, payloads, parts: [1, 0, 1000, 999], commitTime: commitTime)
        #expect(prepared.payloads == payloads)
        let batchesBefore = log.batchesWritten
        let result = try await commit(log, try log.enqueue(prepared, leading: true))
        #expect(result.sequences == 2...2600)
        #expect(result.commitTimeMicroseconds == commitTime)
        #expect(log.batchesWritten == batchesBefore + 1)
        #expect(log.head.chainHash == result.chainHash)

        // Read through the sparse index from the middle: the offsets the builder noted are right.
        var middle: [UInt64] = []
        try log.forEachRecord(from: 2050, through: 2052) { middle.append($0.record.sequence) }
        #expect(middle == [2050, 2051, 2052])
        // Appends after them continue the chain.
        _ = try await log.append([payload(2601)])
        log.close()

        let records = try readAll(path)
        #expect(records.map(\.payload) == [payload(1)] + payloads + [payload(2601)])
        #expect(records.map(\.sequence) == Array(1...2601))
        let built = records[1...2599]
        #expect(built.allSatisfy { $0.commitTimeMicroseconds == commitTime })
        // One batch: only its last record ends it.
        #expect(built.filter(\.endsBatch).map(\.sequence) == [2600])
        #expect(LogVerifier.verify(path: path).isIntact)
        #expect(LogVerifier.verify(path: path).lastIntactSequence == 2601)
        // Built into memory nobody zeroed: opening and verifying also hold the reserved bytes
        // and the padding to zero (tried: with the padding left unset, this test fails).
    }

    @Test func aCommitTimeEarlierThanTheLogsIsRaisedToIt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        let first = try await log.append([payload(1)])
        let prepared = try build(log, [payload(2), payload(3)], parts: [], commitTime: first.commitTimeMicroseconds - 1_000_000)
        let result = try await commit(log, try log.enqueue(prepared, leading: true))
        #expect(result.commitTimeMicroseconds == first.commitTimeMicroseconds)
        log.close()
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func noBuilderWhileAnAppendIsQueuedOrBeingWritten() async throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quietLogger)
        var leader = try log.enqueue([payload(1)], leading: true)
        #expect(leader.ticket.ledByCaller)
        // Its records are not written yet: the end of the log they would follow is not known.
        #expect(log.recordBuilder(commitTimeMicroseconds: 0) == nil)
        leader.lead.take()?.commit()
        _ = try await leader.ticket.wait()
        #expect(log.recordBuilder(commitTimeMicroseconds: 0) != nil)
        log.close()
        #expect(log.recordBuilder(commitTimeMicroseconds: 0) == nil)
    }

    @Test func recordsBuiltOnAnEndThatMovedOnAreEncodedAgain() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        _ = try await log.append([payload(1)])
        let payloads = (10...20).map { payload(UInt64($0)) }
        let prepared = try build(log, payloads, parts: [4], commitTime: log.head.lastCommitTimeMicroseconds)
        // Another append lands between building and enqueueing: the records would carry the
        // wrong sequence numbers and chain.
        _ = try await log.append([payload(2)])
        let result = try await commit(log, try log.enqueue(prepared, leading: true))
        #expect(result.sequences == 3...13)
        log.close()
        let records = try readAll(path)
        #expect(records.map(\.payload) == [payload(1), payload(2)] + payloads)
        #expect(records.map(\.sequence) == Array(1...13))
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func preparedRecordsGoAloneInTheirBatch() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        let payloads = (1...50).map { payload(UInt64($0)) }
        let prepared = try build(log, payloads, parts: [25], commitTime: 1)
        var appended = try log.enqueue(prepared, leading: true)
        let ticket = appended.ticket
        #expect(appended.ticket.ledByCaller)
        // Appends that arrive before the caller writes the batch queue behind it, not inside it.
        let behind = try (51...53).map { try log.enqueue([payload(UInt64($0))], leading: true).ticket }
        #expect(behind.allSatisfy { !$0.ledByCaller })
        let batchesBefore = log.batchesWritten
        appended.lead.take()?.commit()
        #expect(try ticket.outcome?.get().sequences == 1...50)
        for append in behind { _ = try await append.wait() }
        #expect(log.batchesWritten == batchesBefore + 2)
        log.close()
        let records = try readAll(path)
        #expect(records.map(\.payload) == payloads + (51...53).map { payload(UInt64($0)) })
        #expect(records[0..<50].allSatisfy { $0.commitTimeMicroseconds == records[0].commitTimeMicroseconds })
        #expect(records[50].commitTimeMicroseconds >= records[49].commitTimeMicroseconds)
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func aFailedWriteOfPreparedRecordsLeavesNoTrace() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try EventLog.open(path: path, logger: quietLogger).close()
        var options = EventLog.Options()
        options.fileOpener = { path, _ throws(StorageError) in
            do {
                return try FaultyLogFile(path: path, faults: [1: .writeError(ENOSPC)])
            } catch {
                throw StorageError(operation: "open", path: path, code: EIO)
            }
        }
        let log = try EventLog.open(path: path, options: options, logger: quietLogger)
        let prepared = try build(log, (1...30).map { payload(UInt64($0)) }, parts: [10], commitTime: 1)
        await #expect(throws: EventLogError.self) { try await commit(log, try log.enqueue(prepared, leading: true)) }
        // Cut back: the next append takes sequence 1 again and the log stays valid.
        let result = try await log.append([payload(1)])
        #expect(result.sequences == 1...1)
        log.close()
        #expect(try readAll(path).map(\.payload) == [payload(1)])
        #expect(LogVerifier.verify(path: path).isIntact)
    }
}
