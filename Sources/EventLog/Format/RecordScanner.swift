/// Walks the records of a log image in memory, checking each as docs/log-format.md says.
struct RecordScanner {
    /// A record found intact at `offset`.
    struct Record {
        var offset: Int
        var size: Int
        var sequence: UInt64
        var commitTimeMicroseconds: Int64
        var payloadRange: Range<Int>
        var endsBatch: Bool
        /// Where its stored chain hash starts.
        var chainHashOffset: Int
    }

    enum Step {
        case record(Record)
        /// The log ends at this offset (end of file, or a zero length followed by zeros only).
        case end(Int)
        /// Reading cannot go on at this offset.
        case problem(offset: Int, RecordProblem)
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    private(set) var expectedSequence: UInt64
    /// Whether the next records' CRCs are checked (readers skip the check for records they
    /// only pass over on their way to the ones they read).
    var checksCRC: Bool
    /// From here on the bytes are known to be zero without reading them (a file's trailing
    /// holes); `bytes.count` when nothing is known.
    let zerosFrom: Int
    /// Called with the offset below which nothing will be read again, every `releaseEvery` bytes
    /// scanned: a caller holding a mapped file lets those pages go.
    var release: ((Int) -> Void)?
    static let releaseEvery = 32 * 1024 * 1024
    private var releasedUpTo = 0

    init(bytes: UnsafeRawBufferPointer, offset: Int = LogHeader.size, expectedSequence: UInt64, checksCRC: Bool = true, zerosFrom: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.expectedSequence = expectedSequence
        self.checksCRC = checksCRC
        self.zerosFrom = min(max(zerosFrom ?? bytes.count, 0), bytes.count)
    }

    /// Lets `release` know that nothing below `position` is read again.
    private mutating func passed(_ position: Int) {
        guard let release, position - releasedUpTo >= Self.releaseEvery else { return }
        releasedUpTo = position
        release(position)
    }

    mutating func next() -> Step {
        let remaining = bytes.count - offset
        if remaining == 0 { return .end(offset) }
        if remaining < RecordLayout.prefixSize {
            return allZero(from: offset) ? .end(offset) : .problem(offset: offset, .incomplete)
        }
        let length = Int(bytes.loadLittleEndian(UInt32.self, at: offset))
        if length == 0 {
            return allZero(from: offset) ? .end(offset) : .problem(offset: offset, .bytesAfterEnd)
        }
        guard length % 8 == 0, length >= RecordLayout.minimumBodyLength, length <= RecordLayout.maximumBodyLength else {
            return .problem(offset: offset, .implausibleLength(length))
        }
        guard remaining >= RecordLayout.prefixSize + length else { return .problem(offset: offset, .incomplete) }
        let bodyStart = offset + RecordLayout.prefixSize
        if checksCRC {
            let stored = bytes.loadLittleEndian(UInt32.self, at: offset + 4)
            let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + length)]))
            guard stored == actual else { return .problem(offset: offset, .checksumMismatch) }
        }
        let sequence = bytes.loadLittleEndian(UInt64.self, at: bodyStart)
        guard sequence == expectedSequence else {
            return .problem(offset: offset, .wrongSequence(expected: expectedSequence, found: sequence))
        }
        guard sequence <= LogHeader.maximumSequence else {
            return .problem(offset: offset, .malformed("sequence number \(sequence) is beyond \(LogHeader.maximumSequence), the largest a clusterd log holds"))
        }
        let payloadSize = Int(bytes.loadLittleEndian(UInt32.self, at: bodyStart + 16))
        guard payloadSize <= RecordLayout.maximumPayloadSize, RecordLayout.bodyLength(payloadSize: payloadSize) == length else {
            return .problem(offset: offset, .malformed("payload length \(payloadSize) does not fit body length \(length)"))
        }
        let flags = bytes[bodyStart + 20]
        guard flags & ~RecordLayout.endsBatchFlag == 0 else { return .problem(offset: offset, .malformed("unknown flags \(flags)")) }
        guard bytes[bodyStart + 21] == 0, bytes[bodyStart + 22] == 0, bytes[bodyStart + 23] == 0 else {
            return .problem(offset: offset, .malformed("reserved bytes are not zero"))
        }
        let payloadStart = bodyStart + RecordLayout.bodyHeaderSize
        let hashEnd = payloadStart + payloadSize + RecordLayout.hashSize
        let recordEnd = bodyStart + length
        if checksCRC {
            for index in hashEnd..<recordEnd where bytes[index] != 0 {
                return .problem(offset: offset, .malformed("padding is not zero"))
            }
        }
        let record = Record(
            offset: offset,
            size: RecordLayout.prefixSize + length,
            sequence: sequence,
            commitTimeMicroseconds: Int64(bitPattern: bytes.loadLittleEndian(UInt64.self, at: bodyStart + 8)),
            payloadRange: payloadStart..<(payloadStart + payloadSize),
            endsBatch: flags & RecordLayout.endsBatchFlag != 0,
            chainHashOffset: payloadStart + payloadSize
        )
        // The record returned is read by the caller: only what lies before it may go.
        passed(offset)
        offset = recordEnd
        expectedSequence += 1  // at most 2^63: checked above
        return .record(record)
    }

    /// Whether every byte from `start` on is zero (the space reserved ahead of the log). Holes
    /// (`zerosFrom` on) are not read; what is read is released as the scan goes.
    private mutating func allZero(from start: Int) -> Bool {
        let end = max(zerosFrom, start)
        var index = start
        while index < end && index % 8 != 0 {
            if bytes[index] != 0 { return false }
            index += 1
        }
        while end - index >= 8 {
            if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) != 0 { return false }
            index += 8
            if index & (Self.releaseEvery - 1) == 0 { passed(index) }
        }
        while index < end {
            if bytes[index] != 0 { return false }
            index += 1
        }
        return true
    }

    /// Whether any intact record (plausible length, matching CRC) starts after `offset`.
    func hasIntactRecord(after offset: Int) -> Bool {
        var candidate = offset + 8
        // No record starts in the holes: its length would be zero.
        while candidate < zerosFrom, candidate + RecordLayout.prefixSize + RecordLayout.minimumBodyLength <= bytes.count {
            let length = Int(bytes.loadLittleEndian(UInt32.self, at: candidate))
            if length % 8 == 0, length >= RecordLayout.minimumBodyLength, length <= RecordLayout.maximumBodyLength,
                candidate + RecordLayout.prefixSize + length <= bytes.count
            {
                let bodyStart = candidate + RecordLayout.prefixSize
                let stored = bytes.loadLittleEndian(UInt32.self, at: candidate + 4)
                if stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + length)])) {
                    return true
                }
            }
            candidate += 8
        }
        return false
    }
}

/// What is wrong with the bytes where a record should be.
public enum RecordProblem: Sendable, Hashable, CustomStringConvertible {
    case incomplete
    case bytesAfterEnd
    case implausibleLength(Int)
    case checksumMismatch
    case wrongSequence(expected: UInt64, found: UInt64)
    case malformed(String)
    case chainMismatch

    public var description: String {
        switch self {
        case .incomplete: return "the record is cut short by the end of the file"
        case .bytesAfterEnd: return "non-zero bytes follow the end-of-log marker"
        case .implausibleLength(let length): return "implausible record length \(length)"
        case .checksumMismatch: return "the record's CRC-32C does not match its bytes"
        case .wrongSequence(let expected, let found): return "sequence number \(found) where \(expected) was expected"
        case .malformed(let reason): return reason
        case .chainMismatch: return "the chain hash does not match the records before it (history was altered)"
        }
    }
}
