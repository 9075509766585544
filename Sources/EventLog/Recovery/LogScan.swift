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
    /// everything after it counts as the tail. With `position`, the scan starts after the record
    /// there once that record is found intact, ending a batch, with the position's chain hash;
    /// otherwise (the reason in `rejected`) it scans every record.
    static func scan(_ file: MappedFile, stopAfter: UInt64? = nil, resumingAt position: LogPosition? = nil) throws(EventLogError) -> (scan: LogScan, rejected: String?) {
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
        var rejected: String?
        if let position, stopAfter == nil {
            switch resume(&scan, bytes: bytes, at: position) {
            case .success(let offset):
                var scanner = RecordScanner(bytes: bytes, offset: offset, expectedSequence: position.sequence + 1, zerosFrom: file.holesFrom)
                scanner.release = { file.release(below: $0) }
                return (try scan.scanRecords(&scanner, in: file, stopAfter: nil), nil)
            case .failure(let reason):
                rejected = reason.description
            }
        }
        var scanner = RecordScanner(bytes: bytes, expectedSequence: header.firstSequence, zerosFrom: file.holesFrom)
        scanner.release = { file.release(below: $0) }
        return (try scan.scanRecords(&scanner, in: file, stopAfter: stopAfter), rejected)
    }

    struct PositionRejected: Error, CustomStringConvertible {
        var description: String
    }

    /// Takes `position` as the scan's state when the record there is what it says; returns the
    /// offset after it.
    private static func resume(_ scan: inout LogScan, bytes: UnsafeRawBufferPointer, at position: LogPosition) -> Result<Int, PositionRejected> {
        let first = scan.header.firstSequence
        guard position.sequence >= first, position.offset >= LogHeader.size, position.offset % 8 == 0, position.offset < bytes.count else {
            return .failure(PositionRejected(description: "record \(position.sequence) at byte offset \(position.offset) is outside the log"))
        }
        guard position.indexSequences.count == position.indexOffsets.count,
              zip(position.indexSequences, position.indexOffsets).allSatisfy({ SparseIndex.shouldIndex($0) && $0 <= position.sequence && $1 >= LogHeader.size && $1 <= position.offset }),
              zip(position.indexSequences, position.indexSequences.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            return .failure(PositionRejected(description: "its index is not ascending within the records before it"))
        }
        var scanner = RecordScanner(bytes: bytes, offset: position.offset, expectedSequence: position.sequence)
        guard case .record(let record) = scanner.next() else {
            return .failure(PositionRejected(description: "no intact record \(position.sequence) starts at byte offset \(position.offset)"))
        }
        guard record.endsBatch else {
            return .failure(PositionRejected(description: "record \(position.sequence) does not end a batch"))
        }
        guard ChainHash(bytes: Array(bytes[record.chainHashOffset..<(record.chainHashOffset + 32)])) == position.chainHash else {
            return .failure(PositionRejected(description: "record \(position.sequence) has another chain hash"))
        }
        scan.validEnd = record.offset + record.size
        scan.recordCount = Int(position.sequence - first + 1)
        scan.lastSequence = position.sequence
        scan.headHash = position.chainHash
        scan.lastCommitTimeMicroseconds = record.commitTimeMicroseconds
        for (sequence, offset) in zip(position.indexSequences, position.indexOffsets) { scan.index.add(sequence: sequence, offset: offset) }
        if SparseIndex.shouldIndex(position.sequence) { scan.index.add(sequence: position.sequence, offset: position.offset) }
        return .success(scan.validEnd)
    }

    /// Reads records on from where `scanner` stands, each batch added when its last record is.
    private func scanRecords(_ scanner: inout RecordScanner, in file: MappedFile, stopAfter: UInt64?) throws(EventLogError) -> LogScan {
        let bytes = file.bytes
        var scan = self
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
