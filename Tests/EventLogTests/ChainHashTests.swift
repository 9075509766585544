import EventLog
import Testing

/// The chain hash is held in four words: its bytes, hex form, equality and hashing must still
/// be those of its 32 bytes.
struct ChainHashTests {
    @Test func roundTripsThroughBytesAndHex() throws {
        let bytes = (0..<32).map { UInt8($0 * 7 + 3) }
        let hash = ChainHash(bytes: bytes)
        #expect(hash.bytes == bytes)
        #expect(hash.hex == bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined())
        #expect(ChainHash(hex: hash.hex) == hash)
        #expect(hash.withUnsafeBytes { Array($0) } == bytes)
    }

    @Test func equalityAndHashingFollowEveryByte() {
        let base = (0..<32).map { UInt8($0) }
        var seen = Set([ChainHash(bytes: base)])
        for index in 0..<32 {
            var changed = base
            changed[index] ^= 0x80
            #expect(ChainHash(bytes: changed) != ChainHash(bytes: base))
            #expect(seen.insert(ChainHash(bytes: changed)).inserted)
        }
        #expect(!seen.insert(ChainHash(bytes: base)).inserted)
    }
}
