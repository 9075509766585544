import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Creating a log, and setting bytes aside before cutting them off.
enum LogCreation {
    /// Creates the log with a fresh header when the file is missing or empty. A file shorter than
    /// a header (creation was interrupted; it holds no record) is kept aside and replaced.
    static func createIfMissing(path: String, logger: Logger) throws(EventLogError) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 {
            let size = Int(info.st_size)
            if size >= LogHeader.size { return false }
            if size > 0 {
                let kept = path + ".broken-0"
                guard rename(path, kept) == 0 else {
                    throw .cannotOpen(path: path, reason: "cannot move the incomplete header aside: \(String(cString: strerror(errno)))")
                }
                logger.warning("the log was shorter than its header (interrupted creation); kept it aside and started a new one", metadata: ["log": "\(path)", "kept_at": "\(kept)"])
            }
        } else if errno != ENOENT {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let temporary = path + ".creating"
        let header = LogHeader.new(createdAtMicroseconds: WallClock.nowMicroseconds()).encoded
        do {
            let file = try POSIXLogFile(path: temporary, create: true)
            defer { file.close() }
            try file.truncate(to: 0)
            let written = try header.withUnsafeBytes { bytes throws(StorageError) in try file.write(bytes, at: 0) }
            guard written == header.count else {
                throw StorageError(operation: "write", path: temporary, code: EIO)
            }
            try file.synchronize()
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        guard rename(temporary, path) == 0 else {
            throw .cannotOpen(path: path, reason: "rename: \(String(cString: strerror(errno)))")
        }
        try synchronizeDirectory(of: path)
        logger.info("created a new log", metadata: ["log": "\(path)"])
        return true
    }

    /// Copies the torn tail to `<path>.broken-<offset>`, makes the copy durable, then cuts the log.
    static func setAside(_ tail: LogScan.TornTail, of mapped: MappedFile, path: String) throws(EventLogError) -> String {
        let keptAt = "\(path).broken-\(tail.offset)"
        do {
            let copy = try POSIXLogFile(path: keptAt, create: true)
            defer { copy.close() }
            try copy.truncate(to: 0)
            let slice = UnsafeRawBufferPointer(rebasing: mapped.bytes[tail.offset..<(tail.offset + tail.byteCount)])
            var written = 0
            while written < slice.count {
                let count = try copy.write(UnsafeRawBufferPointer(rebasing: slice[written...]), at: written)
                guard count > 0 else { throw StorageError(operation: "write", path: keptAt, code: EIO) }
                written += count
            }
            try copy.synchronize()
            let log = try POSIXLogFile(path: path, create: false)
            defer { log.close() }
            try log.truncate(to: tail.offset)
            try log.synchronize()
        } catch {
            throw .cannotOpen(path: path, reason: "cannot set the torn tail aside: \(error)")
        }
        try synchronizeDirectory(of: path)
        return keptAt
    }

    static func repairMismatch(target: UInt64, scan: LogScan) -> String {
        if scan.lastSequence < target {
            return "the log's intact records end at \(scan.lastSequence), before \(target)"
        }
        return "record \(target) is inside a batch that ends at \(scan.lastSequence); repair after a batch end instead"
    }

    /// fsync of the directory, so that a created or renamed file survives a crash.
    static func synchronizeDirectory(of path: String) throws(EventLogError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: directory, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .cannotOpen(path: directory, reason: "fsync: \(String(cString: strerror(errno)))") }
    }
}
