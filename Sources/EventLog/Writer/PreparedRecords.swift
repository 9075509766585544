/// Records built before they are appended: their bytes, CRCs and chain hashes computed while the
/// caller still decides what comes next (an Import's events are built on one core while the next
/// commands are decided on the other), so that the writer only has to write and sync them.
///
/// Built against the log's durable end when nothing else is queued (see
/// `EventLog.recordBuilder(commitTimeMicroseconds:)`). They are a cache, never trusted blindly: the
/// writer uses the bytes only if the log's end is still the one they were built on, and otherwise
/// encodes the payloads as for any append. They always go alone in their batch.
public struct PreparedRecords: Sendable {
    /// The payloads, in order (what an ordinary append of the same records would take).
    public let payloads: [[UInt8]]
    let firstSequence: UInt64
    let commitTimeMicroseconds: Int64
    /// The chain hash the records were built on, and the one after the last of them.
    let chainStart: ChainHash
    let chainEnd: ChainHash
    /// The encoded records, the last one flagged as the end of its batch.
    let bytes: [UInt8]
    /// Sparse-index entries: sequence number and offset from the start of `bytes`.
    let indexEntries: [(sequence: UInt64, offset: Int)]

    /// Whether the records follow `head` exactly: same next sequence number, same chain hash, and a
    /// commit time no earlier than the last one written.
    func follow(_ head: EventLog.Head) -> Bool {
        firstSequence == head.lastSequence + 1 && chainStart == head.chainHash
            && commitTimeMicroseconds >= head.lastCommitTimeMicroseconds
    }
}

/// Builds `PreparedRecords` payload by payload, on one thread at a time.
///
/// The last payload is held back until `finish()`: only then is it known to end the batch, and the
/// flag that says so is part of what its CRC and chain hash cover.
public struct RecordBatchBuilder: Sendable {
    private let firstSequence: UInt64
    private let commitTimeMicroseconds: Int64
    private let chainStart: ChainHash
    private var encoder: RecordEncoder
    private var bytes: [UInt8] = []
    private var payloads: [[UInt8]] = []
    private var indexEntries: [(sequence: UInt64, offset: Int)] = []
    /// Sequence number of the next record to encode.
    private var nextSequence: UInt64

    init(after head: EventLog.Head, commitTimeMicroseconds: Int64) {
        firstSequence = head.lastSequence + 1
        nextSequence = firstSequence
        self.commitTimeMicroseconds = max(commitTimeMicroseconds, head.lastCommitTimeMicroseconds)
        chainStart = head.chainHash
        encoder = RecordEncoder(chain: head.chainHash)
    }

    /// Adds `more` payloads after those already added.
    public mutating func append(_ more: [[UInt8]]) {
        guard !more.isEmpty else { return }
        if !payloads.isEmpty { encodeRecord(payloads.count - 1, endsBatch: false) }
        let start = payloads.count
        payloads += more
        // Doubling, not the exact size: reserving exactly what each part needs would copy the
        // whole buffer on every part.
        let needed = bytes.count + more.reduce(0) { $0 + RecordLayout.recordSize(payloadSize: $1.count) }
        if needed > bytes.capacity { bytes.reserveCapacity(max(needed, 2 * bytes.capacity)) }
        for position in start..<(payloads.count - 1) { encodeRecord(position, endsBatch: false) }
    }

    /// The records, the last one ending the batch; nil if no payload was added.
    public consuming func finish() -> PreparedRecords? {
        guard !payloads.isEmpty else { return nil }
        encodeRecord(payloads.count - 1, endsBatch: true)
        return PreparedRecords(
            payloads: payloads,
            firstSequence: firstSequence,
            commitTimeMicroseconds: commitTimeMicroseconds,
            chainStart: chainStart,
            chainEnd: encoder.chain,
            bytes: bytes,
            indexEntries: indexEntries
        )
    }

    private mutating func encodeRecord(_ position: Int, endsBatch: Bool) {
        let sequence = nextSequence
        nextSequence += 1
        if SparseIndex.shouldIndex(sequence) { indexEntries.append((sequence, bytes.count)) }
        encoder.append(
            sequence: sequence,
            commitTimeMicroseconds: commitTimeMicroseconds,
            payload: payloads[position],
            endsBatch: endsBatch,
            to: &bytes
        )
    }
}
