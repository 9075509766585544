/// Why the log cannot be opened, read or appended to. Every case says what to do next.
public enum EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be opened, read or created.
    case cannotOpen(path: String, reason: String)
    /// The header is not a clusterd log header.
    case badHeader(path: String, problem: LogHeaderProblem)
    /// Records are damaged before the tail: not an interrupted write. Nothing was changed.
    case damaged(LogDamage)
    /// A write or sync failed; nothing of the request was stored.
    case storageFailure(reason: String)
    /// An earlier fdatasync failed: the log takes no more writes until the daemon restarts.
    case writesDisabled(reason: String)
    /// The log was closed.
    case closed
    /// A payload is larger than a record can carry.
    case payloadTooLarge(size: Int, limit: Int)
    /// An append without records.
    case emptyAppend
    /// The repair that was asked for cannot be done.
    case repairImpossible(reason: String)
    /// A batch failed after the caller last looked (`EventLog.failedBatches`): what it decided may
    /// rest on records that were never stored, so nothing was queued; rebuild, then decide again.
    case earlierBatchFailed

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open the log \(path): \(reason)"
        case .badHeader(let path, let problem): return "\(path) cannot be used as a log: \(problem)"
        case .damaged(let damage): return damage.description
        case .storageFailure(let reason): return "the log could not be written, nothing was stored: \(reason)"
        case .writesDisabled(let reason):
            return "the log takes no more writes until clusterd restarts, because an earlier fdatasync failed (\(reason))"
        case .closed: return "the log is closed"
        case .payloadTooLarge(let size, let limit): return "a record of \(size) bytes is larger than the limit of \(limit)"
        case .emptyAppend: return "an append needs at least one record"
        case .repairImpossible(let reason): return "cannot repair the log: \(reason)"
        case .earlierBatchFailed: return "an earlier append failed before this one was queued; nothing was stored"
        }
    }
}

/// Where and how a log is damaged before its tail.
public struct LogDamage: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// Byte offset of the first bad record.
    public var offset: Int
    /// The sequence number that record should have.
    public var sequence: UInt64
    public var problem: RecordProblem
    /// The last intact sequence number before the damage.
    public var lastIntactSequence: UInt64

    public var description: String {
        "\(path) is damaged at byte offset \(offset), where record \(sequence) should be: \(problem). "
            + "Intact records follow, so this is not an interrupted write; nothing was changed. "
            + "Inspect it with `clusterctl verify --log \(path)`; to keep records 1 to \(lastIntactSequence) and "
            + "set the rest aside, start once with `clusterd --repair-truncate-after-seq \(lastIntactSequence)`."
    }
}
