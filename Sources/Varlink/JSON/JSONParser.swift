/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// Strict on purpose: the bytes come from untrusted peers. Nesting depth is limited, strings must be
/// valid UTF-8, duplicate object keys are rejected, and nothing but whitespace may follow the value.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 128

    /// Parses one complete JSON text.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withContiguousStorageIfAvailable { buffer in
            parseResult(buffer)
        } ?? Array(bytes).withUnsafeBufferPointer { parseResult($0) }
        return try result.get()
    }

    /// Parses one complete JSON text from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(bytes: buffer)
        do {
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.position != buffer.count {
                throw parser.error("unexpected data after the JSON value")
            }
            return .success(value)
        } catch let error as JSONParseError {
            return .failure(error)
        } catch {
            return .failure(JSONParseError(offset: parser.position, reason: "\(error)"))
        }
    }

    fileprivate let bytes: UnsafeBufferPointer<UInt8>
    fileprivate var position = 0

    fileprivate init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    fileprivate func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    fileprivate var atEnd: Bool { position >= bytes.count }

    fileprivate mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    fileprivate mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard !atEnd else { throw error("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw error("unexpected character \(Self.describe(bytes[position])), expected a value")
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "0x" + String(byte, radix: 16)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw error("unexpected end of input in literal", at: start) }
        let utf8 = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for index in 0..<count where bytes[position + index] != utf8[index] {
            throw error("invalid literal, expected \(literal)", at: start)
        }
        position += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        position += 1
        // Room for a typical call's parameters up front: growing from empty rehashes three times.
        var members: [String: JSONValue] = Dictionary(minimumCapacity: 8)
        skipWhitespace()
        if !atEnd && bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input in object") }
            guard bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            guard !atEnd, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if members.updateValue(value, forKey: key) != nil {
                throw error("duplicate key \"\(key)\" in object", at: keyOffset)
            }
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input in object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if !atEnd && bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input in array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    fileprivate mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        position += 1
        // Fast path: no escapes, validate UTF-8 once (and not at all for ASCII, which is valid).
        var scan = position
        var ascii = true
        while scan < bytes.count {
            let byte = bytes[scan]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[position..<scan])
                let string: String
                if ascii {
                    string = String(decoding: slice, as: UTF8.self)
                } else {
                    guard let valid = String(validating: slice, as: UTF8.self) else {
                        throw error("string is not valid UTF-8", at: start)
                    }
                    string = valid
                }
                position = scan + 1
                return string
            }
            ascii = ascii && byte < 0x80
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in string", at: scan) }
            scan += 1
        }
        guard scan < bytes.count else { throw error("unterminated string", at: start) }
        return try parseEscapedString(start: start)
    }

    private mutating func parseEscapedString(start: Int) throws(JSONParseError) -> String {
        var utf8: [UInt8] = []
        while true {
            guard !atEnd else { throw error("unterminated string", at: start) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                guard !atEnd else { throw error("unterminated escape", at: start) }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &utf8)
                default: throw error("invalid escape \\\(Self.describe(escape))", at: position - 2)
                }
            default:
                if byte < 0x20 { throw error("control character in string") }
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw error("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    private mutating func appendUnicodeEscape(to utf8: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position - 2
        let first = try readHex4()
        var scalarValue = UInt32(first)
        if (0xD800...0xDBFF).contains(first) {
            guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("unpaired high surrogate", at: escapeStart) }
            position += 2
            let second = try readHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw error("invalid low surrogate", at: escapeStart) }
            scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            throw error("unpaired low surrogate", at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw error("invalid code point", at: escapeStart) }
        utf8.append(contentsOf: String(Character(scalar)).utf8)
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard !atEnd, isDigit(bytes[position]) else { throw error("invalid number", at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if !atEnd && isDigit(bytes[position]) { throw error("leading zero in number", at: start) }
        } else {
            while !atEnd && isDigit(bytes[position]) { position += 1 }
        }
        if !atEnd && bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard !atEnd, isDigit(bytes[position]) else { throw error("expected digits after '.'", at: start) }
            while !atEnd && isDigit(bytes[position]) { position += 1 }
        }
        if !atEnd && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            isInteger = false
            position += 1
            if !atEnd && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard !atEnd, isDigit(bytes[position]) else { throw error("expected digits in exponent", at: start) }
            while !atEnd && isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let integer = Int64(text) {
            return .int(integer)
        }
        guard let double = Double(text), double.isFinite else { throw error("number out of range", at: start) }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// Reads a JSON text piece by piece, for callers that decode a large message straight into their
/// own types instead of building a `JSONValue` tree first (an Import of 40,000 commands).
///
/// Every value it returns is parsed by the same code as `JSONParser.parse`, with the same rules
/// (strict strings and numbers, duplicate keys are the caller's to refuse, the same depth limit
/// counted from the start of the text). It throws at the first byte that breaks them.
public struct JSONCursor {
    private var parser: JSONParser
    private var depth = 0

    /// A cursor at the start of `bytes`, which must stay valid while it is used.
    public init(bytes: UnsafeBufferPointer<UInt8>) {
        parser = JSONParser(bytes: bytes)
    }

    /// A cursor at `offset` in `bytes`, inside `depth` arrays and objects opened before it: to
    /// read part of a text on another thread (the depth limit still counts from the start).
    public init(bytes: UnsafeBufferPointer<UInt8>, offset: Int, depth: Int) {
        precondition(offset >= 0 && offset <= bytes.count && depth >= 0)
        parser = JSONParser(bytes: bytes)
        parser.position = offset
        self.depth = depth
    }

    /// The text being read.
    public var bytes: UnsafeBufferPointer<UInt8> { parser.bytes }

    /// The offset of the next byte to read.
    public var offset: Int { parser.position }

    /// How many arrays and objects enclose the cursor.
    public var nestingDepth: Int { depth }

    /// Whether only whitespace is left.
    public mutating func isAtEnd() -> Bool {
        parser.skipWhitespace()
        return parser.atEnd
    }

    /// Consumes `{` (after whitespace); false, consuming nothing, when the next value is not an object.
    public mutating func beginObject() throws(JSONParseError) -> Bool {
        try begin(UInt8(ascii: "{"))
    }

    /// Consumes `[` (after whitespace); false, consuming nothing, when the next value is not an array.
    public mutating func beginArray() throws(JSONParseError) -> Bool {
        try begin(UInt8(ascii: "["))
    }

    private mutating func begin(_ opening: UInt8) throws(JSONParseError) -> Bool {
        parser.skipWhitespace()
        guard !parser.atEnd, parser.bytes[parser.position] == opening else { return false }
        depth += 1
        guard depth <= JSONParser.maximumDepth else { throw parser.error("nesting deeper than \(JSONParser.maximumDepth) levels") }
        parser.position += 1
        return true
    }

    /// The key of the object's next member, the cursor then at its value; nil at the closing `}`.
    /// `first` is true for the first call after `beginObject()`.
    public mutating func nextKey(first: Bool) throws(JSONParseError) -> String? {
        guard try next(closing: UInt8(ascii: "}"), first: first) else { return nil }
        guard !parser.atEnd, parser.bytes[parser.position] == UInt8(ascii: "\"") else { throw parser.error("expected a string key in object") }
        let key = try parser.parseString()
        parser.skipWhitespace()
        guard !parser.atEnd, parser.bytes[parser.position] == UInt8(ascii: ":") else { throw parser.error("expected ':' after object key") }
        parser.position += 1
        return key
    }

    /// Whether the array has a next element (the cursor then at it); false at the closing `]`.
    /// `first` is true for the first call after `beginArray()`.
    public mutating func nextElement(first: Bool) throws(JSONParseError) -> Bool {
        try next(closing: UInt8(ascii: "]"), first: first)
    }

    private mutating func next(closing: UInt8, first: Bool) throws(JSONParseError) -> Bool {
        parser.skipWhitespace()
        guard !parser.atEnd else { throw parser.error("unexpected end of input") }
        if parser.bytes[parser.position] == closing {
            parser.position += 1
            depth -= 1
            return false
        }
        if !first {
            guard parser.bytes[parser.position] == UInt8(ascii: ",") else {
                throw parser.error(closing == UInt8(ascii: "}") ? "expected ',' or '}' in object" : "expected ',' or ']' in array")
            }
            parser.position += 1
            parser.skipWhitespace()
        }
        return true
    }

    /// Reads an object whole into `members` (emptied first); false when the next value is not an
    /// object, repeats a key, or has more members than `JSONMembers.maximumCount` (the caller
    /// then leaves it to the general path).
    public mutating func readMembers(into members: inout JSONMembers) throws(JSONParseError) -> Bool {
        members.removeAll()
        guard try beginObject() else { return false }
        var first = true
        while let key = try nextKey(first: first) {
            first = false
            guard members.add(key, try readValue()) else { return false }
        }
        return true
    }

    /// Passes over the next value, checked as `readValue` checks it, without building it: the
    /// parameters of a call refused before they are decoded.
    public mutating func skipValue() throws(JSONParseError) {
        if try beginObject() {
            var first = true
            while try nextKey(first: first) != nil {
                first = false
                try skipValue()
            }
        } else if try beginArray() {
            var first = true
            while try nextElement(first: first) {
                first = false
                try skipValue()
            }
        } else {
            _ = try readValue()
        }
    }

    /// Reads the next value whole.
    public mutating func readValue() throws(JSONParseError) -> JSONValue {
        parser.skipWhitespace()
        return try parser.parseValue(depth: depth)
    }
}
