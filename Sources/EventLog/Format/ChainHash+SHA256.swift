import Crypto

extension ChainHash {
    /// `chain(0)`: the SHA-256 of the 64 header bytes.
    static func genesis(header: UnsafeRawBufferPointer) -> ChainHash {
        SHA256.hash(data: header).withUnsafeBytes { ChainHash(copying: $0) }
    }

    /// `chain(n) = SHA-256(chain(n - 1) || hashed body bytes of record n)`.
    func next(hashing body: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return hasher.finalize().withUnsafeBytes { ChainHash(copying: $0) }
    }
}
