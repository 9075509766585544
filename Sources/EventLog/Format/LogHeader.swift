/// The 64-byte header at the start of every log file (docs/log-format.md, "Header").
public struct LogHeader: Sendable, Hashable {
    public static let size = 64
    public static let magic: [UInt8] = Array("CLSTRLOG".utf8)
    public static let currentVersion: UInt16 = 1

    /// Random bytes chosen when the log was created.
    public var logID: [UInt8]
    /// Microseconds since the epoch.
    public var createdAtMicroseconds: Int64
    /// The sequence number of the first record.
    public var firstSequence: UInt64
    /// The largest sequence number a log may hold: 2^63 − 1, what a signed 64-bit integer (and so
    /// a reply's JSON) carries.
    public static let maximumSequence = UInt64(Int64.max)

    public init(logID: [UInt8], createdAtMicroseconds: Int64, firstSequence: UInt64 = 1) {
        precondition(logID.count == 16)
        self.logID = logID
        self.createdAtMicroseconds = createdAtMicroseconds
        self.firstSequence = firstSequence
    }

    /// A header with a fresh random log id.
    public static func new(createdAtMicroseconds: Int64) -> LogHeader {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return LogHeader(logID: id, createdAtMicroseconds: createdAtMicroseconds)
    }

    /// The 64 bytes on disk.
    public var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.replaceSubrange(0..<8, with: Self.magic)
        bytes.storeLittleEndian(Self.currentVersion, at: 8)
        bytes.storeLittleEndian(UInt16(Self.size), at: 10)
        bytes.storeLittleEndian(UInt32(0), at: 12)
        bytes.replaceSubrange(16..<32, with: logID)
        bytes.storeLittleEndian(UInt64(bitPattern: createdAtMicroseconds), at: 32)
        bytes.storeLittleEndian(firstSequence, at: 40)
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<60])) }
        bytes.storeLittleEndian(crc, at: 60)
        return bytes
    }

    /// Decodes and checks a header; the error says what is wrong with it.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(LogHeaderProblem) {
        guard bytes.count >= Self.size else { throw .tooShort(bytes.count) }
        guard Array(bytes[0..<8]) == Self.magic else { throw .notALog }
        let version = bytes.loadLittleEndian(UInt16.self, at: 8)
        guard version == Self.currentVersion else { throw .unsupportedVersion(version) }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60]))
        guard crc == bytes.loadLittleEndian(UInt32.self, at: 60) else { throw .checksumMismatch }
        guard bytes.loadLittleEndian(UInt16.self, at: 10) == UInt16(Self.size) else { throw .malformed("header length is not 64") }
        guard bytes.loadLittleEndian(UInt32.self, at: 12) == 0 else { throw .malformed("unknown header flags") }
        guard bytes[48..<60].allSatisfy({ $0 == 0 }) else { throw .malformed("reserved header bytes are not zero") }
        logID = Array(bytes[16..<32])
        createdAtMicroseconds = Int64(bitPattern: bytes.loadLittleEndian(UInt64.self, at: 32))
        firstSequence = bytes.loadLittleEndian(UInt64.self, at: 40)
        guard firstSequence >= 1 else { throw .malformed("first sequence number is 0") }
        // Sequence numbers travel as JSON integers (signed 64 bits): a header whose first one is
        // beyond that is no log clusterd could serve (2^64 − 1 once trapped verify's count).
        guard firstSequence <= Self.maximumSequence else {
            throw .malformed("first sequence number \(firstSequence) is beyond \(Self.maximumSequence), the largest a clusterd log holds")
        }
    }

    /// The log id in hexadecimal.
    public var logIDHex: String { ChainHash.hexString(logID) }
}

/// Why the first 64 bytes of a file are not a usable log header.
public enum LogHeaderProblem: Error, Sendable, Hashable, CustomStringConvertible {
    case tooShort(Int)
    case notALog
    case unsupportedVersion(UInt16)
    case checksumMismatch
    case malformed(String)

    public var description: String {
        switch self {
        case .tooShort(let count): return "the file has \(count) bytes, fewer than a 64-byte log header"
        case .notALog: return "it does not start with CLSTRLOG: not a clusterd log"
        case .unsupportedVersion(let version): return "log format version \(version) is not supported (this build reads version 1)"
        case .checksumMismatch: return "the header CRC does not match: the header is damaged"
        case .malformed(let reason): return "the header is malformed: \(reason)"
        }
    }
}

extension ChainHash {
    /// Lower-case hexadecimal of any bytes.
    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    mutating func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
