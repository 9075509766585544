import EventLog

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on the state directory, held for the daemon's lifetime, so that two daemons
/// never append to the same log. The kernel releases it when the process dies, even by SIGKILL.
public final class StateDirectoryLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock at `path`, writing this process's id into the file. A link at `path` is
    /// refused, never followed (`StateDirectory`).
    public init(path: String) throws(DaemonError) {
        let descriptor: Int32
        do {
            let (directory, name) = StateDirectory.split(path)
            descriptor = try StateDirectory(path: directory).openOrCreate(name)
        } catch {
            throw DaemonError.stateDirectory(path: path, reason: "cannot open the lock file: \(error)")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let lockErrno = errno
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            if lockErrno == EWOULDBLOCK {
                throw DaemonError.alreadyRunning(lockPath: path, holderPID: holder)
            }
            throw DaemonError.stateDirectory(path: path, reason: "cannot lock: \(String(cString: strerror(lockErrno)))")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
        self.path = path
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int32(text.filter(\.isNumber))
    }

    deinit {
        close(descriptor)
    }
}
