/// A data subject's id: 16 random bytes chosen by the registry, never derived from personal data
/// (docs/key-store.md). The key store knows people only by it.
public struct SubjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From 16 bytes, most significant first; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// A fresh random id (never all zeros, which marks an erased slot in the key store).
    public static func random() -> SubjectID {
        var generator = SystemRandomNumberGenerator()
        while true {
            let id = SubjectID(high: generator.next(), low: generator.next())
            if id != .zero { return id }
        }
    }

    static let zero = SubjectID(high: 0, low: 0)

    /// The 16 bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// 32 lowercase hexadecimal digits.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    public static func < (left: SubjectID, right: SubjectID) -> Bool {
        (left.high, left.low) < (right.high, right.low)
    }
}
