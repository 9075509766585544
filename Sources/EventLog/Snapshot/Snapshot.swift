import Crypto

/// A cache of the projection at one point of the log, stamped with where in the log it stands.
///
/// The payload is opaque to the log; the daemon decides what it holds, and records the payload's
/// SHA-256 in the log itself (a `SnapshotTaken` event), so that a snapshot is used only when the
/// chain covers its content.
public struct Snapshot: Sendable, Hashable {
    public static let magic: [UInt8] = Array("CLSTRSNP".utf8)
    static let headerSize = 80
    /// Version 2 adds the log position of its record after the header; version 1 files (without
    /// it) are still read, and make the daemon scan the whole log on open.
    static let version: UInt16 = 2

    /// The log it belongs to.
    public var logID: [UInt8]
    /// Records 1 to `sequence` are reflected.
    public var sequence: UInt64
    /// `chain(sequence)` of the log.
    public var chainHash: ChainHash
    public var payload: [UInt8]
    /// Where record `sequence` stands in the log, so that opening the log starts after it (nil in
    /// a version 1 file). Its sequence number and chain hash are the snapshot's.
    public var position: LogPosition?

    public init(logID: [UInt8], sequence: UInt64, chainHash: ChainHash, payload: [UInt8], position: LogPosition? = nil) {
        self.logID = logID
        self.sequence = sequence
        self.chainHash = chainHash
        self.payload = payload
        self.position = position
    }

    /// The SHA-256 of the payload: what the log records about this snapshot.
    public var payloadSHA256: [UInt8] { Array(SHA256.hash(data: payload)) }

    /// The bytes of the snapshot file (docs/log-format.md, "Snapshots"): version 2, with the
    /// position after the header when known (offset 0 and no index entries otherwise).
    public var encoded: [UInt8] {
        let entries = position?.indexSequences.count ?? 0
        let payloadStart = Self.headerSize + 16 + 16 * entries
        var bytes = [UInt8](repeating: 0, count: payloadStart)
        bytes.reserveCapacity(payloadStart + payload.count + 4)
        bytes.replaceSubrange(0..<8, with: Self.magic)
        bytes.storeLittleEndian(Self.version, at: 8)
        bytes.replaceSubrange(16..<32, with: logID)
        bytes.storeLittleEndian(sequence, at: 32)
        bytes.replaceSubrange(40..<72, with: chainHash.bytes)
        bytes.storeLittleEndian(UInt64(payload.count), at: 72)
        bytes.storeLittleEndian(UInt64(position?.offset ?? 0), at: 80)
        bytes.storeLittleEndian(UInt64(entries), at: 88)
        if let position {
            for (index, (sequence, offset)) in zip(position.indexSequences, position.indexOffsets).enumerated() {
                bytes.storeLittleEndian(sequence, at: 96 + 16 * index)
                bytes.storeLittleEndian(UInt64(offset), at: 104 + 16 * index)
            }
        }
        bytes.append(contentsOf: payload)
        let crc = CRC32C.checksum(bytes)
        bytes.append(contentsOf: [0, 0, 0, 0])
        bytes.storeLittleEndian(crc, at: bytes.count - 4)
        return bytes
    }

    /// Decodes a snapshot file (version 1 or 2); the error says why it cannot be used.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(SnapshotProblem) {
        guard bytes.count >= Self.headerSize + 4 else { throw .truncated }
        guard Array(bytes[0..<8]) == Self.magic else { throw .notASnapshot }
        let version = bytes.loadLittleEndian(UInt16.self, at: 8)
        guard version == 1 || version == 2 else { throw .unsupportedVersion(version) }
        var payloadStart = Self.headerSize
        var positionOffset: UInt64 = 0
        var entries = 0
        if version == 2 {
            guard bytes.count >= Self.headerSize + 16 + 4 else { throw .truncated }
            positionOffset = bytes.loadLittleEndian(UInt64.self, at: 80)
            let count = bytes.loadLittleEndian(UInt64.self, at: 88)
            guard count <= UInt64(bytes.count - Self.headerSize - 16 - 4) / 16 else { throw .truncated }
            entries = Int(count)
            payloadStart += 16 + 16 * entries
        }
        let payloadSize = bytes.loadLittleEndian(UInt64.self, at: 72)
        guard payloadSize <= UInt64(bytes.count - payloadStart - 4) else { throw .truncated }
        let end = payloadStart + Int(payloadSize)
        guard bytes.count == end + 4 else { throw .truncated }
        let stored = bytes.loadLittleEndian(UInt32.self, at: end)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<end])) == stored else { throw .checksumMismatch }
        logID = Array(bytes[16..<32])
        sequence = bytes.loadLittleEndian(UInt64.self, at: 32)
        chainHash = ChainHash(bytes: Array(bytes[40..<72]))
        payload = Array(bytes[payloadStart..<end])
        if version == 2, positionOffset > 0, let offset = Int(exactly: positionOffset) {
            var sequences: [UInt64] = []
            var offsets: [Int] = []
            sequences.reserveCapacity(entries)
            offsets.reserveCapacity(entries)
            for index in 0..<entries {
                sequences.append(bytes.loadLittleEndian(UInt64.self, at: 96 + 16 * index))
                offsets.append(Int(truncatingIfNeeded: bytes.loadLittleEndian(UInt64.self, at: 104 + 16 * index)))
            }
            position = LogPosition(sequence: sequence, offset: offset, chainHash: chainHash, indexSequences: sequences, indexOffsets: offsets)
        } else {
            position = nil
        }
    }
}

/// Why a snapshot file is not used.
public enum SnapshotProblem: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated
    case notASnapshot
    case unsupportedVersion(UInt16)
    case checksumMismatch
    case otherLog
    case beyondLog(snapshot: UInt64, log: UInt64)
    case chainMismatch(sequence: UInt64)
    /// No record of the log after the snapshot's says a snapshot with this content was taken.
    case notRecorded(sequence: UInt64, sha256: String)
    /// Its content disagrees with its header or with the log.
    case inconsistent(String)
    case unreadable(String)
    /// The log rejected the position it carries: its record is not there as the header says.
    case wrongPosition(String)

    public var description: String {
        switch self {
        case .truncated: return "the file is cut short"
        case .notASnapshot: return "not a clusterd snapshot"
        case .unsupportedVersion(let version): return "snapshot format version \(version) is not supported"
        case .checksumMismatch: return "its CRC does not match"
        case .otherLog: return "it belongs to another log (log id differs)"
        case .beyondLog(let snapshot, let log): return "it reflects record \(snapshot) but the log ends at \(log)"
        case .chainMismatch(let sequence): return "the log's chain hash at record \(sequence) differs from the snapshot's"
        case .notRecorded(let sequence, let sha256):
            return "no record of the log after record \(sequence) says a snapshot with this content (SHA-256 \(sha256)) was taken: it was not written by this log's daemon, or was changed since"
        case .inconsistent(let reason): return "its content disagrees with the log: \(reason)"
        case .unreadable(let reason): return "cannot read it: \(reason)"
        case .wrongPosition(let reason): return "its position in the log is wrong: \(reason)"
        }
    }
}
