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
        /// Why the file has no usable log header, when it has none: a file that is no clusterd
        /// log (`notALog`, `tooShort`) differs from a log whose header is damaged.
        public var headerProblem: LogHeaderProblem?
        /// The outcome of the checkpoint check, when one was given.
        public var checkpoint: CheckpointOutcome?
        /// chain(n) at the checkpoint's sequence number, when the log reached it intact.
        var checkpointHash: ChainHash?

        public var isIntact: Bool { problem == nil }
    }

    /// Whether the log still extends the history an auditor noted as `SEQ:HASH`.
    public enum CheckpointOutcome: Sendable, Hashable, CustomStringConvertible {
        /// Record `sequence` has exactly the noted chain hash: nothing before it changed.
        case holds(sequence: UInt64)
        /// The history differs from record `from` on. When every stored hash is consistent but
        /// the chain no longer reaches the noted hash, the whole chain was rewritten, and record 1
        /// is the first that can be proven different.
        case differs(sequence: UInt64, from: UInt64)
        /// The log ends before the noted record.
        case notReached(sequence: UInt64, lastIntact: UInt64)

        public var description: String {
            switch self {
            case .holds(let sequence): return "checkpoint \(sequence) holds"
            case .differs(let sequence, let from): return "checkpoint \(sequence) does not hold: the history differs from record \(from) on"
            case .notReached(let sequence, let last): return "checkpoint \(sequence) does not hold: the log does not reach record \(sequence) (its last intact record is \(last))"
            }
        }

        public var holds: Bool {
            if case .holds = self { return true }
            return false
        }
    }

    /// Parses `SEQ:HASH` as `clusterctl checkpoint` prints it.
    public static func parseCheckpoint(_ text: String) -> (UInt64, ChainHash)? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let sequence = UInt64(parts[0]), sequence >= 1, let hash = ChainHash(hex: parts[1]) else { return nil }
        return (sequence, hash)
    }

    /// Verifies the log and, given a checkpoint, whether it still extends that history.
    public static func verify(path: String, checkpoint: (sequence: UInt64, hash: ChainHash)?) -> Report {
        var report = verify(path: path, hashAt: checkpoint?.sequence)
        guard let checkpoint else { return report }
        if let recorded = report.checkpointHash {
            report.checkpoint = recorded == checkpoint.hash ? .holds(sequence: checkpoint.sequence) : .differs(sequence: checkpoint.sequence, from: 1)
        } else if let problem = report.problem, problem.sequence <= checkpoint.sequence, problem.reason.contains("torn tail") == false {
            report.checkpoint = .differs(sequence: checkpoint.sequence, from: problem.sequence)
        } else {
            report.checkpoint = .notReached(sequence: checkpoint.sequence, lastIntact: report.lastIntactSequence)
        }
        return report
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
        verify(path: path, hashAt: nil)
    }

    private static func verify(path: String, hashAt checkpointSequence: UInt64?) -> Report {
        var report = Report(path: path, header: nil, intactRecords: 0, lastIntactSequence: 0, headHash: nil, problem: nil)
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path, followingLinks: true)
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
            report.headerProblem = error
            return report
        }
        report.header = header
        report.lastIntactSequence = header.firstSequence - 1
        var chain = ChainHash.genesis(header: UnsafeRawBufferPointer(rebasing: bytes[0..<LogHeader.size]))
        report.headHash = chain
        // Holes are zeros without being read, and pages already checked are let go: a huge or
        // sparse file is verified without being held in memory.
        var scanner = RecordScanner(bytes: bytes, expectedSequence: header.firstSequence, zerosFrom: mapped.holesFrom)
        scanner.release = { mapped.release(below: $0) }
        var lastEndedBatch = true
        var lastRecordOffset = LogHeader.size
        var lastCommitTime = Int64.min
        while true {
            switch scanner.next() {
            case .record(let record):
                let hashed = UnsafeRawBufferPointer(rebasing: bytes[(record.offset + 8)..<record.payloadRange.upperBound])
                chain = chain.next(hashing: hashed)
                let stored = UnsafeRawBufferPointer(rebasing: bytes[record.chainHashOffset..<(record.chainHashOffset + 32)])
                guard chain.withUnsafeBytes({ $0.elementsEqual(stored) }) else {
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
                if record.sequence == checkpointSequence { report.checkpointHash = chain }
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
