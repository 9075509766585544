/// What a scan of a log file found: where the intact history ends, and what follows it.
struct LogScan {
    var header: LogHeader
    var genesis: ChainHash
    /// Offset just after the last record of the last complete batch.
    var validEnd: Int
    var recordCount: Int
    var lastSequence: UInt64
    var headHash: ChainHash
    var lastCommitTimeMicroseconds: Int64
    var index: SparseIndex
    /// Bytes after `validEnd` that are not part of the log: an interrupted write, to be cut.
    var tornTail: TornTail?

    /// An interrupted write at the end of the file.
    struct TornTail: Sendable, Hashable {
        var offset: Int
        var byteCount: Int
        var firstLostSequence: UInt64
        var problem: RecordProblem?
    }

    /// Scans the mapped file. With `stopAfter`, the scan ends at that record (for repairs), and
    /// everything after it counts as the tail.
    static func scan(_ file: MappedFile, stopAfter: UInt64? = nil) throws(EventLogError) -> LogScan {
        let bytes = file.bytes
        let header: LogHeader
        do {
            header = try LogHeader(decoding: bytes)
        } catch {
            throw .badHeader(path: file.path, problem: error)
        }
        let genesis = ChainHash.genesis(header: UnsafeRawBufferPointer(rebasing: bytes[0..<LogHeader.size]))
        var scan = LogScan(
            header: header,
            genesis: genesis,
            validEnd: LogHeader.size,
            recordCount: 0,
            lastSequence: header.firstSequence - 1,
            headHash: genesis,
            lastCommitTimeMicroseconds: header.createdAtMicroseconds,
            index: SparseIndex(),
            tornTail: nil
        )
        var scanner = RecordScanner(bytes: bytes, expectedSequence: header.firstSequence, zerosFrom: file.holesFrom)
        scanner.release = { file.release(below: $0) }
        var pendingRecords = 0
        var pendingIndex: [(UInt64, Int)] = []
        while true {
            switch scanner.next() {
            case .record(let record):
                pendingRecords += 1
                if SparseIndex.shouldIndex(record.sequence) { pendingIndex.append((record.sequence, record.offset)) }
                if record.endsBatch {
                    scan.validEnd = record.offset + record.size
                    scan.recordCount += pendingRecords
                    scan.lastSequence = record.sequence
                    scan.headHash = ChainHash(bytes: Array(bytes[record.chainHashOffset..<(record.chainHashOffset + 32)]))
                    scan.lastCommitTimeMicroseconds = record.commitTimeMicroseconds
                    for (sequence, offset) in pendingIndex { scan.index.add(sequence: sequence, offset: offset) }
                    pendingRecords = 0
                    pendingIndex.removeAll(keepingCapacity: true)
                    if let stopAfter, record.sequence >= stopAfter {
                        return scan.withTail(after: bytes, problem: nil)
                    }
                }
            case .end:
                // Zeros after the end are reserved space, not a tail; records without their batch end are.
                if pendingRecords > 0 {
                    return scan.withTail(after: bytes, problem: .incomplete)
                }
                return scan
            case .problem(let offset, let problem):
                if stopAfter == nil && scanner.hasIntactRecord(after: offset) {
                    throw .damaged(
                        LogDamage(
                            path: file.path,
                            offset: offset,
                            sequence: scanner.expectedSequence,
                            problem: problem,
                            lastIntactSequence: scanner.expectedSequence - 1
                        )
                    )
                }
                return scan.withTail(after: bytes, problem: problem)
            }
        }
    }

    private func withTail(after bytes: UnsafeRawBufferPointer, problem: RecordProblem?) -> LogScan {
        var copy = self
        // Zeros at the very end are space reserved ahead of the log, not part of the torn write.
        var end = bytes.count
        while end > validEnd && bytes[end - 1] == 0 { end -= 1 }
        if end < bytes.count { end = min(bytes.count, (end + 7) & ~7) }
        if end > validEnd {
            copy.tornTail = TornTail(
                offset: validEnd,
                byteCount: end - validEnd,
                firstLostSequence: lastSequence + 1,
                problem: problem
            )
        }
        return copy
    }
}
