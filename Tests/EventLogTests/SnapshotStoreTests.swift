import ClusterdTestSupport
import EventLog
import Foundation
import Testing

struct SnapshotStoreTests {
    func logWithRecords(_ directory: TemporaryDirectory, count: Int) async throws -> EventLog {
        let path = directory.file("events.log")
        _ = try await writeLog(at: path, batches: count, perBatch: 1)
        return try EventLog.open(path: path, logger: quietLogger)
    }

    func snapshot(of log: EventLog, at sequence: UInt64, payload: [UInt8]) throws -> Snapshot {
        Snapshot(logID: log.header.logID, sequence: sequence, chainHash: try log.chainHash(at: sequence)!, payload: payload)
    }

    @Test func theNewestMatchingSnapshotIsFound() async throws {
        let directory = try TemporaryDirectory()
        let log = try await logWithRecords(directory, count: 10)
        let store = SnapshotStore(directory: directory.path)
        try store.write(try snapshot(of: log, at: 4, payload: [4]))
        try store.write(try snapshot(of: log, at: 9, payload: [9]))
        #expect(store.newestUsable(for: log, logger: quietLogger, loading: { $0 })?.snapshot.payload == [9])
        #expect(store.sequences() == [9, 4])
        log.close()
    }

    @Test func onlyTheNewestTwoAreKept() async throws {
        let directory = try TemporaryDirectory()
        let log = try await logWithRecords(directory, count: 5)
        let store = SnapshotStore(directory: directory.path)
        for sequence: UInt64 in 1...5 { try store.write(try snapshot(of: log, at: sequence, payload: [UInt8(sequence)])) }
        #expect(store.sequences() == [5, 4])
        log.close()
    }

    @Test func aSnapshotOfAnotherHistoryIsIgnored() async throws {
        let directory = try TemporaryDirectory()
        let log = try await logWithRecords(directory, count: 6)
        let store = SnapshotStore(directory: directory.path)
        var wrongChain = try snapshot(of: log, at: 5, payload: [5])
        wrongChain.chainHash = try log.chainHash(at: 4)!
        try store.write(wrongChain)
        try store.write(try snapshot(of: log, at: 3, payload: [3]))
        #expect(store.newestUsable(for: log, logger: quietLogger, loading: { $0 })?.snapshot.payload == [3])
        log.close()
    }

    @Test func snapshotsOfOtherLogsOrBeyondTheEndOrDamagedAreIgnored() async throws {
        let directory = try TemporaryDirectory()
        let log = try await logWithRecords(directory, count: 3)
        let store = SnapshotStore(directory: directory.path)
        var otherLog = try snapshot(of: log, at: 2, payload: [2])
        otherLog.logID = [UInt8](repeating: 7, count: 16)
        try store.write(otherLog)
        #expect(store.newestUsable(for: log, logger: quietLogger, loading: { $0 })?.snapshot == nil)
        var beyond = try snapshot(of: log, at: 3, payload: [3])
        beyond.sequence = 30
        try store.write(beyond)
        #expect(store.newestUsable(for: log, logger: quietLogger, loading: { $0 })?.snapshot == nil)
        try store.write(try snapshot(of: log, at: 3, payload: [3]))
        var bytes = try fileBytes(store.path(for: 3))
        bytes[bytes.count - 6] ^= 1
        try writeBytes(bytes, to: store.path(for: 3))
        #expect(store.newestUsable(for: log, logger: quietLogger, loading: { $0 })?.snapshot == nil)
        log.close()
    }

    @Test func encodingRoundTrips() throws {
        let snapshot = Snapshot(logID: Array(0..<16), sequence: 77, chainHash: ChainHash(bytes: Array(100..<132)), payload: Array("state".utf8))
        let decoded = try snapshot.encoded.withUnsafeBytes { try Snapshot(decoding: $0) }
        #expect(decoded == snapshot)
    }
}
