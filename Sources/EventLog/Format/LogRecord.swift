/// One record of the log: a sequence number, a commit time and opaque payload bytes, chained to
/// every record before it (docs/log-format.md, "Record").
public struct LogRecord: Sendable, Hashable {
    public var sequence: UInt64
    /// Microseconds since the epoch.
    public var commitTimeMicroseconds: Int64
    public var payload: [UInt8]
    /// Whether this record ends its commit batch.
    public var endsBatch: Bool
    /// `chain(sequence)`.
    public var chainHash: ChainHash

    public init(sequence: UInt64, commitTimeMicroseconds: Int64, payload: [UInt8], endsBatch: Bool, chainHash: ChainHash) {
        self.sequence = sequence
        self.commitTimeMicroseconds = commitTimeMicroseconds
        self.payload = payload
        self.endsBatch = endsBatch
        self.chainHash = chainHash
    }
}

/// Sizes and offsets of the record layout.
enum RecordLayout {
    /// Length and CRC before the body.
    static let prefixSize = 8
    /// Sequence number, commit time, payload length, flags, reserved: the body before the payload.
    static let bodyHeaderSize = 24
    static let hashSize = 32
    /// The largest payload a record may carry.
    static let maximumPayloadSize = 64 * 1024 * 1024
    static let minimumBodyLength = bodyHeaderSize + hashSize
    static let maximumBodyLength = bodyLength(payloadSize: maximumPayloadSize)
    static let endsBatchFlag: UInt8 = 1

    /// `L = 56 + P` rounded up to a multiple of 8.
    @inline(__always)
    static func bodyLength(payloadSize: Int) -> Int {
        (bodyHeaderSize + payloadSize + hashSize + 7) & ~7
    }

    /// Bytes the whole record takes in the file.
    @inline(__always)
    static func recordSize(payloadSize: Int) -> Int {
        prefixSize + bodyLength(payloadSize: payloadSize)
    }
}
