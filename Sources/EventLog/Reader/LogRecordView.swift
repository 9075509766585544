/// A record read from the log, valid only inside the closure it is passed to.
public struct LogRecordView {
    public let sequence: UInt64
    /// Microseconds since the epoch.
    public let commitTimeMicroseconds: Int64
    public let endsBatch: Bool
    /// The payload bytes, borrowed from the mapped file.
    public let payload: UnsafeRawBufferPointer
    private let hashBytes: UnsafeRawBufferPointer

    init(record: RecordScanner.Record, bytes: UnsafeRawBufferPointer) {
        sequence = record.sequence
        commitTimeMicroseconds = record.commitTimeMicroseconds
        endsBatch = record.endsBatch
        payload = UnsafeRawBufferPointer(rebasing: bytes[record.payloadRange])
        hashBytes = UnsafeRawBufferPointer(rebasing: bytes[record.chainHashOffset..<(record.chainHashOffset + 32)])
    }

    /// The stored `chain(sequence)`.
    public var chainHash: ChainHash { ChainHash(bytes: Array(hashBytes)) }

    /// A copy that outlives the closure.
    public var record: LogRecord {
        LogRecord(
            sequence: sequence,
            commitTimeMicroseconds: commitTimeMicroseconds,
            payload: Array(payload),
            endsBatch: endsBatch,
            chainHash: chainHash
        )
    }
}
