import ClusterdTestSupport
import EventLog
import Testing

@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct EventLogAppendTests {
    @Test func createsALogWithAHeaderAndNoRecords() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        #expect(log.openReport.created)
        #expect(log.head.lastSequence == 0)
        #expect(log.head.byteCount == 64)
        log.close()
        #expect(try fileBytes(path).count == 64)
        #expect(Array(try fileBytes(path)[0..<8]) == Array("CLSTRLOG".utf8))
    }

    @Test func appendedRecordsSurviveReopening() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        let first = try await log.append([payload(1), payload(2), payload(3)])
        let second = try await log.append([payload(4)])
        #expect(first.sequences == 1...3)
        #expect(second.sequences == 4...4)
        #expect(second.commitTimeMicroseconds >= first.commitTimeMicroseconds)
        let head = log.head
        log.close()

        let records = try readAll(path)
        #expect(records.map(\.sequence) == [1, 2, 3, 4])
        #expect(records.map(\.payload) == [payload(1), payload(2), payload(3), payload(4)])
        #expect(records.map(\.endsBatch) == [false, false, true, true])
        #expect(records.last?.chainHash == head.chainHash)
        let reopened = try EventLog.open(path: path, logger: quietLogger)
        #expect(reopened.head == head)
        #expect(try await reopened.append([payload(5)]).sequences == 5...5)
        reopened.close()
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func readsFromAnySequenceNumberThroughTheSparseIndex() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        _ = try await writeLog(at: path, batches: 50, perBatch: 100, payloadSize: 10)
        let log = try EventLog.open(path: path, options: readOnlyOptions(), logger: quietLogger)
        for start: UInt64 in [1, 2, 1024, 1025, 1026, 3000, 4999, 5000] {
            var seen: [UInt64] = []
            try log.forEachRecord(from: start, through: min(start + 2, 5000)) { seen.append($0.sequence) }
            #expect(seen == Array(start...min(start + 2, 5000)))
        }
        var none = 0
        try log.forEachRecord(from: 5001) { _ in none += 1 }
        #expect(none == 0)
        log.close()
    }

    @Test func thousandConcurrentAppendersGetUniqueContiguousSequenceNumbers() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: quietLogger)
        let results = try await withThrowingTaskGroup(of: (Int, AppendResult).self) { group in
            for appender in 0..<1000 {
                group.addTask {
                    let count = appender % 3 + 1
                    let payloads = (0..<count).map { Array("appender \(appender) record \($0)".utf8) }
                    return (appender, try await log.append(payloads))
                }
            }
            var results: [(Int, AppendResult)] = []
            for try await result in group { results.append(result) }
            return results
        }
        log.close()
        let sequences = results.flatMap { Array($0.1.sequences) }.sorted()
        let total = (0..<1000).reduce(0) { $0 + $1 % 3 + 1 }
        #expect(sequences == Array(1...UInt64(total)))
        let records = try readAll(path)
        #expect(records.count == total)
        for (appender, result) in results {
            for (position, sequence) in result.sequences.enumerated() {
                #expect(records[Int(sequence) - 1].payload == Array("appender \(appender) record \(position)".utf8))
            }
            #expect(records[Int(result.sequences.upperBound) - 1].chainHash == result.chainHash)
        }
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func refusesEmptyAndOversizedAppends() throws {
        let directory = try TemporaryDirectory()
        let log = try EventLog.open(path: directory.file("events.log"), logger: quietLogger)
        #expect(throws: EventLogError.emptyAppend) { try log.enqueue([]) }
        #expect(throws: EventLogError.self) { try log.enqueue([[UInt8](repeating: 0, count: 64 * 1024 * 1024 + 1)]) }
        log.close()
        #expect(throws: EventLogError.closed) { try log.enqueue([[1]]) }
    }

    @Test func refusesFilesThatAreNotLogs() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try writeBytes(Array(String(repeating: "not a log at all ", count: 8).utf8), to: path)
        #expect {
            try EventLog.open(path: path, logger: quietLogger)
        } throws: { error in
            guard case .badHeader(_, .notALog)? = error as? EventLogError else { return false }
            return true
        }
    }

    @Test func refusesAnUnknownFormatVersionNamingIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try EventLog.open(path: path, logger: quietLogger).close()
        var bytes = try fileBytes(path)
        bytes[8] = 9
        try writeBytes(bytes, to: path)
        #expect {
            try EventLog.open(path: path, logger: quietLogger)
        } throws: { error in
            "\(error)".contains("version 9 is not supported")
        }
    }
}
