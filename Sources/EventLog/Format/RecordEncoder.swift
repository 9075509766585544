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
            chain.withUnsafeBytes { hash in
                UnsafeMutableRawBufferPointer(rebasing: record[(32 + payload.count)..<(64 + payload.count)]).copyMemory(from: hash)
            }
            let body = UnsafeRawBufferPointer(rebasing: record[8...])
            record.storeBytes(of: CRC32C.checksum(body).littleEndian, toByteOffset: 4, as: UInt32.self)
        }
    }
}
