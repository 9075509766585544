import EventLog
import Foundation
import Logging
import Locking

#if canImport(Glibc)
import Glibc
#endif

private let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A log file whose `fdatasync` the test holds or fails on demand, and whose writes it can fail
/// (ENOSPC): the seam for the read-view and write-path tests. Everything else is a real file.
final class GatedLogFile: LogFileHandle {
    private let inner: POSIXLogFile
    private let state = Locked(Gate())
    private let released = DispatchSemaphore(value: 0)

    private struct Gate {
        var holding = false
        var held = 0
        var failingWrites = 0
    }

    init(path: String) throws {
        inner = try POSIXLogFile(path: path, create: false)
    }

    /// Opens the log at `path` (created if missing) with its writer's file gated by the result.
    static func openLog(path: String) throws -> (EventLog, GatedLogFile) {
        try EventLog.open(path: path, logger: quietLogger).close()
        let gate = Locked<GatedLogFile?>(nil)
        var options = EventLog.Options()
        options.fileOpener = { path, _ throws(StorageError) in
            do {
                let file = try GatedLogFile(path: path)
                gate.withLock { $0 = file }
                return file
            } catch {
                throw StorageError(operation: "open", path: path, code: EIO)
            }
        }
        let log = try EventLog.open(path: path, options: options, logger: quietLogger)
        return (log, gate.withLock { $0! })
    }

    /// Syncs from now on wait until `release()`.
    func hold() {
        state.withLock { $0.holding = true }
    }

    /// Lets every held sync go on, and the later ones pass.
    func release() {
        let held = state.withLock { gate -> Int in
            gate.holding = false
            defer { gate.held = 0 }
            return gate.held
        }
        for _ in 0..<held { released.signal() }
    }

    /// How many syncs are waiting in `hold`.
    var heldSyncs: Int { state.withLock { $0.held } }

    /// The next `count` writes fail with ENOSPC (their batch fails; the log goes on).
    func failWrites(_ count: Int) {
        state.withLock { $0.failingWrites = count }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StorageError) -> Int {
        let fail = state.withLock { gate -> Bool in
            guard gate.failingWrites > 0 else { return false }
            gate.failingWrites -= 1
            return true
        }
        if fail {
            // A real ENOSPC may leave part of the data behind: write half, then fail.
            _ = try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), at: offset)
            throw StorageError(operation: "write", path: inner.path, code: ENOSPC)
        }
        return try inner.write(bytes, at: offset)
    }

    func synchronize() throws(StorageError) {
        let wait = state.withLock { gate -> Bool in
            guard gate.holding else { return false }
            gate.held += 1
            return true
        }
        if wait { released.wait() }
        try inner.synchronize()
    }

    func truncate(to size: Int) throws(StorageError) { try inner.truncate(to: size) }
    func size() throws(StorageError) -> Int { try inner.size() }
    func close() { inner.close() }
}
