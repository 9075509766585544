extension EventLog {
    /// A batch's records, encoded: what the log's head and index learn once they are durable.
    struct EncodedBatch {
        var commitTime: Int64
        var chain: ChainHash
        var results: [AppendResult]
        /// Sequence numbers and their offsets from the start of the batch.
        var indexEntries: [(sequence: UInt64, offset: Int)]
        var recordCount: Int
    }
}

extension EventLog.EncodedBatch {
    /// Records built ahead (the caller checked that they follow the log's head).
    init(_ prepared: PreparedRecords, sequences: ClosedRange<UInt64>) {
        commitTime = prepared.commitTimeMicroseconds
        chain = prepared.chainEnd
        results = [AppendResult(sequences: sequences, commitTimeMicroseconds: commitTime, chainHash: chain)]
        indexEntries = prepared.indexEntries
        recordCount = prepared.payloads.count
    }
}
