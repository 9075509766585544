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
    /// The encoded records in chunks written one after the other, the last record flagged as
    /// the end of its batch.
    let chunks: [[UInt8]]
    /// The size of all chunks together.
    let byteCount: Int
    /// Sparse-index entries: sequence number and offset from the start of the first chunk.
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
    /// One chunk per call of `append`, each allocated at its exact size: growing one buffer
    /// copied it again at every doubling, and zero-filled every record before writing it.
    private var chunks: [[UInt8]] = []
    private var byteCount = 0
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
        // The record held back last time, and all of these but the last.
        let start = payloads.count - (payloads.isEmpty ? 0 : 1)
        payloads += more
        encodeRecords(start..<(payloads.count - 1), lastEndsBatch: false)
    }

    /// The records, the last one ending the batch; nil if no payload was added.
    public consuming func finish() -> PreparedRecords? {
        guard !payloads.isEmpty else { return nil }
        encodeRecords((payloads.count - 1)..<payloads.count, lastEndsBatch: true)
        return PreparedRecords(
            payloads: payloads,
            firstSequence: firstSequence,
            commitTimeMicroseconds: commitTimeMicroseconds,
            chainStart: chainStart,
            chainEnd: encoder.chain,
            chunks: chunks,
            byteCount: byteCount,
            indexEntries: indexEntries
        )
    }

    /// Encodes the records of `positions` (in `payloads`) into a new chunk.
    private mutating func encodeRecords(_ positions: Range<Int>, lastEndsBatch: Bool) {
        guard !positions.isEmpty else { return }
        let size = positions.reduce(0) { $0 + RecordLayout.recordSize(payloadSize: payloads[$1].count) }
        let chunk = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var offset = 0
            for position in positions {
                let sequence = nextSequence
                nextSequence += 1
                if SparseIndex.shouldIndex(sequence) { indexEntries.append((sequence, byteCount + offset)) }
                let recordSize = RecordLayout.recordSize(payloadSize: payloads[position].count)
                encoder.encode(
                    sequence: sequence,
                    commitTimeMicroseconds: commitTimeMicroseconds,
                    payload: payloads[position],
                    endsBatch: lastEndsBatch && position == positions.upperBound - 1,
                    into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[offset..<(offset + recordSize)])
                )
                offset += recordSize
            }
            initialized = offset
        }
        chunks.append(chunk)
        byteCount += size
    }
}
