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

/// Appends encoded records to a byte buffer, extending the hash chain.
struct RecordEncoder {
    private(set) var chain: ChainHash

    init(chain: ChainHash) {
        self.chain = chain
    }

    /// Appends one record to `buffer`.
    mutating func append(
        sequence: UInt64,
        commitTimeMicroseconds: Int64,
        payload: [UInt8],
        endsBatch: Bool,
        to buffer: inout [UInt8]
    ) {
        let bodyLength = RecordLayout.bodyLength(payloadSize: payload.count)
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: RecordLayout.prefixSize + bodyLength))
        buffer.withUnsafeMutableBytes { raw in
            let record = UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + RecordLayout.prefixSize + bodyLength)])
            record.storeBytes(of: UInt32(bodyLength).littleEndian, toByteOffset: 0, as: UInt32.self)
            record.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
            record.storeBytes(of: commitTimeMicroseconds.littleEndian, toByteOffset: 16, as: Int64.self)
            record.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 24, as: UInt32.self)
            record[28] = endsBatch ? RecordLayout.endsBatchFlag : 0
            payload.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: record[32..<(32 + payload.count)]).copyMemory(from: source)
            }
            let hashed = UnsafeRawBufferPointer(rebasing: record[8..<(32 + payload.count)])
            chain = chain.next(hashing: hashed)
            chain.bytes.withUnsafeBytes { hash in
                UnsafeMutableRawBufferPointer(rebasing: record[(32 + payload.count)..<(64 + payload.count)]).copyMemory(from: hash)
            }
            let body = UnsafeRawBufferPointer(rebasing: record[8...])
            record.storeBytes(of: CRC32C.checksum(body).littleEndian, toByteOffset: 4, as: UInt32.self)
        }
    }
}
