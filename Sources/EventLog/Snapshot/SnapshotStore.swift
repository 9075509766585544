import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Snapshot files in a directory: `snapshot-<seq>.bin`, written atomically, the newest usable one
/// found at start-up. Deleting them loses nothing: they only spare replaying the whole log.
public struct SnapshotStore: Sendable {
    public let directory: String
    /// How many snapshots are kept; older ones are removed after a new one is written.
    public var retained = 2

    public init(directory: String) {
        self.directory = directory
    }

    /// The file name of the snapshot at `sequence`.
    public func path(for sequence: UInt64) -> String {
        directory + "/" + name(for: sequence)
    }

    /// The file name (in `directory`) of the snapshot at `sequence`.
    func name(for sequence: UInt64) -> String {
        let digits = String(sequence)
        return "snapshot-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".bin"
    }

    /// Sequence numbers of the snapshot files present, newest first.
    public func sequences() -> [UInt64] {
        guard let names = try? StateDirectory(path: directory).names() else { return [] }
        var found: [UInt64] = []
        for name in names {
            guard name.hasPrefix("snapshot-"), name.hasSuffix(".bin") else { continue }
            let digits = name.dropFirst("snapshot-".count).dropLast(".bin".count)
            if digits.count == 20, let sequence = UInt64(digits) { found.append(sequence) }
        }
        return found.sorted(by: >)
    }

    /// Writes `snapshot` durably (temporary file, fdatasync, rename, directory fsync), then removes
    /// all but the newest `retained` snapshots. Every name relative to the directory, no link
    /// followed: a link at the temporary name is removed and the file created anew, exclusively.
    @discardableResult
    public func write(_ snapshot: Snapshot) throws(EventLogError) -> String {
        let final = path(for: snapshot.sequence)
        let finalName = name(for: snapshot.sequence)
        let temporary = finalName + ".tmp"
        let bytes = snapshot.encoded
        let store: StateDirectory
        do {
            store = try StateDirectory(path: directory)
        } catch {
            throw .storageFailure(reason: "cannot open the snapshot directory: \(error)")
        }
        do {
            let file = POSIXLogFile(descriptor: try store.createFresh(temporary), path: store.full(temporary))
            defer { file.close() }
            var written = 0
            while written < bytes.count {
                let count = try bytes.withUnsafeBytes { raw throws(StorageError) in
                    try file.write(UnsafeRawBufferPointer(rebasing: raw[written...]), at: written)
                }
                guard count > 0 else { throw StorageError(operation: "write", path: store.full(temporary), code: EIO) }
                written += count
            }
            try file.synchronize()
        } catch {
            store.remove(temporary)
            throw .storageFailure(reason: "cannot write snapshot \(final): \(error)")
        }
        do {
            try store.rename(temporary, to: finalName)
            try store.synchronize()
        } catch {
            store.remove(temporary)
            throw .storageFailure(reason: "cannot put the snapshot in place: \(error)")
        }
        for old in sequences().dropFirst(retained) {
            store.remove(name(for: old))
        }
        return final
    }

    /// The name a snapshot that failed its checks is renamed to: `snapshot-<seq>.rejected`, kept
    /// for whoever wants to see why, never loaded (a later rejection of the same sequence number
    /// replaces it).
    public func rejectedPath(for sequence: UInt64) -> String {
        directory + "/" + rejectedName(for: sequence)
    }

    func rejectedName(for sequence: UInt64) -> String {
        String(name(for: sequence).dropLast(".bin".count)) + ".rejected"
    }

    /// Renames the snapshot at `sequence` aside (see `rejectedPath(for:)`) with a warning that
    /// says why; a snapshot that cannot be renamed is left in place, with a warning too.
    public func setAside(_ sequence: UInt64, because problem: SnapshotProblem, logger: Logger) {
        let path = path(for: sequence)
        do {
            let store = try StateDirectory(path: directory)
            try store.rename(name(for: sequence), to: rejectedName(for: sequence))
            try store.synchronize()
            logger.warning(
                "set a snapshot aside that does not match the log; replaying the log instead",
                metadata: ["snapshot": "\(path)", "renamed_to": "\(rejectedPath(for: sequence))", "reason": "\(problem)"]
            )
        } catch {
            logger.warning(
                "ignoring a snapshot that does not match the log, which could not be renamed aside; replaying the log instead",
                metadata: ["snapshot": "\(path)", "reason": "\(problem)", "rename_error": "\(error)"]
            )
        }
    }

    /// The newest snapshot file that decodes (whole, a format this build reads): the one whose
    /// position the log may be opened at. With `settingAside`, those that do not decode are
    /// renamed aside on the way.
    public func newestReadable(settingAside: Bool, logger: Logger) -> Snapshot? {
        for sequence in sequences() {
            do throws(SnapshotProblem) {
                return try load(path(for: sequence))
            } catch {
                if settingAside {
                    setAside(sequence, because: error, logger: logger)
                } else {
                    logger.warning("ignoring a snapshot that cannot be read", metadata: ["snapshot": "\(path(for: sequence))", "reason": "\(error)"])
                }
            }
        }
        return nil
    }

    /// The newest snapshot that matches `log` and that `loading` accepts, as `loading` returns it
    /// (the daemon checks that the log records its content, then decodes it). `preloaded`, when
    /// given, stands for its own file instead of reading it again. With `settingAside`, every
    /// snapshot found unusable on the way is renamed aside with a warning naming the reason
    /// (see `setAside`); without, it is skipped with that warning.
    public func newestUsable<Loaded>(
        for log: EventLog,
        preloaded: Snapshot? = nil,
        settingAside: Bool = false,
        logger: Logger,
        loading: (Snapshot) throws(SnapshotProblem) -> Loaded
    ) -> (snapshot: Snapshot, loaded: Loaded)? {
        for sequence in sequences() {
            let path = path(for: sequence)
            do throws(SnapshotProblem) {
                let snapshot: Snapshot
                if let preloaded, preloaded.sequence == sequence {
                    snapshot = preloaded
                } else {
                    snapshot = try load(path)
                }
                try check(snapshot, against: log)
                return (snapshot, try loading(snapshot))
            } catch {
                if settingAside {
                    setAside(sequence, because: error, logger: logger)
                } else {
                    logger.warning(
                        "ignoring a snapshot that does not match the log; replaying instead",
                        metadata: ["snapshot": "\(path)", "reason": "\(error)"]
                    )
                }
            }
        }
        return nil
    }

    /// The snapshot file at `path`, decoded (its CRC checked).
    public func load(_ path: String) throws(SnapshotProblem) -> Snapshot {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch {
            throw .unreadable("\(error)")
        }
        return try Snapshot(decoding: mapped.bytes)
    }

    /// Its header against the log: the log's id, a record at its sequence number, the chain hash
    /// there.
    public func check(_ snapshot: Snapshot, against log: EventLog) throws(SnapshotProblem) {
        guard snapshot.logID == log.header.logID else { throw .otherLog }
        let head = log.head
        guard snapshot.sequence <= head.lastSequence else {
            throw .beyondLog(snapshot: snapshot.sequence, log: head.lastSequence)
        }
        let stored: ChainHash?
        do {
            stored = try log.chainHash(at: snapshot.sequence)
        } catch {
            throw .unreadable("\(error)")
        }
        guard stored == snapshot.chainHash else { throw .chainMismatch(sequence: snapshot.sequence) }
    }
}
