/// Hashing for the identifiers that key the projection's dictionaries.
///
/// Replay and writes look up a SIREN or a slug several times per event, and the standard library's
/// SipHash costs more than the rest of `apply` (perf: `Hasher(_seed:)` alone took a fifth of the
/// demo mix). SIRENs are 30-bit numbers and slugs short ASCII strings, so a keyed 64-bit mixer is
/// enough. The key is random per process, like `Hasher`'s, so a client cannot choose identifiers
/// that collide in the daemon's tables; the dictionary's own seed is mixed in as well.
enum IdentifierHashing {
    static let key = UInt64.random(in: .min ... .max)

    /// The SplitMix64 finalizer of `value` under the process key and `seed`.
    @inline(__always)
    static func mix(_ value: UInt64, seed: Int) -> Int {
        var z = value ^ key ^ (UInt64(bitPattern: Int64(seed)) &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }

    /// Folds the bytes of a short string, eight at a time, then mixes.
    static func mix(_ text: String, seed: Int) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var state = UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
            var index = 0
            while index + 8 <= bytes.count {
                state = (state ^ UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)))
                    &* 0xBF58_476D_1CE4_E5B9
                state ^= state >> 29
                index += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                tail |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            return mix(state ^ tail, seed: seed)
        }
    }
}

extension SIREN {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }

    public func _rawHashValue(seed: Int) -> Int {
        IdentifierHashing.mix(UInt64(value), seed: seed)
    }
}

extension Slug {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }

    /// Slugs hold only a-z, 0-9 and '-', so equal slugs have equal UTF-8 bytes.
    public func _rawHashValue(seed: Int) -> Int {
        IdentifierHashing.mix(text, seed: seed)
    }
}
