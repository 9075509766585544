import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Locking

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A payload that says which record it is, so that tests can check contents after reopening.
func payload(_ sequence: UInt64, size: Int = 40) -> [UInt8] {
    let text = Array("record \(sequence) ".utf8)
    return (0..<max(size, text.count)).map { $0 < text.count ? text[$0] : UInt8(truncatingIfNeeded: Int(sequence) &+ $0) }
}

/// Every record of the log at `path`, opened read-only.
func readAll(_ path: String) throws -> [LogRecord] {
    let log = try EventLog.open(path: path, options: readOnlyOptions(), logger: quietLogger)
    defer { log.close() }
    var records: [LogRecord] = []
    try log.forEachRecord { records.append($0.record) }
    return records
}

func readOnlyOptions() -> EventLog.Options {
    var options = EventLog.Options()
    options.readOnly = true
    return options
}

/// Writes `batches` batches of `perBatch` records each, one append per batch.
func writeLog(at path: String, batches: Int, perBatch: Int, payloadSize: Int = 40) async throws -> EventLog.Head {
    let log = try EventLog.open(path: path, logger: quietLogger)
    defer { log.close() }
    var next: UInt64 = log.head.lastSequence + 1
    for _ in 0..<batches {
        let payloads = (0..<perBatch).map { offset in payload(next + UInt64(offset), size: payloadSize) }
        _ = try await log.append(payloads)
        next += UInt64(perBatch)
    }
    return log.head
}

func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// A log file that fails the way disks do, on the calls the test chooses.
final class FaultyLogFile: LogFileHandle {
    enum Fault {
        case writeError(Int32)
        case shortWrite
        case syncError(Int32)
    }

    private let inner: POSIXLogFile
    private let plan: Locked<[Int: Fault]>
    private let writes = Locked(0)
    private let syncs = Locked(0)

    private let beforeSync: (@Sendable (Int) -> Void)?

    /// `faults` maps the 1-based number of a write (or of a sync, for sync faults) to its fault;
    /// `beforeSync` runs before each sync, with its number, on the syncing thread.
    init(path: String, faults: [Int: Fault], beforeSync: (@Sendable (Int) -> Void)? = nil) throws {
        inner = try POSIXLogFile(path: path, create: false)
        plan = Locked(faults)
        self.beforeSync = beforeSync
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StorageError) -> Int {
        let call = writes.withLock { $0 += 1; return $0 }
        switch plan.withLock({ $0[call] }) {
        case .writeError(let code)?:
            // A real ENOSPC may leave part of the data behind: write half, then fail.
            _ = try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), at: offset)
            throw StorageError(operation: "write", path: inner.path, code: code)
        case .shortWrite?:
            return try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 3)]), at: offset)
        default:
            return try inner.write(bytes, at: offset)
        }
    }

    func synchronize() throws(StorageError) {
        let call = syncs.withLock { $0 += 1; return $0 }
        beforeSync?(call)
        if case .syncError(let code)? = plan.withLock({ $0[-call] }) {
            throw StorageError(operation: "fdatasync", path: inner.path, code: code)
        }
        try inner.synchronize()
    }

    func truncate(to size: Int) throws(StorageError) { try inner.truncate(to: size) }
    func size() throws(StorageError) -> Int { try inner.size() }
    func close() { inner.close() }
}
