/// The values `EventLog` takes and reports: how to open it, what opening did, its durable end and
/// whether it takes writes.
extension EventLog {
    /// How to open a log.
    public struct Options: Sendable {
        /// Read-only never modifies the file: a torn tail is reported, not cut.
        public var readOnly: Bool = false
        /// Keep records 1 to this sequence number and set everything after aside.
        public var repairTruncateAfterSequence: UInt64?
        /// A batch stops growing at this many bytes (a single larger append still goes alone).
        public var maximumBatchBytes: Int = 4 * 1024 * 1024
        /// Zeros written ahead of the log, so that an fdatasync need not also commit a new file
        /// size (Scripts/bench measured appends into preallocated space about 1.8 times faster).
        /// 0 writes no zeros ahead.
        public var preallocationBytes: Int = 0
        /// Where to start reading records (a snapshot's record): when the record there is intact,
        /// ends a batch and has this chain hash, only the records after it are scanned on open,
        /// and `checkPrefix()` checks the ones before later. Ignored read-only or when repairing,
        /// where every record is scanned.
        public var resumeAt: LogPosition?
        /// Opens the file the writer writes to; tests inject faults here.
        public var fileOpener: LogFileOpener = posixLogFileOpener

        public init() {}
    }

    /// What opening found and did.
    public struct OpenReport: Sendable, Hashable {
        /// The log did not exist and was created.
        public var created: Bool
        /// An interrupted write cut off the end of the file (or, read-only, left in place and ignored).
        public var tornTail: TornTail?
        /// A repair that kept records 1 to this sequence number.
        public var repairedAfterSequence: UInt64?
        /// Opening scanned only the records after this one (`Options.resumeAt`): the ones before
        /// wait for `checkPrefix()`.
        public var resumedAfterSequence: UInt64?
        /// Why `Options.resumeAt` was not taken (every record was scanned instead).
        public var positionRejected: String?
    }

    /// Bytes at the end of the file that are not part of the log.
    public struct TornTail: Sendable, Hashable {
        public var offset: Int
        public var byteCount: Int
        public var firstLostSequence: UInt64
        /// Where the cut bytes were kept (nil when read-only).
        public var keptAt: String?
        public var reason: String
    }

    /// Whether the log takes writes.
    public enum Health: Sendable, Hashable {
        case writable
        case writesDisabled(reason: String)
        case closed
    }

    /// The durable end of the log.
    public struct Head: Sendable, Hashable {
        public var lastSequence: UInt64
        public var recordCount: Int
        public var byteCount: Int
        public var chainHash: ChainHash
        public var lastCommitTimeMicroseconds: Int64
    }

    /// An append whose batch just became durable, as a `DurableBatchObserver` sees it.
    public struct DurableAppend: Sendable {
        public var sequences: ClosedRange<UInt64>
        /// The commit time written in its records.
        public var commitTimeMicroseconds: Int64
        /// What the appender attached to it (see `enqueue(_:failedBatches:attachment:)`).
        public var attachment: (any Sendable)?
        /// Its payloads, as written.
        public var payloads: [[UInt8]]
    }

    /// Told of each batch once it is durable, on the writer's thread, in sequence order, before
    /// any of its appends is acknowledged: the registry builds and publishes its read view here.
    /// What it returns (what it let go of: the previous read view) is released once the appends
    /// are acknowledged, so that freeing it is no part of their wait.
    public typealias DurableBatchObserver = @Sendable (_ appends: [DurableAppend]) -> (any Sendable)?
}
