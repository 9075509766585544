/// Where a record stands in a log file: enough to open the log at it without reading the records
/// before it (docs/log-format.md, "Opening"). A snapshot carries the position of its record; the
/// log takes it only after finding that record there, intact, with the snapshot's chain hash, and
/// checks the records before it in the background (`checkPrefix()`).
public struct LogPosition: Sendable, Hashable {
    /// The record's sequence number; it ends a batch.
    public var sequence: UInt64
    /// The byte offset where it starts.
    public var offset: Int
    /// Its stored `chain(sequence)`.
    public var chainHash: ChainHash
    /// The sparse index up to it (every 1024th record's sequence number and offset), so that reads
    /// before it need no scan either.
    public var indexSequences: [UInt64]
    public var indexOffsets: [Int]

    public init(sequence: UInt64, offset: Int, chainHash: ChainHash, indexSequences: [UInt64], indexOffsets: [Int]) {
        self.sequence = sequence
        self.offset = offset
        self.chainHash = chainHash
        self.indexSequences = indexSequences
        self.indexOffsets = indexOffsets
    }
}

extension EventLog {
    /// What the check of the records before a resumed open's position found.
    public enum PrefixCheck: Sendable, Hashable {
        /// The log was opened by a full scan: nothing is left to check.
        case notNeeded
        /// Records `first` through `position` are intact (CRC, sequence numbers, structure), the
        /// record at the position is where it was said to be, and the index matches.
        case intact(records: Int, bytes: Int)
        /// Damage (or a position that does not match the file): writes are now refused.
        case damaged(String)
    }
}
