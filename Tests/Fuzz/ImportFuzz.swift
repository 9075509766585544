// Feeds arbitrary bytes to `ImportDecoding`, the direct decoder of an Import's parameters, and
// holds it to the general path (parse, check against the interface, `DecodedWrite`): whatever the
// direct decoder accepts, the general path must accept as the same commands. Input that starts
// with `[` is a command list alone, read in parts cut where its first bytes say (any cut may be a
// wrong guess: the parts must then come out the same, or not at all).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if size > 2, bytes[0] == UInt8(ascii: "[") {
        let cuts = Array(Set([Int(bytes[1]) * size / 256, Int(bytes[2]) * size / 256].filter { $0 > 0 && $0 < size - 1 })).sorted()
        var cursor = JSONCursor(bytes: bytes)
        guard (try? cursor.beginArray()) == true,
            let commands = try? ImportDecoding.decodeCommands(&cursor, cuts: cuts), cursor.isAtEnd()
        else { return 0 }
        var whole = JSONCursor(bytes: bytes)
        guard (try? whole.beginArray()) == true else { preconditionFailure("the list no longer opens") }
        let uncut = try? ImportDecoding.decodeCommands(&whole, cuts: [])
        precondition(uncut == commands && whole.isAtEnd(), "cut at \(cuts), the list decoded to other commands")
        return 0
    }
    var cursor = JSONCursor(bytes: bytes)
    guard let direct = ImportDecoding.decode(&cursor, parallel: false), cursor.isAtEnd() else { return 0 }
    do {
        let general = try ImportDecoding.decodeGenerally(bytes)
        precondition(general == direct, "the two paths decoded other commands: \(String(decoding: bytes, as: UTF8.self))")
    } catch {
        preconditionFailure("decoded directly, refused by the general path (\(error)): \(String(decoding: bytes, as: UTF8.self))")
    }
    return 0
}
