/// Checks a whole log file offline: header, every record's CRC, sequence, layout, and the SHA-256
/// chain from the header to the last record. Never modifies the file.
public enum LogVerifier {
    /// What verification found.
    public struct Report: Sendable, Hashable {
        public var path: String
        public var header: LogHeader?
        /// Records checked and found intact.
        public var intactRecords: Int
        /// The last intact sequence number (0 when none).
        public var lastIntactSequence: UInt64
        /// `chain(lastIntactSequence)`.
        public var headHash: ChainHash?
        /// The first problem, if any.
        public var problem: Problem?

        public var isIntact: Bool { problem == nil }
    }

    /// The first thing wrong with the file.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Byte offset where it is.
        public var offset: Int
        /// The sequence number of the record there (or expected there).
        public var sequence: UInt64
        public var reason: String

        public var description: String { "at byte offset \(offset), record \(sequence): \(reason)" }
    }

    /// Verifies the log at `path`.
    public static func verify(path: String) -> Report {
        var report = Report(path: path, header: nil, intactRecords: 0, lastIntactSequence: 0, headHash: nil, problem: nil)
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch {
            report.problem = Problem(offset: 0, sequence: 0, reason: "cannot read the file: \(error)")
            return report
        }
        let bytes = mapped.bytes
        let header: LogHeader
        do {
            header = try LogHeader(decoding: bytes)
        } catch {
            report.problem = Problem(offset: 0, sequence: 0, reason: "\(error)")
            return report
        }
        report.header = header
        report.lastIntactSequence = header.firstSequence - 1
        var chain = ChainHash.genesis(header: UnsafeRawBufferPointer(rebasing: bytes[0..<LogHeader.size]))
        report.headHash = chain
        var scanner = RecordScanner(bytes: bytes, expectedSequence: header.firstSequence)
        var lastEndedBatch = true
        var lastRecordOffset = LogHeader.size
        var lastCommitTime = Int64.min
        while true {
            switch scanner.next() {
            case .record(let record):
                let hashed = UnsafeRawBufferPointer(rebasing: bytes[(record.offset + 8)..<record.payloadRange.upperBound])
                chain = chain.next(hashing: hashed)
                let stored = UnsafeRawBufferPointer(rebasing: bytes[record.chainHashOffset..<(record.chainHashOffset + 32)])
                guard chain.bytes.elementsEqual(stored) else {
                    report.problem = Problem(offset: record.offset, sequence: record.sequence, reason: "\(RecordProblem.chainMismatch)")
                    return report
                }
                guard record.commitTimeMicroseconds >= lastCommitTime else {
                    report.problem = Problem(offset: record.offset, sequence: record.sequence, reason: "its commit time is earlier than the record before it")
                    return report
                }
                lastCommitTime = record.commitTimeMicroseconds
                report.intactRecords += 1
                report.lastIntactSequence = record.sequence
                report.headHash = chain
                lastEndedBatch = record.endsBatch
                lastRecordOffset = record.offset
            case .end(let offset):
                if !lastEndedBatch {
                    report.problem = Problem(
                        offset: lastRecordOffset,
                        sequence: report.lastIntactSequence,
                        reason: "the last batch has no end: the final write was interrupted (a torn tail)"
                    )
                }
                _ = offset
                return report
            case .problem(let offset, let problem):
                var reason = "\(problem)"
                if !scanner.hasIntactRecord(after: offset) {
                    reason += " (no intact record follows: a torn tail from an interrupted write)"
                }
                report.problem = Problem(offset: offset, sequence: scanner.expectedSequence, reason: reason)
                return report
            }
        }
    }
}
