#if canImport(Glibc)
import Glibc
#endif

/// The file operations the writer needs; injectable so that tests can make them fail the way
/// disks do (ENOSPC, EIO, short writes).
public protocol LogFileHandle: AnyObject, Sendable {
    /// Writes `bytes` at `offset`; returns how many were written, which may be fewer.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StorageError) -> Int
    /// fdatasync: makes written data durable.
    func synchronize() throws(StorageError)
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int) throws(StorageError)
    /// The current size of the file.
    func size() throws(StorageError) -> Int
    func close()
}

/// A failed file operation, with the errno it failed with.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32
    /// Said instead of the errno's text when given.
    public var reason: String?

    public init(operation: String, path: String, code: Int32, reason: String? = nil) {
        self.operation = operation
        self.path = path
        self.code = code
        self.reason = reason
    }

    public var description: String {
        if let reason { return "\(operation) \(path): \(reason)" }
        switch code {
        case ELOOP where operation == "open" || operation == "create":
            return "\(operation) \(path): it is a symbolic link, and clusterd follows none in its state directory (remove it)"
        case EINVAL where operation == "open":
            return "\(operation) \(path): it is not a regular file"
        default:
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// A log file on a POSIX file system.
public final class POSIXLogFile: LogFileHandle {
    public let path: String
    private let descriptor: Int32

    /// Opens `path` for reading and writing, creating it (mode 0640) if asked; a symbolic link
    /// at `path` is refused, never followed (see `StateDirectory`).
    public init(path: String, create: Bool) throws(StorageError) {
        let (directoryPath, name) = StateDirectory.split(path)
        let directory = try StateDirectory(path: directoryPath)
        self.path = path
        self.descriptor = create ? try directory.openOrCreate(name) : try directory.open(name, flags: O_RDWR)
    }

    /// Takes over `descriptor`, a file opened read-write at `path`.
    init(descriptor: Int32, path: String) {
        self.path = path
        self.descriptor = descriptor
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(StorageError) -> Int {
        while true {
            let written = pwrite(descriptor, bytes.baseAddress, bytes.count, off_t(offset))
            if written >= 0 { return written }
            if errno == EINTR { continue }
            throw StorageError(operation: "write", path: path, code: errno)
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(StorageError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw StorageError(operation: "read", path: path, code: errno)
        }
    }

    public func synchronize() throws(StorageError) {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw StorageError(operation: "fdatasync", path: path, code: errno)
        }
    }

    public func truncate(to size: Int) throws(StorageError) {
        while ftruncate(descriptor, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw StorageError(operation: "ftruncate", path: path, code: errno)
        }
    }

    public func size() throws(StorageError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StorageError(operation: "fstat", path: path, code: errno) }
        return Int(info.st_size)
    }

    public func close() {
        _ = Glibc.close(descriptor)
    }
}

/// Opens log files; tests pass one that injects faults.
public typealias LogFileOpener = @Sendable (_ path: String, _ create: Bool) throws(StorageError) -> any LogFileHandle

/// The real file system.
public let posixLogFileOpener: LogFileOpener = { path, create throws(StorageError) in
    try POSIXLogFile(path: path, create: create)
}
