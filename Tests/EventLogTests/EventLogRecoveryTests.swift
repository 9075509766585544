import ClusterdTestSupport
import EventLog
import Foundation
import Testing

@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 5))))
struct EventLogRecoveryTests {
    /// Offsets where each batch ends, from the records of an intact log.
    func batchEnds(_ path: String) throws -> [(sequence: UInt64, end: Int)] {
        var ends: [(UInt64, Int)] = []
        var offset = 64
        for record in try readAll(path) {
            offset += 8 + ((56 + record.payload.count + 7) & ~7)
            if record.endsBatch { ends.append((record.sequence, offset)) }
        }
        return ends
    }

    @Test func aLogCutAtAnyByteOfItsLastBatchesOpensToTheLastCompleteBatch() async throws {
        let directory = try TemporaryDirectory()
        let original = directory.file("original.log")
        _ = try await writeLog(at: original, batches: 6, perBatch: 3, payloadSize: 30)
        let bytes = try fileBytes(original)
        let ends = try batchEnds(original)
        let firstCut = ends[ends.count - 4].end  // every offset within the last three batches
        for cut in firstCut..<bytes.count {
            await Task.yield()
            let path = directory.file("cut-\(cut).log")
            try writeBytes(Array(bytes[0..<cut]), to: path)
            let log = try EventLog.open(path: path, logger: quietLogger)
            let expected = ends.last { $0.end <= cut }!
            #expect(log.head.lastSequence == expected.sequence, "cut at \(cut)")
            #expect(log.head.byteCount == expected.end)
            if cut > expected.end {
                let tail = try #require(log.openReport.tornTail, "cut at \(cut)")
                #expect(tail.offset == expected.end)
                #expect(tail.firstLostSequence == expected.sequence + 1)
                // The cut bytes are kept aside, byte for byte, except zeros at the very end
                // (docs/log-format.md: a torn tail ends at its last non-zero byte, rounded up to a
                // multiple of 8). The chain hashes are random per log, so a cut just after a zero
                // byte of a hash happens now and then.
                var keptEnd = cut
                while keptEnd > expected.end && bytes[keptEnd - 1] == 0 { keptEnd -= 1 }
                if keptEnd < cut { keptEnd = min(cut, (keptEnd + 7) & ~7) }
                #expect(try fileBytes(path + ".broken-\(expected.end)") == Array(bytes[expected.end..<keptEnd]), "cut at \(cut)")
            } else {
                #expect(log.openReport.tornTail == nil)
            }
            // The log goes on from there.
            #expect(try await log.append([payload(99)]).sequences.lowerBound == expected.sequence + 1)
            log.close()
            let records = try readAll(path)
            #expect(Array(records.dropLast().map(\.payload)) == (1...expected.sequence).map { payload($0, size: 30) })
            #expect(LogVerifier.verify(path: path).isIntact)
        }
    }

    @Test func readOnlyOpeningOfATornLogReportsTheTailAndChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        _ = try await writeLog(at: path, batches: 3, perBatch: 2)
        let bytes = try fileBytes(path)
        let torn = Array(bytes.dropLast(10))
        try writeBytes(torn, to: path)
        let log = try EventLog.open(path: path, options: readOnlyOptions(), logger: quietLogger)
        #expect(log.head.lastSequence == 4)
        #expect(log.openReport.tornTail?.firstLostSequence == 5)
        #expect(log.openReport.tornTail?.keptAt == nil)
        log.close()
        #expect(try fileBytes(path) == torn)
        #expect(!FileManager.default.fileExists(atPath: path + ".broken-\(log.head.byteCount)"))
    }

    @Test func everySingleBitFlipIsCaughtByVerifyAndOpening() async throws {
        let directory = try TemporaryDirectory()
        let original = directory.file("original.log")
        _ = try await writeLog(at: original, batches: 4, perBatch: 2, payloadSize: 12)
        let bytes = try fileBytes(original)
        let intact = try readAll(original)
        let ends = try batchEnds(original)
        let path = directory.file("flipped.log")
        for byte in 0..<bytes.count {
            // This loop is seconds of synchronous work: let the other tests' tasks run meanwhile.
            await Task.yield()
            for bit in 0..<8 {
                var flipped = bytes
                flipped[byte] ^= 1 << bit
                try writeBytes(flipped, to: path)
                let report = LogVerifier.verify(path: path)
                #expect(!report.isIntact, "flip of bit \(bit) of byte \(byte) went unnoticed by verify")
                do {
                    let log = try EventLog.open(path: path, options: readOnlyOptions(), logger: quietLogger)
                    // Opening may only succeed by cutting a tail that starts at or before the flip,
                    // and keeps every record before the tail untouched.
                    let tail = try #require(log.openReport.tornTail, "flip at byte \(byte) opened without a cut")
                    #expect(tail.offset <= byte)
                    #expect(ends.contains { $0.end == tail.offset } || tail.offset == 64)
                    var kept: [LogRecord] = []
                    try log.forEachRecord { kept.append($0.record) }
                    #expect(kept == Array(intact.prefix(kept.count)))
                    log.close()
                } catch let error as EventLogError {
                    switch error {
                    case .badHeader: #expect(byte < 64)
                    case .damaged(let damage): #expect(damage.offset <= byte)
                    default: Issue.record("unexpected \(error)")
                    }
                }
            }
        }
    }

    @Test func damageBeforeTheTailRefusesToOpenAndNamesOffsetAndSequence() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        _ = try await writeLog(at: path, batches: 5, perBatch: 2)
        let ends = try batchEnds(path)
        var bytes = try fileBytes(path)
        let damagedOffset = ends[1].end  // record 5, the first of the third batch
        bytes[damagedOffset + 40] ^= 0xFF
        try writeBytes(bytes, to: path)
        #expect {
            try EventLog.open(path: path, logger: quietLogger)
        } throws: { error in
            guard case .damaged(let damage)? = error as? EventLogError else { return false }
            return damage.offset == damagedOffset && damage.sequence == 5 && damage.lastIntactSequence == 4
                && damage.description.contains("clusterctl verify --log \(path)")
                && damage.description.contains("--repair-truncate-after-seq 4")
        }
        // Nothing was changed by the refusal.
        #expect(try fileBytes(path) == bytes)
        let report = LogVerifier.verify(path: path)
        #expect(report.problem?.offset == damagedOffset)
        #expect(report.problem?.sequence == 5)
    }

    @Test func theRepairFlagKeepsTheHistoryBeforeTheDamageAndSetsTheRestAside() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        _ = try await writeLog(at: path, batches: 5, perBatch: 2)
        let ends = try batchEnds(path)
        var bytes = try fileBytes(path)
        bytes[ends[1].end + 40] ^= 0xFF
        try writeBytes(bytes, to: path)
        var options = EventLog.Options()
        options.repairTruncateAfterSequence = 3
        #expect {
            try EventLog.open(path: path, options: options, logger: quietLogger)
        } throws: { error in
            "\(error)".contains("inside a batch that ends at 4")
        }
        options.repairTruncateAfterSequence = 4
        let log = try EventLog.open(path: path, options: options, logger: quietLogger)
        #expect(log.head.lastSequence == 4)
        log.close()
        #expect(try fileBytes(path + ".broken-\(ends[1].end)") == Array(bytes[ends[1].end...]))
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func aHeaderCutShortByAnInterruptedCreationIsReplaced() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        try writeBytes(Array("CLSTRL".utf8), to: path)
        let log = try EventLog.open(path: path, logger: quietLogger)
        #expect(log.openReport.created)
        log.close()
        #expect(try fileBytes(path + ".broken-0") == Array("CLSTRL".utf8))
    }
}
