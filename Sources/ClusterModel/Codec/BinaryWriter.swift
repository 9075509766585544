/// Writes the tagged binary encoding of docs/event-codec.md: varints and length-delimited fields,
/// each behind a key of (field number << 3 | wire type).
struct BinaryWriter {
    static let varint: UInt64 = 0
    static let lengthDelimited: UInt64 = 2

    var bytes: [UInt8] = []

    init(capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
    }

    mutating func writeRawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func writeUnsigned(_ field: UInt64, _ value: UInt64) {
        writeRawVarint(field << 3 | Self.varint)
        writeRawVarint(value)
    }

    mutating func writeSigned(_ field: UInt64, _ value: Int64) {
        writeUnsigned(field, Self.zigzag(value))
    }

    /// A signed value as the unsigned varint that `BinaryReader.signed` reads back.
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    mutating func writeBool(_ field: UInt64, _ value: Bool) {
        writeUnsigned(field, value ? 1 : 0)
    }

    mutating func writeString(_ field: UInt64, _ value: String) {
        writeRawVarint(field << 3 | Self.lengthDelimited)
        writeRawString(value)
    }

    /// A string without a key: its UTF-8 length as a varint, then its bytes (what
    /// `BinaryReader.readString` reads back).
    mutating func writeRawString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeRawVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func writeBytes(_ field: UInt64, _ value: [UInt8]) {
        writeRawVarint(field << 3 | Self.lengthDelimited)
        writeRawVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeMessage(_ field: UInt64, _ body: (inout BinaryWriter) -> Void) {
        var nested = BinaryWriter(capacity: 32)
        body(&nested)
        writeRawVarint(field << 3 | Self.lengthDelimited)
        writeRawVarint(UInt64(nested.bytes.count))
        bytes.append(contentsOf: nested.bytes)
    }
}

/// Why bytes are not a decodable event.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// Reads the encoding that `BinaryWriter` writes.
struct BinaryReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        position = 0
    }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func readByte() throws(EventDecodingError) -> UInt8 {
        guard position < bytes.count else { throw EventDecodingError("the event ends in the middle of a field") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readRawVarint() throws(EventDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw EventDecodingError("a varint is longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next field's number and wire type, or nil at the end.
    mutating func readKey() throws(EventDecodingError) -> (field: UInt64, wire: UInt64)? {
        guard !isAtEnd else { return nil }
        let key = try readRawVarint()
        return (key >> 3, key & 7)
    }

    mutating func readLengthDelimited() throws(EventDecodingError) -> UnsafeRawBufferPointer {
        let length = try readRawVarint()
        guard length <= UInt64(bytes.count - position) else { throw EventDecodingError("a field is longer than the event") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + Int(length))])
        position += Int(length)
        return slice
    }

    mutating func readString() throws(EventDecodingError) -> String {
        let slice = try readLengthDelimited()
        guard let string = String(validating: slice, as: UTF8.self) else { throw EventDecodingError("a text field is not valid UTF-8") }
        return string
    }

    static func signed(_ value: UInt64) -> Int64 {
        Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// Skips a field this build does not know, so that newer writers' additions are ignored.
    mutating func skip(wire: UInt64) throws(EventDecodingError) {
        switch wire {
        case BinaryWriter.varint: _ = try readRawVarint()
        case BinaryWriter.lengthDelimited: _ = try readLengthDelimited()
        default: throw EventDecodingError("unknown wire type \(wire)")
        }
    }
}
