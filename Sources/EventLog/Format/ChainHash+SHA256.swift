import Crypto

extension ChainHash {
    /// `chain(0)`: the SHA-256 of the 64 header bytes.
    static func genesis(header: UnsafeRawBufferPointer) -> ChainHash {
        ChainHash(bytes: Array(SHA256.hash(data: header)))
    }

    /// `chain(n) = SHA-256(chain(n - 1) || hashed body bytes of record n)`.
    func next(hashing body: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return ChainHash(bytes: Array(hasher.finalize()))
    }
}
