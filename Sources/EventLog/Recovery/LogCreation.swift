import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Creating a log, and setting bytes aside before cutting them off.
enum LogCreation {
    /// Creates the log with a fresh header when the file is missing or empty. A file shorter than
    /// a header (creation was interrupted; it holds no record) is kept aside and replaced.
    ///
    /// Every name is used relative to the directory, without following a link (`StateDirectory`):
    /// a link at the log's name is refused; one at a temporary name is removed, not written through.
    static func createIfMissing(path: String, logger: Logger) throws(EventLogError) -> Bool {
        let (directoryPath, name) = StateDirectory.split(path)
        do {
            let directory = try StateDirectory(path: directoryPath)
            if let info = try directory.status(name) {
                guard info.st_mode & S_IFMT == S_IFREG else {
                    let what = info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link, and clusterd follows none in its state directory" : "not a regular file"
                    throw StorageError(operation: "open", path: path, code: info.st_mode & S_IFMT == S_IFLNK ? ELOOP : EINVAL, reason: what)
                }
                let size = Int(info.st_size)
                if size >= LogHeader.size { return false }
                if size > 0 {
                    // Kept at the first free name: an earlier kept file is never replaced.
                    let (descriptor, kept) = try directory.createUnique(name + ".broken-0")
                    Glibc.close(descriptor)
                    try directory.rename(name, to: kept)
                    logger.warning(
                        "the log was shorter than its header (interrupted creation); kept it aside and started a new one",
                        metadata: ["log": "\(path)", "kept_at": "\(directory.full(kept))"]
                    )
                }
            }
            let temporary = name + ".creating"
            let header = LogHeader.new(createdAtMicroseconds: WallClock.nowMicroseconds()).encoded
            let file = POSIXLogFile(descriptor: try directory.createFresh(temporary), path: directory.full(temporary))
            defer { file.close() }
            let written = try header.withUnsafeBytes { bytes throws(StorageError) in try file.write(bytes, at: 0) }
            guard written == header.count else {
                throw StorageError(operation: "write", path: file.path, code: EIO)
            }
            try file.synchronize()
            try directory.rename(temporary, to: name)
            try directory.synchronize()
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        logger.info("created a new log", metadata: ["log": "\(path)"])
        return true
    }

    /// Copies the torn tail to `<path>.broken-<offset>`, makes the copy durable, then cuts the log.
    /// The copy is created at the first free name (`.broken-<offset>`, then `.1`, `.2`…), never
    /// through a link planted there.
    static func setAside(_ tail: LogScan.TornTail, of mapped: MappedFile, path: String) throws(EventLogError) -> String {
        let (directoryPath, name) = StateDirectory.split(path)
        var keptAt = "\(path).broken-\(tail.offset)"
        do {
            let directory = try StateDirectory(path: directoryPath)
            let (descriptor, keptName) = try directory.createUnique("\(name).broken-\(tail.offset)")
            keptAt = directory.full(keptName)
            let copy = POSIXLogFile(descriptor: descriptor, path: keptAt)
            defer { copy.close() }
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
        let directory = StateDirectory.split(path).directory
        do {
            try StateDirectory(path: directory).synchronize()
        } catch {
            throw .cannotOpen(path: directory, reason: "\(error)")
        }
    }
}
