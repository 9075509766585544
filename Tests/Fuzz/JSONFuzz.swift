// Feeds arbitrary bytes to the Varlink message parser: it must throw or return, never crash, and
// whatever it accepts must survive a serialize/parse round trip unchanged. The same bytes read
// piece by piece through JSONCursor (how an Import is decoded) must give the same value, or be
// refused exactly when the parser refuses them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let parsed = try? JSONParser.parse(bytes)
    var cursor = JSONCursor(bytes: bytes)
    // (Spelled out: JSONValue takes `nil` as a literal of .null.)
    var read: JSONValue? = Optional.none
    if let value = try? readThroughCursor(&cursor), cursor.isAtEnd() { read = value }
    precondition(read == parsed, "the cursor read \(String(describing: read)), the parser \(String(describing: parsed))")
    guard let value = parsed else { return 0 }
    let again = try! JSONParser.parse(JSONSerializer.serialize(value))
    precondition(again == value, "round trip changed \(value)")
    _ = try? VarlinkCall(message: value)
    _ = try? VarlinkReply(message: value)
    return 0
}

/// A whole value through the cursor, refusing repeated keys as the parser does.
func readThroughCursor(_ cursor: inout JSONCursor) throws -> JSONValue? {
    if try cursor.beginObject() {
        var members: [String: JSONValue] = [:]
        var first = true
        while let key = try cursor.nextKey(first: first) {
            first = false
            guard let value = try readThroughCursor(&cursor), members.updateValue(value, forKey: key) == nil else { return nil }
        }
        return .object(members)
    }
    if try cursor.beginArray() {
        var elements: [JSONValue] = []
        var first = true
        while try cursor.nextElement(first: first) {
            first = false
            guard let value = try readThroughCursor(&cursor) else { return nil }
            elements.append(value)
        }
        return .array(elements)
    }
    return try cursor.readValue()
}
