/// A person's id in the registry: 128 random bits chosen by the registry when the person is first
/// recorded, never derived from personal data, written `p-` and 26 lower-case base32 letters
/// (RFC 4648's alphabet, `a`–`z` and `2`–`7`). It is also the person's subject id in the key
/// store (docs/key-store.md).
public struct PersonID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From 16 bytes, most significant first; nil for any other count or for all zeros.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        guard high != 0 || low != 0 else { return nil }
        self.init(high: high, low: low)
    }

    /// A fresh random id (never all zeros).
    public static func random() -> PersonID {
        var generator = SystemRandomNumberGenerator()
        while true {
            let id = PersonID(high: generator.next(), low: generator.next())
            if id.high != 0 || id.low != 0 { return id }
        }
    }

    /// Parses `p-` and 26 base32 letters; the error names `field`.
    public init(_ text: String, field: String = "person") throws(DomainError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 28, bytes[0] == UInt8(ascii: "p"), bytes[1] == UInt8(ascii: "-") else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not a person id (p- and 26 letters a-z, 2-7)")
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.dropFirst(2).enumerated() {
            let value: UInt64
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt64(byte - UInt8(ascii: "a"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): value = UInt64(byte - UInt8(ascii: "2")) + 26
            default: throw .invalidArgument(field: field, reason: "'\(text)' is not a person id (p- and 26 letters a-z, 2-7)")
            }
            // 130 bits are written; the two above 128 must be zero (first letter a-h).
            if index == 0, value >= 8 { throw .invalidArgument(field: field, reason: "'\(text)' is out of a person id's range") }
            high = high << 5 | low >> 59
            low = low << 5 | value
        }
        guard high != 0 || low != 0 else { throw .invalidArgument(field: field, reason: "'\(text)' is no person id (all zeros)") }
        self.init(high: high, low: low)
    }

    /// The 16 bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    public var text: String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
        var letters = [UInt8](repeating: 0, count: 26)
        var (high, low) = (high, low)
        for index in stride(from: 25, through: 0, by: -1) {
            letters[index] = alphabet[Int(low & 31)]
            low = low >> 5 | high << 59
            high >>= 5
        }
        return "p-" + String(decoding: letters, as: UTF8.self)
    }

    public var description: String { text }

    public static func < (left: PersonID, right: PersonID) -> Bool { (left.high, left.low) < (right.high, right.low) }
}
