import Dispatch
import Logging
import Locking

#if canImport(Glibc)
import Glibc
#endif

/// The append-only log: the one source of truth of clusterd.
///
/// Concurrent appends are gathered into a batch, written with one `pwrite`, made durable with one
/// `fdatasync`, and only then acknowledged, every append of the batch together. `enqueue` hands
/// every batch to the writer thread (the daemon's path: its callers are event loops). An `append`
/// that finds the log quiet may lead instead (see `enqueue(_:leading:failedBatches:)`): it writes
/// and syncs the batch on its own thread, which saves two thread handoffs on a lone write; appends
/// that arrive meanwhile queue behind it and the writer thread takes them as the next batch. A failed
/// write cuts the file back to its last durable end and fails the batch; a failed `fdatasync`
/// disables writes until restart, since the page cache can no longer be trusted. Reads keep working.
public final class EventLog: Sendable {
    private struct State {
        var queue: [AppendTicket] = []
        var nextSequence: UInt64
        var head: Head
        var index: SparseIndex
        var health: Health = .writable
        var closing = false
        var batchesWritten = 0
        /// Batches that failed since the log was opened.
        var failedBatches = 0
        /// Batches written by the thread of the append that led them rather than the writer thread.
        var batchesLedInline = 0
        /// A batch is being written (by the writer thread or a leading append): nobody else may
        /// touch the file until it is done.
        var committing = false
        /// Appends in the last batch written: more than one means appends are arriving together,
        /// and they are then left to the writer thread (see `enqueue(_:leading:failedBatches:)`).
        var lastBatchAppends = 0
        /// The zeros ahead of the log ran low: the writer thread writes more when it is free
        /// (see `commit`).
        var preallocationWanted = false
        /// When the writer last finished a batch, or the queue was last empty.
        var lastProgress = ContinuousClock.now
    }

    /// What only the owner of `State.committing` touches: the batch buffer and how far zeros
    /// reach ahead of the log.
    private final class CommitScratch: @unchecked Sendable {
        var buffer: [UInt8] = []
        var preallocatedEnd: Int

        init(preallocatedEnd: Int, capacity: Int) {
            self.preallocatedEnd = preallocatedEnd
            buffer.reserveCapacity(capacity)
        }
    }

    public let path: String
    public let header: LogHeader
    public let openReport: OpenReport
    public let isReadOnly: Bool
    private let genesis: ChainHash
    /// The records before this position were not scanned on open (see `checkPrefix()`).
    private let uncheckedPrefix: LogPosition?
    private let state: Locked<State>
    private let wakeWriter = DispatchSemaphore(value: 0)
    private let file: (any LogFileHandle)?
    private let maximumBatchBytes: Int
    private let preallocationBytes: Int
    /// The file's size when opened: the zeros it already holds ahead of the log.
    private let initialFileSize: Int
    private let logger: Logger
    private let writerThread: Locked<WriterThread?> = Locked(nil)
    private let scratch: CommitScratch
    /// In a box of its own: a function value kept right in a `Locked` is reabstracted on every
    /// `withLock`, each write-back wrapping it in one more thunk (tried: the chain grew with every
    /// batch, and `perf` found 130 µs of thunks per batch after a few thousand writes).
    private final class ObserverBox: Sendable {
        let observe: DurableBatchObserver
        init(_ observe: @escaping DurableBatchObserver) { self.observe = observe }
    }
    private let durableBatchObserver: Locked<ObserverBox?> = Locked(nil)

    /// Opens (creating if missing, unless read-only) and recovers the log at `path`.
    public static func open(path: String, options: Options = Options(), logger: Logger) throws(EventLogError) -> EventLog {
        var created = false
        if !options.readOnly {
            created = try LogCreation.createIfMissing(path: path, logger: logger)
        }
        let mapped: MappedFile
        do {
            // Read-only (clusterctl --log) opens the file a user named, a link included; the
            // daemon follows no link in its state directory.
            mapped = try MappedFile(path: path, followingLinks: options.readOnly)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        let resumeAt = options.readOnly ? nil : options.resumeAt
        let (scan, positionRejected) = try LogScan.scan(mapped, stopAfter: options.repairTruncateAfterSequence, resumingAt: resumeAt)
        if let target = options.repairTruncateAfterSequence, scan.lastSequence != target {
            throw .repairImpossible(reason: LogCreation.repairMismatch(target: target, scan: scan))
        }
        var report = OpenReport(created: created, tornTail: nil, repairedAfterSequence: options.repairTruncateAfterSequence)
        if let resumeAt, options.repairTruncateAfterSequence == nil {
            if let positionRejected {
                report.positionRejected = positionRejected
            } else {
                report.resumedAfterSequence = resumeAt.sequence
            }
        }
        if let tail = scan.tornTail {
            var keptAt: String?
            if !options.readOnly {
                keptAt = try LogCreation.setAside(tail, of: mapped, path: path)
            }
            let reason = tail.problem.map { "\($0)" } ?? "records after the repair point"
            report.tornTail = TornTail(
                offset: tail.offset,
                byteCount: tail.byteCount,
                firstLostSequence: tail.firstLostSequence,
                keptAt: keptAt,
                reason: reason
            )
            if options.readOnly {
                logger.warning(
                    "the log ends with an incomplete write; reading up to the last complete batch",
                    metadata: ["log": "\(path)", "offset": "\(tail.offset)", "first_lost_seq": "\(tail.firstLostSequence)", "bytes": "\(tail.byteCount)"]
                )
            } else {
                logger.warning(
                    "cut an incomplete write off the end of the log and kept it aside",
                    metadata: [
                        "log": "\(path)", "offset": "\(tail.offset)", "first_lost_seq": "\(tail.firstLostSequence)",
                        "bytes": "\(tail.byteCount)", "kept_at": "\(keptAt ?? "")", "reason": "\(reason)",
                        "message_id": "\(LogMessageID.tornTailRecovered)",
                    ]
                )
            }
        }
        var file: (any LogFileHandle)?
        if !options.readOnly {
            do {
                file = try options.fileOpener(path, false)
            } catch {
                throw .cannotOpen(path: path, reason: "\(error)")
            }
        }
        let head = Head(
            lastSequence: scan.lastSequence,
            recordCount: scan.recordCount,
            byteCount: scan.validEnd,
            chainHash: scan.headHash,
            lastCommitTimeMicroseconds: scan.lastCommitTimeMicroseconds
        )
        let log = EventLog(
            path: path,
            header: scan.header,
            genesis: scan.genesis,
            head: head,
            index: scan.index,
            report: report,
            uncheckedPrefix: report.resumedAfterSequence == nil ? nil : resumeAt,
            file: file,
            options: options,
            logger: logger
        )
        log.startWriter()
        return log
    }

    private init(
        path: String,
        header: LogHeader,
        genesis: ChainHash,
        head: Head,
        index: SparseIndex,
        report: OpenReport,
        uncheckedPrefix: LogPosition?,
        file: (any LogFileHandle)?,
        options: Options,
        logger: Logger
    ) {
        self.uncheckedPrefix = uncheckedPrefix
        self.path = path
        self.header = header
        self.genesis = genesis
        self.openReport = report
        self.isReadOnly = options.readOnly
        self.file = file
        self.maximumBatchBytes = options.maximumBatchBytes
        self.preallocationBytes = options.preallocationBytes
        self.initialFileSize = (try? file?.size()) ?? head.byteCount
        self.logger = logger
        self.scratch = CommitScratch(preallocatedEnd: max(initialFileSize, head.byteCount), capacity: 64 * 1024)
        var initial = State(nextSequence: head.lastSequence + 1, head: head, index: index)
        if options.readOnly { initial.health = .writesDisabled(reason: "opened read-only") }
        self.state = Locked(initial)
    }

    /// The durable end of the log.
    public var head: Head { state.withLock { $0.head } }

    /// Whether the log takes writes.
    public var health: Health { state.withLock { $0.health } }

    /// Why the writer seems stuck, if appends have waited longer than `limit` while no batch
    /// completed — queued, or in the batch being written (a writer stuck in `fdatasync` with
    /// nothing queued behind it is stuck all the same); nil when it keeps up or has nothing to do.
    public func writerStallDescription(after limit: Duration) -> String? {
        let (queued, committing, lastProgress) = state.withLock { ($0.queue.count, $0.committing, $0.lastProgress) }
        guard queued > 0 || committing else { return nil }
        let waited = ContinuousClock.now - lastProgress
        guard waited > limit else { return nil }
        return queued > 0
            ? "\(queued) appends have waited \(waited) for the log writer"
            : "the log writer has been writing one batch for \(waited)"
    }

    /// How many batches (one pwrite and one fdatasync each) this process has written.
    public var batchesWritten: Int { state.withLock { $0.batchesWritten } }

    /// How many batches failed (and were cut back) since the log was opened.
    public var failedBatches: Int { state.withLock { $0.failedBatches } }

    /// How many of them the thread of a leading append wrote (see `enqueue(_:leading:failedBatches:)`).
    public var batchesLedInline: Int { state.withLock { $0.batchesLedInline } }

    /// Hands `payloads` to the writer thread as one atomic batch: all are stored, or none. Never
    /// blocks on the disk: the writer thread writes and syncs it with whatever else is queued.
    ///
    /// Sequence numbers are fixed here, in call order; `wait()` on the ticket returns once durable.
    /// With `failedBatches`, the append is refused (`earlierBatchFailed`) if a batch failed since
    /// the caller read `failedBatches`: what it decided may rest on records that never made it.
    /// `attachment` goes to the `DurableBatchObserver` with the append.
    public func enqueue(_ payloads: [[UInt8]], failedBatches expectedFailures: Int? = nil, attachment: (any Sendable)? = nil) throws(EventLogError) -> AppendTicket {
        try enqueue(payloads, prepared: nil, attachment: attachment, leading: false, failedBatches: expectedFailures)
    }

    /// Hands records built ahead (see `recordBuilder(commitTimeMicroseconds:)`) to the writer, as
    /// `enqueue(_:failedBatches:)` does their payloads. They go alone in their batch; if the log
    /// moved on since they were built, their payloads are encoded again as for any append.
    public func enqueue(_ prepared: PreparedRecords, failedBatches expectedFailures: Int? = nil, attachment: (any Sendable)? = nil) throws(EventLogError) -> AppendTicket {
        try enqueue(prepared.payloads, prepared: prepared, attachment: attachment, leading: false, failedBatches: expectedFailures)
    }

    /// `enqueue(_:failedBatches:)`, leading when the log is idle: the append then comes back with
    /// a `LedBatch`, the batch that this caller, not the writer thread, writes and syncs, on a
    /// thread that may block for an `fdatasync`. Only `append` leads in this module; tests reach
    /// this with `@testable`. Idle means nothing queued, nothing being written, and the last
    /// batch held a single append: under load the writer thread gathers appends into batches.
    func enqueue(_ payloads: [[UInt8]], leading: Bool, failedBatches expectedFailures: Int? = nil) throws(EventLogError) -> LeadingAppend {
        try enqueueLeading(payloads, prepared: nil, leading: leading, failedBatches: expectedFailures)
    }

    /// `enqueue(_:leading:failedBatches:)` for records built ahead.
    func enqueue(_ prepared: PreparedRecords, leading: Bool, failedBatches expectedFailures: Int? = nil) throws(EventLogError) -> LeadingAppend {
        try enqueueLeading(prepared.payloads, prepared: prepared, leading: leading, failedBatches: expectedFailures)
    }

    private func enqueueLeading(_ payloads: [[UInt8]], prepared: PreparedRecords?, leading: Bool, failedBatches expectedFailures: Int?) throws(EventLogError) -> LeadingAppend {
        let ticket = try enqueue(payloads, prepared: prepared, attachment: nil, leading: leading, failedBatches: expectedFailures)
        return LeadingAppend(ticket: ticket, lead: ticket.ledByCaller ? LedBatch(log: self) : nil)
    }

    /// A builder of records that follow the log's current durable end, if nothing is queued or
    /// being written (otherwise that end is not known yet, and nil comes back). Their commit time
    /// is `commitTimeMicroseconds`, or the last one written if that is later.
    public func recordBuilder(commitTimeMicroseconds: Int64) -> RecordBatchBuilder? {
        state.withLock { state in
            guard state.health == .writable, !state.closing, state.queue.isEmpty,
                state.nextSequence == state.head.lastSequence + 1
            else { return nil }
            return RecordBatchBuilder(after: state.head, commitTimeMicroseconds: commitTimeMicroseconds)
        }
    }

    private func enqueue(
        _ payloads: [[UInt8]],
        prepared: PreparedRecords?,
        attachment: (any Sendable)?,
        leading: Bool,
        failedBatches expectedFailures: Int?
    ) throws(EventLogError) -> AppendTicket {
        guard !payloads.isEmpty else { throw .emptyAppend }
        for payload in payloads where payload.count > RecordLayout.maximumPayloadSize {
            throw .payloadTooLarge(size: payload.count, limit: RecordLayout.maximumPayloadSize)
        }
        let ticket = try state.withLock { state throws(EventLogError) -> AppendTicket in
            switch state.health {
            case .writable: break
            case .writesDisabled(let reason): throw .writesDisabled(reason: reason)
            case .closed: throw .closed
            }
            if state.closing { throw .closed }
            if let expectedFailures, expectedFailures != state.failedBatches { throw .earlierBatchFailed }
            // Sequence numbers end at 2^63 − 1 (signed 64-bit JSON): an append past it is refused
            // whole, never numbered beyond what a reader can be told.
            let left = state.nextSequence <= LogHeader.maximumSequence ? LogHeader.maximumSequence - state.nextSequence + 1 : 0
            guard UInt64(payloads.count) <= left else {
                throw .storageFailure(reason: "the log has \(left) sequence numbers left before \(LogHeader.maximumSequence), the largest a log holds, and this append needs \(payloads.count); nothing was stored")
            }
            let first = state.nextSequence
            state.nextSequence += UInt64(payloads.count)
            let leads = leading && state.queue.isEmpty && !state.committing && state.lastBatchAppends <= 1
            if leads { state.committing = true }
            let ticket = AppendTicket(
                sequences: first...(first + UInt64(payloads.count) - 1),
                payloads: payloads,
                prepared: prepared?.firstSequence == first ? prepared : nil,
                attachment: attachment,
                ledByCaller: leads
            )
            if state.queue.isEmpty { state.lastProgress = ContinuousClock.now }
            state.queue.append(ticket)
            return ticket
        }
        if !ticket.ledByCaller { wakeWriter.signal() }
        return ticket
    }

    /// Writes and syncs the batch a leading append claimed (its own records and whatever queued
    /// behind them since), on the calling thread; then hands what queues next to the writer
    /// thread. Only a `LedBatch` calls it, once, when its life ends.
    fileprivate func commitLedBatch() {
        let (batch, head) = state.withLock { state in
            precondition(state.committing, "commitLedBatch() without a leading append")
            return (takeBatch(&state), state.head)
        }
        if !batch.isEmpty { commit(batch, after: head, inline: true) }
        finishCommitting()
    }

    /// Gives the file back after a batch, and wakes the writer thread if appends queued meanwhile
    /// (or the log is closing).
    private func finishCommitting() {
        let wake = state.withLock { state in
            state.committing = false
            return !state.queue.isEmpty || state.closing || state.preallocationWanted
        }
        if wake { wakeWriter.signal() }
    }

    /// Sets the one observer told of every durable batch before its appends are acknowledged
    /// (see `DurableBatchObserver`); nil removes it. It runs on the writer's thread: it must not
    /// block, nor append to this log.
    public func observeDurableBatches(_ observer: DurableBatchObserver?) {
        durableBatchObserver.withLock { $0 = observer.map(ObserverBox.init) }
    }

    /// Appends `payloads` atomically and returns once they are durable (leading, when the log is
    /// quiet: see `enqueue(_:leading:failedBatches:)`).
    public func append(_ payloads: [[UInt8]]) async throws(EventLogError) -> AppendResult {
        var appended = try enqueue(payloads, leading: true)
        appended.lead.take()?.commit()
        return try await appended.ticket.wait()
    }

    /// Lets the writer finish what is queued, then stops it. Later appends fail with `closed`.
    public func close() {
        let thread = writerThread.withLock { thread -> WriterThread? in
            defer { thread = nil }
            return thread
        }
        state.withLock { $0.closing = true }
        wakeWriter.signal()
        thread?.join()
        file?.close()
        state.withLock { $0.health = .closed }
    }

    // MARK: Reading

    /// Calls `body` for each durable record from `first` through `last`, in order.
    ///
    /// The payload buffer is only valid inside `body`. With `verifyingChecksums`, the CRC of every
    /// record passed to `body` is checked again (off right after open, which has just checked
    /// them); records passed over on the way from the nearest index entry are not.
    public func forEachRecord(
        from first: UInt64 = 1,
        through last: UInt64? = nil,
        verifyingChecksums: Bool = true,
        _ body: (LogRecordView) throws -> Void
    ) throws {
        let (head, start) = state.withLock { state in
            (state.head, state.index.start(for: first))
        }
        let mapped = try mapDurable(head)
        let upper = min(last ?? head.lastSequence, head.lastSequence)
        guard first <= upper else { return }
        var scanner = scanner(of: mapped, from: start, checksCRC: verifyingChecksums)
        while true {
            // Only the records read are checked, not those passed over from the index entry.
            scanner.checksCRC = verifyingChecksums && scanner.expectedSequence >= first
            switch scanner.next() {
            case .record(let record):
                if record.sequence > upper { return }
                if record.sequence >= first {
                    try body(LogRecordView(record: record, bytes: mapped.bytes))
                }
            case .end:
                return
            case .problem(let offset, let problem):
                throw damage(at: offset, problem, scanner)
            }
        }
    }

    /// Calls `body` for the durable records at `sequences` (ascending), in order, with the file
    /// mapped once: each record is reached from the nearest index entry before it, or by reading
    /// on from the previous one when that is nearer. Sequence numbers past the end are skipped.
    public func forEachRecord(
        at sequences: [UInt64],
        verifyingChecksums: Bool = true,
        _ body: (LogRecordView) throws -> Void
    ) throws {
        let (head, starts) = state.withLock { state in
            (state.head, sequences.map { state.index.start(for: $0) })
        }
        guard let firstWanted = sequences.first, firstWanted <= head.lastSequence else { return }
        let mapped = try mapDurable(head)
        var scanner = RecordScanner(bytes: mapped.bytes, offset: LogHeader.size, expectedSequence: header.firstSequence, checksCRC: verifyingChecksums)
        for (target, start) in zip(sequences, starts) where target <= head.lastSequence {
            if let start, start.sequence > scanner.expectedSequence || target < scanner.expectedSequence {
                scanner = RecordScanner(bytes: mapped.bytes, offset: start.offset, expectedSequence: start.sequence, checksCRC: verifyingChecksums)
            }
            scanning: while true {
                scanner.checksCRC = verifyingChecksums && scanner.expectedSequence == target
                switch scanner.next() {
                case .record(let record):
                    if record.sequence == target {
                        try body(LogRecordView(record: record, bytes: mapped.bytes))
                        break scanning
                    }
                    if record.sequence > target { break scanning }
                case .end:
                    return
                case .problem(let offset, let problem):
                    throw damage(at: offset, problem, scanner)
                }
            }
        }
    }

    /// The file mapped up to the durable end `head`, for the readers above.
    private func mapDurable(_ head: Head) throws(EventLogError) -> MappedFile {
        do {
            return try MappedFile(path: path, length: head.byteCount, followingLinks: isReadOnly)
        } catch {
            throw .cannotOpen(path: path, reason: error.description)
        }
    }

    /// A scanner of `mapped` from the index entry `start` (the first record when nil).
    private func scanner(of mapped: MappedFile, from start: (sequence: UInt64, offset: Int)?, checksCRC: Bool) -> RecordScanner {
        RecordScanner(
            bytes: mapped.bytes,
            offset: start?.offset ?? LogHeader.size,
            expectedSequence: start?.sequence ?? header.firstSequence,
            checksCRC: checksCRC
        )
    }

    /// What a reader reports when `scanner` meets `problem` at `offset`.
    private func damage(at offset: Int, _ problem: RecordProblem, _ scanner: RecordScanner) -> EventLogError {
        .damaged(LogDamage(path: path, offset: offset, sequence: scanner.expectedSequence, problem: problem, lastIntactSequence: scanner.expectedSequence - 1))
    }

    /// Where durable record `sequence` stands, with the index up to it: what a snapshot at it
    /// keeps so that the next open starts there (`Options.resumeAt`). Nil when `sequence` is not a
    /// durable record that ends a batch.
    public func position(of sequence: UInt64) throws -> LogPosition? {
        let (head, start, index) = state.withLock { state in (state.head, state.index.start(for: sequence), state.index) }
        guard sequence >= header.firstSequence, sequence <= head.lastSequence else { return nil }
        let mapped = try mapDurable(head)
        var scanner = scanner(of: mapped, from: start, checksCRC: false)
        while true {
            switch scanner.next() {
            case .record(let record):
                guard record.sequence == sequence else { continue }
                guard record.endsBatch else { return nil }
                let entries = index.entries(through: sequence)
                return LogPosition(
                    sequence: sequence,
                    offset: record.offset,
                    chainHash: ChainHash(bytes: Array(mapped.bytes[record.chainHashOffset..<(record.chainHashOffset + 32)])),
                    indexSequences: entries.sequences,
                    indexOffsets: entries.offsets
                )
            case .end:
                return nil
            case .problem(let offset, let problem):
                throw damage(at: offset, problem, scanner)
            }
        }
    }

    /// Checks the records that a resumed open did not scan (`Options.resumeAt`): every CRC, the
    /// sequence numbers and the structure, as opening checks the rest, and that the record at the
    /// position and the index entries are where they were said to be. On damage, writes are
    /// refused from then on (reads go on: what was served came from records checked since, or
    /// from the snapshot bound to the chain). Meant for a background thread; returns at once when
    /// the open scanned everything.
    public func checkPrefix() -> PrefixCheck {
        guard let position = uncheckedPrefix else { return .notNeeded }
        let problem: String? = {
            let mapped: MappedFile
            do {
                mapped = try MappedFile(path: path, length: position.offset + RecordLayout.prefixSize + RecordLayout.maximumBodyLength, followingLinks: isReadOnly)
            } catch {
                return "cannot read the log: \(error)"
            }
            let expectedIndex = Dictionary(uniqueKeysWithValues: zip(position.indexSequences, position.indexOffsets))
            var scanner = RecordScanner(bytes: mapped.bytes, expectedSequence: header.firstSequence)
            scanner.release = { mapped.release(below: $0) }
            while true {
                switch scanner.next() {
                case .record(let record):
                    if SparseIndex.shouldIndex(record.sequence), expectedIndex[record.sequence] != record.offset {
                        return "record \(record.sequence) is at byte offset \(record.offset), not where the snapshot's index put it"
                    }
                    guard record.sequence == position.sequence else { continue }
                    guard record.offset == position.offset else {
                        return "record \(position.sequence) is at byte offset \(record.offset), not at \(position.offset) where the log was opened"
                    }
                    return nil
                case .end(let offset):
                    return "the records end at byte offset \(offset), before record \(position.sequence)"
                case .problem(let offset, let problem):
                    return "\(damage(at: offset, problem, scanner))"
                }
            }
        }()
        guard let problem else {
            return .intact(records: Int(position.sequence - header.firstSequence + 1), bytes: position.offset)
        }
        state.withLock { state in
            if state.health == .writable { state.health = .writesDisabled(reason: "the background check of the log found damage before record \(position.sequence + 1): \(problem)") }
        }
        return .damaged(problem)
    }

    /// The stored chain hash of record `sequence`, if the log has it.
    public func chainHash(at sequence: UInt64) throws -> ChainHash? {
        if sequence == header.firstSequence - 1 { return genesis }
        var found: ChainHash?
        try forEachRecord(from: sequence, through: sequence) { found = $0.chainHash }
        return found
    }

    // MARK: Writing

    private func startWriter() {
        guard file != nil else { return }
        let thread = WriterThread { [self] in writerLoop() }
        writerThread.withLock { $0 = thread }
    }

    private func writerLoop() {
        while true {
            wakeWriter.wait()
            let (batch, head, preallocation, stop) = state.withLock { state -> ([AppendTicket], EventLog.Head, Bool, Bool) in
                // A leading append is writing: it wakes this thread again when it is done.
                if state.committing { return ([], state.head, false, false) }
                if state.preallocationWanted {
                    state.preallocationWanted = false
                    state.committing = true
                    return ([], state.head, true, false)
                }
                let taken = takeBatch(&state)
                if !taken.isEmpty { state.committing = true }
                return (taken, state.head, false, state.closing && state.queue.isEmpty && taken.isEmpty)
            }
            if stop { return }
            if preallocation, let file {
                // No append waits for this: appends queued meanwhile wait, as behind any batch.
                scratch.preallocatedEnd = preallocate(file, from: max(scratch.preallocatedEnd, head.byteCount), to: head.byteCount + preallocationBytes)
                finishCommitting()
                continue
            }
            guard !batch.isEmpty else { continue }
            commit(batch, after: head, inline: false)
            finishCommitting()
        }
    }

    /// Takes the next batch off the queue: everything queued, up to `maximumBatchBytes` (a
    /// single larger append goes alone, and so do prepared records).
    private func takeBatch(_ state: inout State) -> [AppendTicket] {
        var taken: [AppendTicket] = []
        var bytes = 0
        while let next = state.queue.first {
            let size = next.encodedSize
            if !taken.isEmpty && (bytes + size > maximumBatchBytes || next.prepared != nil) { break }
            taken.append(next)
            bytes += size
            state.queue.removeFirst()
            if next.prepared != nil { break }
        }
        return taken
    }

    /// Writes and syncs `batch`; only the owner of `State.committing` calls it.
    private func commit(_ batch: [AppendTicket], after head: Head, inline: Bool) {
        guard let file else { return }
        defer {
            // A failed batch cuts the file back to the durable end, zeros ahead included.
            if state.withLock({ $0.head.byteCount }) == head.byteCount {
                scratch.preallocatedEnd = min(scratch.preallocatedEnd, (try? file.size()) ?? head.byteCount)
            }
        }
        // The buffer leaves the scratch object while the batch is encoded: appending through a
        // class property checked exclusive access on every record.
        var buffer = scratch.buffer
        scratch.buffer = []
        // A large batch's buffer (an Import) is not kept: it would stay resident for good.
        defer { scratch.buffer = buffer.capacity > 1 << 20 ? [] : buffer }
        let encoded: EncodedBatch
        let chunks: [[UInt8]]
        if batch.count == 1, let prepared = batch[0].prepared, prepared.follow(head) {
            encoded = EncodedBatch(prepared, sequences: batch[0].sequences)
            chunks = prepared.chunks
        } else {
            encoded = encode(batch, after: head, into: &buffer)
            chunks = [buffer]
        }
        let size = chunks.reduce(0) { $0 + $1.count }
        // Zeros ahead are written after a batch, by the writer thread, not before it: a batch
        // that runs past them extends the file (its fdatasync then commits the new size too)
        // instead of waiting for megabytes of zeros, most of which it would overwrite.
        let preallocationWanted = preallocationBytes > 0 && head.byteCount + size + preallocationBytes / 2 > scratch.preallocatedEnd
        do {
            var offset = head.byteCount
            for chunk in chunks {
                let written = try chunk.withUnsafeBytes { bytes throws(StorageError) in try file.write(bytes, at: offset) }
                guard written == chunk.count else {
                    fail(batch, head: head, reason: "short write: \(offset - head.byteCount + written) of \(size) bytes", disableWrites: false)
                    return
                }
                offset += written
            }
        } catch {
            fail(batch, head: head, reason: "\(error)", disableWrites: false)
            return
        }
        do {
            try file.synchronize()
        } catch {
            fail(batch, head: head, reason: "\(error)", disableWrites: true)
            return
        }
        state.withLock { state in
            state.head = Head(
                lastSequence: batch.last!.sequences.upperBound,
                recordCount: head.recordCount + encoded.recordCount,
                byteCount: head.byteCount + size,
                chainHash: encoded.chain,
                lastCommitTimeMicroseconds: encoded.commitTime
            )
            for (sequence, offset) in encoded.indexEntries { state.index.add(sequence: sequence, offset: head.byteCount + offset) }
            state.batchesWritten += 1
            state.lastBatchAppends = batch.count
            if preallocationWanted { state.preallocationWanted = true }
            if inline { state.batchesLedInline += 1 }
            state.lastProgress = ContinuousClock.now
        }
        let retired = durableBatchObserver.withLock({ $0 })?.observe(zip(batch, encoded.results).map { ticket, result in
            DurableAppend(sequences: ticket.sequences, commitTimeMicroseconds: result.commitTimeMicroseconds, attachment: ticket.attachment, payloads: ticket.payloads)
        })
        withExtendedLifetime(retired) {
            for (ticket, result) in zip(batch, encoded.results) {
                ticket.complete(.success(result))
            }
        }
    }

    /// Encodes the records of `batch` after `head` into `buffer`, committed now.
    private func encode(_ batch: [AppendTicket], after head: Head, into buffer: inout [UInt8]) -> EncodedBatch {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(batch.reduce(0) { $0 + $1.encodedSize })
        let commitTime = max(WallClock.nowMicroseconds(), head.lastCommitTimeMicroseconds)
        var encoder = RecordEncoder(chain: head.chainHash)
        var results: [AppendResult] = []
        var indexEntries: [(sequence: UInt64, offset: Int)] = []
        var recordCount = 0
        for ticket in batch {
            for (position, payload) in ticket.payloads.enumerated() {
                let sequence = ticket.sequences.lowerBound + UInt64(position)
                if SparseIndex.shouldIndex(sequence) { indexEntries.append((sequence, buffer.count)) }
                encoder.append(
                    sequence: sequence,
                    commitTimeMicroseconds: commitTime,
                    payload: payload,
                    endsBatch: position == ticket.payloads.count - 1,
                    to: &buffer
                )
            }
            recordCount += ticket.payloads.count
            results.append(AppendResult(sequences: ticket.sequences, commitTimeMicroseconds: commitTime, chainHash: encoder.chain))
        }
        return EncodedBatch(commitTime: commitTime, chain: encoder.chain, results: results, indexEntries: indexEntries, recordCount: recordCount)
    }

    /// Writes zeros from `start` to `end` and makes them durable; returns the new end of the zeros,
    /// or `start` when that failed (the log then grows as it writes, more slowly but just as safely).
    private func preallocate(_ file: any LogFileHandle, from start: Int, to end: Int) -> Int {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var offset = start
        do {
            while offset < end {
                let count = min(zeros.count, end - offset)
                let written = try zeros.withUnsafeBytes { bytes throws(StorageError) in
                    try file.write(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), at: offset)
                }
                guard written > 0 else { break }
                offset += written
            }
            try file.synchronize()
            return offset
        } catch {
            logger.warning("could not reserve space ahead of the log; appending without it", metadata: ["log": "\(path)", "reason": "\(error)"])
            try? file.truncate(to: start)
            return start
        }
    }

    /// Fails `batch` and everything queued behind it (their sequence numbers follow the batch's),
    /// and cuts the file back to the last durable end.
    private func fail(_ batch: [AppendTicket], head: Head, reason: String, disableWrites: Bool) {
        var disable = disableWrites
        var fullReason = reason
        do {
            try file?.truncate(to: head.byteCount)
        } catch {
            disable = true
            fullReason += "; then cutting the file back failed too: \(error)"
        }
        let queued = state.withLock { state -> [AppendTicket] in
            let queued = state.queue
            state.queue.removeAll()
            state.nextSequence = head.lastSequence + 1
            state.failedBatches += 1
            if disable { state.health = .writesDisabled(reason: fullReason) }
            return queued
        }
        if disable {
            logger.critical(
                "the log takes no more writes until restart: fdatasync failed, so the page cache cannot be trusted",
                metadata: ["log": "\(path)", "reason": "\(fullReason)", "last_durable_seq": "\(head.lastSequence)", "message_id": "\(LogMessageID.storageFailure)"]
            )
        } else {
            logger.error(
                "a batch could not be written and was cut back; its requests failed",
                metadata: ["log": "\(path)", "reason": "\(fullReason)", "last_durable_seq": "\(head.lastSequence)", "message_id": "\(LogMessageID.storageFailure)"]
            )
        }
        let error: EventLogError = disable ? .writesDisabled(reason: fullReason) : .storageFailure(reason: fullReason)
        for ticket in batch + queued {
            ticket.complete(.failure(error))
        }
    }
}

/// An append made by `enqueue(_:leading:failedBatches:)`: its ticket, and the batch it leads if
/// it found the log idle.
struct LeadingAppend: ~Copyable {
    let ticket: AppendTicket
    var lead: LedBatch?
}

/// The batch a leading append claimed: written and synced on the thread that holds this, when
/// it calls `commit()` or lets it go (its deinit commits). Non-copyable, so the group-commit
/// protocol is in the type: no caller can forget the batch and leave the log waiting for its
/// leader, and none can commit it twice.
struct LedBatch: ~Copyable, Sendable {
    fileprivate let log: EventLog

    /// Writes and syncs the batch now: ending the token's life is what commits it (see deinit).
    consuming func commit() {}

    deinit {
        log.commitLedBatch()
    }
}
