/// Encodes records, extending the hash chain.
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
        let start = buffer.count
        let size = RecordLayout.recordSize(payloadSize: payload.count)
        buffer.append(contentsOf: repeatElement(0, count: size))
        buffer.withUnsafeMutableBytes { raw in
            encode(
                sequence: sequence, commitTimeMicroseconds: commitTimeMicroseconds, payload: payload, endsBatch: endsBatch,
                into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + size)])
            )
        }
    }

    /// Writes one record over `record`, exactly `RecordLayout.recordSize(payloadSize:)` bytes:
    /// every byte is set (reserved bytes and padding to zero), so `record` may be uninitialized.
    mutating func encode(
        sequence: UInt64,
        commitTimeMicroseconds: Int64,
        payload: [UInt8],
        endsBatch: Bool,
        into record: UnsafeMutableRawBufferPointer
    ) {
        let bodyLength = RecordLayout.bodyLength(payloadSize: payload.count)
        precondition(record.count == RecordLayout.prefixSize + bodyLength)
        let hashEnd = 32 + payload.count + RecordLayout.hashSize
        record.storeBytes(of: UInt32(bodyLength).littleEndian, toByteOffset: 0, as: UInt32.self)
        record.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        record.storeBytes(of: commitTimeMicroseconds.littleEndian, toByteOffset: 16, as: Int64.self)
        record.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 24, as: UInt32.self)
        // Flags, then three reserved bytes.
        record.storeBytes(of: UInt32(endsBatch ? RecordLayout.endsBatchFlag : 0).littleEndian, toByteOffset: 28, as: UInt32.self)
        payload.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: record[32..<(32 + payload.count)]).copyMemory(from: source)
        }
        let hashed = UnsafeRawBufferPointer(rebasing: record[8..<(32 + payload.count)])
        chain = chain.next(hashing: hashed)
        chain.withUnsafeBytes { hash in
            UnsafeMutableRawBufferPointer(rebasing: record[(32 + payload.count)..<hashEnd]).copyMemory(from: hash)
        }
        // Padding to a multiple of 8.
        UnsafeMutableRawBufferPointer(rebasing: record[hashEnd...]).initializeMemory(as: UInt8.self, repeating: 0)
        let body = UnsafeRawBufferPointer(rebasing: record[8...])
        record.storeBytes(of: CRC32C.checksum(body).littleEndian, toByteOffset: 4, as: UInt32.self)
    }
}
