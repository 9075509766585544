import ClusterdTestSupport
import EventLog
import Foundation
import Testing

/// Zeros written ahead of the log: appends land in reserved space, reopening finds the end, and a
/// torn write into that space is cut without the zeros.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct PreallocationTests {
    func options(_ bytes: Int) -> EventLog.Options {
        var options = EventLog.Options()
        options.preallocationBytes = bytes
        return options
    }

    @Test func appendsGoIntoReservedSpaceAndReopeningFindsTheEnd() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, options: options(64 * 1024), logger: quietLogger)
        _ = try await log.append([payload(1), payload(2)])
        let head = log.head
        log.close()
        let size = try fileBytes(path).count
        #expect(size >= head.byteCount + 64 * 1024)
        #expect(try fileBytes(path)[head.byteCount...].allSatisfy { $0 == 0 })

        let reopened = try EventLog.open(path: path, options: options(64 * 1024), logger: quietLogger)
        #expect(reopened.head == head)
        #expect(reopened.openReport.tornTail == nil)
        _ = try await reopened.append([payload(3)])
        reopened.close()
        #expect(try readAll(path).map(\.sequence) == [1, 2, 3])
        #expect(LogVerifier.verify(path: path).isIntact)
    }

    @Test func aTornWriteIntoReservedSpaceIsCutWithoutTheZeros() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, options: options(64 * 1024), logger: quietLogger)
        _ = try await log.append([payload(1)])
        _ = try await log.append([payload(2), payload(3)])
        let afterFirst = try readAll(path).first.map { _ in 64 + 8 + ((56 + payload(1).count + 7) & ~7) }!
        log.close()
        // The second batch only partly reached the disk: its last 30 bytes are zeros again.
        var bytes = try fileBytes(path)
        let end = try EventLog.open(path: path, options: options(0), logger: quietLogger).head.byteCount
        for index in (end - 30)..<end { bytes[index] = 0 }
        try writeBytes(bytes, to: path)

        let reopened = try EventLog.open(path: path, options: options(64 * 1024), logger: quietLogger)
        #expect(reopened.head.lastSequence == 1)
        let tail = try #require(reopened.openReport.tornTail)
        #expect(tail.offset == afterFirst)
        #expect(tail.byteCount < 4096)
        #expect(try fileBytes(path + ".broken-\(afterFirst)") == Array(bytes[afterFirst..<(afterFirst + tail.byteCount)]))
        reopened.close()
        #expect(LogVerifier.verify(path: path).isIntact)
    }
}

extension PreallocationTests {
    /// A batch larger than the zeros ahead is written at once, extending the file; the writer
    /// thread then puts zeros after it, and the log reads back whole.
    @Test func aBatchPastTheZerosIsWrittenFirstAndZerosFollowIt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, options: options(64 * 1024), logger: quietLogger)
        let big = (1...3000).map { payload(UInt64($0), size: 100) }  // ~500 KiB of records
        _ = try await log.append(big)
        _ = try await log.append([payload(3001)])
        let head = log.head
        log.close()
        #expect(head.byteCount > 64 * 1024 * 4)
        let bytes = try fileBytes(path)
        #expect(bytes.count >= head.byteCount + 64 * 1024 / 2)
        #expect(bytes[head.byteCount...].allSatisfy { $0 == 0 })
        #expect(try readAll(path).map(\.sequence) == Array(1...3001))
        #expect(LogVerifier.verify(path: path).isIntact)
    }
}
