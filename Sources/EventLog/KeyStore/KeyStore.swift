import Crypto
import Locking
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The data subjects' keys, in `keys.bin` beside the log (docs/key-store.md): one random key per
/// person, wrapped with the `WrappingKey`, created durably before an event uses it and destroyed
/// (overwritten, synced) to erase the person.
///
/// Every method that touches the file blocks on the disk: call them from a thread that owns such
/// work, never from an event loop. The keys in memory are behind a lock held for no I/O, so
/// `key(for:)` never waits for the disk.
public final class KeyStore: Sendable {
    public static let fileName = "keys.bin"
    static let temporaryName = "keys.bin.tmp"
    static let magic: [UInt8] = Array("CLSTRKEY".utf8)
    static let version: UInt16 = 1
    static let headerSize = 64
    static let entrySize = 80
    /// Larger files are refused rather than read: 13 million people.
    static let maximumSize = 1 << 30

    public let path: String
    private let directory: StateDirectory
    private let logID: [UInt8]
    private let wrappingKey: WrappingKey
    /// The header as read at open: a compaction writes it again unchanged.
    private let header: [UInt8]
    /// The file and what is known of it; the lock is held across a write so that two writers never
    /// interleave, but `keys` is read under `memory`, which no I/O holds.
    private let file: Locked<FileState>
    private let memory: Locked<[SubjectID: SubjectKey]>

    private struct FileState {
        var handle: POSIXLogFile
        /// Entries in the file, erased slots included.
        var entryCount: Int
        /// The slot of each subject with a key.
        var slots: [SubjectID: Int]
    }

    private init(directory: StateDirectory, logID: [UInt8], wrappingKey: WrappingKey, header: [UInt8], handle: POSIXLogFile, entries: [(SubjectID, SubjectKey, Int)], entryCount: Int) {
        self.directory = directory
        self.header = header
        self.path = directory.full(Self.fileName)
        self.logID = logID
        self.wrappingKey = wrappingKey
        var slots: [SubjectID: Int] = [:]
        var keys: [SubjectID: SubjectKey] = [:]
        for (subject, key, slot) in entries {
            slots[subject] = slot
            keys[subject] = key
        }
        file = Locked(FileState(handle: handle, entryCount: entryCount, slots: slots))
        memory = Locked(keys)
    }

    deinit {
        file.withLock { $0.handle.close() }
    }

    // MARK: Opening

    /// Whether `directory` holds a key store file (a link at the name counts, and is refused when
    /// opened).
    public static func exists(in directory: StateDirectory) throws(KeyStoreError) -> Bool {
        do {
            return try directory.status(fileName) != nil
        } catch {
            throw .storage(error)
        }
    }

    /// Creates an empty key store for the log `logID`, atomically (a temporary file, synced,
    /// renamed into place, the directory synced); refuses if one exists.
    public static func create(in directory: StateDirectory, logID: [UInt8], wrappingKey: WrappingKey, nowMicroseconds: Int64) throws(KeyStoreError) -> KeyStore {
        guard try !exists(in: directory) else {
            throw .storage(StorageError(operation: "create", path: directory.full(fileName), code: EEXIST))
        }
        try writeWhole(in: directory, header: header(logID: logID, wrappingKey: wrappingKey, nowMicroseconds: nowMicroseconds), entries: [])
        return try open(in: directory, logID: logID, wrappingKey: wrappingKey, logger: nil)
    }

    /// Opens the key store of the log `logID` and checks all of it (docs/key-store.md, "Reading,
    /// and what is checked"); an entry torn by a stop while it was appended is cut off, with a
    /// warning.
    public static func open(in directory: StateDirectory, logID: [UInt8], wrappingKey: WrappingKey, logger: Logger?) throws(KeyStoreError) -> KeyStore {
        let path = directory.full(fileName)
        let handle: POSIXLogFile
        do {
            guard try directory.status(fileName) != nil else { throw KeyStoreError.missing(path: path) }
            handle = POSIXLogFile(descriptor: try directory.open(fileName, flags: O_RDWR), path: path)
        } catch let error as KeyStoreError {
            throw error
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .storage(StorageError(operation: "open", path: path, code: EIO, reason: "\(error)"))
        }
        do {
            let bytes = try read(handle)
            try checkHeader(bytes, path: path, logID: logID, wrappingKey: wrappingKey)
            var entries: [(SubjectID, SubjectKey, Int)] = []
            var seen: Set<SubjectID> = []
            let complete = (bytes.count - headerSize) / entrySize
            var entryCount = complete
            for slot in 0..<complete {
                let offset = headerSize + slot * entrySize
                let entry = bytes[offset..<(offset + entrySize)]
                if entry.allSatisfy({ $0 == 0 }) { continue }
                let stored = entry.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 76, as: UInt32.self)) }
                guard CRC32C.checksum(entry.prefix(76)) == stored else {
                    if slot == complete - 1 {
                        entryCount = slot
                        break
                    }
                    throw KeyStoreError.damaged(path: path, offset: offset, reason: "an entry's CRC does not match, and entries follow it")
                }
                let subject = SubjectID(bytes: entry.prefix(16))!
                guard subject != .zero else {
                    throw KeyStoreError.damaged(path: path, offset: offset, reason: "an entry has no subject id")
                }
                guard let key = unwrap(entry, subject: subject, logID: logID, wrappingKey: wrappingKey) else {
                    throw KeyStoreError.damaged(path: path, offset: offset, reason: "an entry's key does not open with the wrapping key: it was altered")
                }
                guard seen.insert(subject).inserted else {
                    throw KeyStoreError.damaged(path: path, offset: offset, reason: "subject \(subject) has a second entry")
                }
                entries.append((subject, key, slot))
            }
            let size = headerSize + entryCount * entrySize
            if size != bytes.count {
                logger?.warning(
                    "the key store ended in an entry torn by a stop while it was written; it was never used, and is cut off",
                    metadata: ["path": "\(path)", "cut_bytes": "\(bytes.count - size)"]
                )
                try handle.truncate(to: size)
                try handle.synchronize()
            }
            return KeyStore(directory: directory, logID: logID, wrappingKey: wrappingKey, header: Array(bytes.prefix(headerSize)), handle: handle, entries: entries, entryCount: entryCount)
        } catch let error as KeyStoreError {
            handle.close()
            throw error
        } catch let error as StorageError {
            handle.close()
            throw .storage(error)
        } catch {
            handle.close()
            throw .storage(StorageError(operation: "read", path: path, code: EIO, reason: "\(error)"))
        }
    }

    // MARK: Keys

    /// The key of `subject`, or nil if it has none (never had one, or it was destroyed).
    public func key(for subject: SubjectID) -> SubjectKey? {
        memory.withLock { $0[subject] }
    }

    /// How many subjects have a key.
    public var count: Int {
        memory.withLock { $0.count }
    }

    /// The subjects that have a key.
    public var subjects: Set<SubjectID> {
        memory.withLock { Set($0.keys) }
    }

    /// Makes a key for each of `subjects` and returns once they are durable (appended, then
    /// `fdatasync`): only then may an event use them. A subject that already has a key is
    /// refused, and so nothing is written.
    public func createKeys(for subjects: [SubjectID]) throws(KeyStoreError) -> [SubjectKey] {
        let keys = subjects.map { _ in SubjectKey.random() }
        try file.withLock { (state: inout FileState) throws(KeyStoreError) in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(subjects.count * Self.entrySize)
            var fresh: Set<SubjectID> = []
            for (subject, key) in zip(subjects, keys) {
                guard subject != .zero, state.slots[subject] == nil, fresh.insert(subject).inserted else {
                    throw .storage(StorageError(operation: "add a key to", path: path, code: EEXIST, reason: "subject \(subject) already has a key"))
                }
                bytes += Self.entry(subject: subject, key: key, logID: logID, wrappingKey: wrappingKey)
            }
            let offset = Self.headerSize + state.entryCount * Self.entrySize
            do throws(StorageError) {
                try Self.writeAll(bytes, to: state.handle, at: offset)
                try state.handle.synchronize()
            } catch {
                // Nothing of it may be taken as there: cut it off again (if that fails too, the
                // next open cuts a torn entry, or finds keys nobody uses).
                try? state.handle.truncate(to: offset)
                throw .storage(error)
            }
            for (index, subject) in subjects.enumerated() {
                state.slots[subject] = state.entryCount + index
            }
            state.entryCount += subjects.count
        }
        memory.withLock { memory in
            for (subject, key) in zip(subjects, keys) { memory[subject] = key }
        }
        return keys
    }

    /// Destroys the keys of `subjects` (those that have one): each entry overwritten in place
    /// with zeros, then `fdatasync`; returns once that is durable. The keys leave memory first, so
    /// no read decrypts with them once this was called. When erased slots are more than half of
    /// the file, it is rewritten without them. Returns how many keys were destroyed.
    @discardableResult
    public func destroy(_ subjects: some Sequence<SubjectID>) throws(KeyStoreError) -> Int {
        let subjects = Array(subjects)
        memory.withLock { memory in
            for subject in subjects { memory[subject] = nil }
        }
        return try file.withLock { (state: inout FileState) throws(KeyStoreError) -> Int in
            var destroyed = 0
            let zeros = [UInt8](repeating: 0, count: Self.entrySize)
            do throws(StorageError) {
                for subject in subjects {
                    guard let slot = state.slots[subject] else { continue }
                    try Self.writeAll(zeros, to: state.handle, at: Self.headerSize + slot * Self.entrySize)
                    destroyed += 1
                }
                if destroyed > 0 { try state.handle.synchronize() }
            } catch {
                throw .storage(error)
            }
            for subject in subjects { state.slots[subject] = nil }
            if (state.entryCount - state.slots.count) * 2 > state.entryCount {
                try compact(&state)
            }
            return destroyed
        }
    }

    /// The key store rewritten with only its live entries (fresh nonces), synced, renamed over
    /// the old one, the directory synced.
    private func compact(_ state: inout FileState) throws(KeyStoreError) {
        let live = state.slots.sorted { $0.value < $1.value }
        let keys = memory.withLock { memory in live.map { memory[$0.key] } }
        var entries: [UInt8] = []
        var slots: [SubjectID: Int] = [:]
        for ((subject, _), key) in zip(live, keys) {
            guard let key else { continue }
            slots[subject] = slots.count
            entries += Self.entry(subject: subject, key: key, logID: logID, wrappingKey: wrappingKey)
        }
        try Self.writeWhole(in: directory, header: header, entries: entries)
        do throws(StorageError) {
            let handle = POSIXLogFile(descriptor: try directory.open(Self.fileName, flags: O_RDWR), path: path)
            state.handle.close()
            state = FileState(handle: handle, entryCount: slots.count, slots: slots)
        } catch {
            throw .storage(error)
        }
    }

    // MARK: Format

    static func header(logID: [UInt8], wrappingKey: WrappingKey, nowMicroseconds: Int64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: headerSize)
        bytes.replaceSubrange(0..<8, with: magic)
        bytes.storeLittleEndian(version, at: 8)
        bytes.storeLittleEndian(UInt16(headerSize), at: 10)
        bytes.storeLittleEndian(UInt32(entrySize), at: 12)
        bytes.replaceSubrange(16..<32, with: logID)
        bytes.replaceSubrange(32..<48, with: wrappingKey.id)
        bytes.storeLittleEndian(UInt64(bitPattern: nowMicroseconds), at: 48)
        bytes.storeLittleEndian(CRC32C.checksum(bytes.prefix(60)), at: 60)
        return bytes
    }

    private static func checkHeader(_ bytes: [UInt8], path: String, logID: [UInt8], wrappingKey: WrappingKey) throws(KeyStoreError) {
        guard bytes.count >= headerSize else {
            throw .badHeader(path: path, reason: "it holds \(bytes.count) bytes, less than a header (\(headerSize))")
        }
        guard Array(bytes[0..<8]) == magic else { throw .badHeader(path: path, reason: "its first bytes are not CLSTRKEY") }
        guard CRC32C.checksum(bytes.prefix(60)) == Self.load(bytes, UInt32.self, at: 60) else {
            throw .badHeader(path: path, reason: "its header's CRC does not match")
        }
        let found = Self.load(bytes, UInt16.self, at: 8)
        guard found == version else { throw .badHeader(path: path, reason: "format version \(found); this clusterd reads version \(version)") }
        guard Self.load(bytes, UInt16.self, at: 10) == UInt16(headerSize), Self.load(bytes, UInt32.self, at: 12) == UInt32(entrySize) else {
            throw .badHeader(path: path, reason: "its header or entry length is not version 1's")
        }
        guard Array(bytes[16..<32]) == logID else {
            throw .otherLog(path: path, keyStoreLog: ChainHash.hexString(Array(bytes[16..<32])), log: ChainHash.hexString(logID))
        }
        guard Array(bytes[32..<48]) == wrappingKey.id else { throw .otherWrappingKey(path: path) }
    }

    static func entry(subject: SubjectID, key: SubjectKey, logID: [UInt8], wrappingKey: WrappingKey) -> [UInt8] {
        let material = key.key.withUnsafeBytes { Array($0) }
        let box: ChaChaPoly.SealedBox
        do {
            box = try ChaChaPoly.seal(material, using: wrappingKey.key, authenticating: entryAssociatedData(subject: subject, logID: logID))
        } catch {
            preconditionFailure("ChaChaPoly.seal failed: \(error)")
        }
        var bytes = subject.bytes + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
        bytes += [0, 0, 0, 0]
        bytes.storeLittleEndian(CRC32C.checksum(bytes.prefix(76)), at: 76)
        return bytes
    }

    private static func unwrap(_ entry: ArraySlice<UInt8>, subject: SubjectID, logID: [UInt8], wrappingKey: WrappingKey) -> SubjectKey? {
        let bytes = Array(entry)
        guard let nonce = try? ChaChaPoly.Nonce(data: bytes[16..<28]),
              let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: bytes[28..<60], tag: bytes[60..<76]),
              let material = try? ChaChaPoly.open(box, using: wrappingKey.key, authenticating: entryAssociatedData(subject: subject, logID: logID)),
              material.count == 32
        else { return nil }
        return SubjectKey(SymmetricKey(data: material))
    }

    private static func load<T: FixedWidthInteger>(_ bytes: [UInt8], _ type: T.Type, at offset: Int) -> T {
        bytes.withUnsafeBytes { $0.loadLittleEndian(type, at: offset) }
    }

    private static func entryAssociatedData(subject: SubjectID, logID: [UInt8]) -> [UInt8] {
        Array("clusterd key-store entry v1".utf8) + logID + subject.bytes
    }

    // MARK: Files

    /// `header` and `entries` written as the whole key store: a temporary file created
    /// exclusively (mode 0600), synced, renamed over the key store, the directory synced.
    private static func writeWhole(in directory: StateDirectory, header: [UInt8], entries: [UInt8]) throws(KeyStoreError) {
        do throws(StorageError) {
            let file = POSIXLogFile(descriptor: try directory.createFresh(temporaryName, mode: 0o600), path: directory.full(temporaryName))
            defer { file.close() }
            try writeAll(header + entries, to: file, at: 0)
            try file.synchronize()
            try directory.rename(temporaryName, to: fileName)
            try directory.synchronize()
        } catch {
            directory.remove(temporaryName)
            throw .storage(error)
        }
    }

    private static func writeAll(_ bytes: [UInt8], to file: POSIXLogFile, at offset: Int) throws(StorageError) {
        var written = 0
        while written < bytes.count {
            let outcome = bytes.withUnsafeBytes { raw in
                Result { () throws(StorageError) in try file.write(UnsafeRawBufferPointer(rebasing: raw[written...]), at: offset + written) }
            }
            let count = try outcome.get()
            guard count > 0 else { throw StorageError(operation: "write", path: file.path, code: EIO) }
            written += count
        }
    }

    private static func read(_ file: POSIXLogFile) throws(StorageError) -> [UInt8] {
        let size = try file.size()
        guard size <= maximumSize else {
            throw StorageError(operation: "read", path: file.path, code: EFBIG, reason: "it is \(size) bytes, more than a key store may be (\(maximumSize))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let outcome = bytes.withUnsafeMutableBytes { raw in
                Result { () throws(StorageError) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]), at: done) }
            }
            let got = try outcome.get()
            if got == 0 { break }
            done += got
        }
        return Array(bytes[..<done])
    }
}
