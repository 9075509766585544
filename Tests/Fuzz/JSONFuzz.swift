// Feeds arbitrary bytes to the Varlink message parser: it must throw or return, never crash, and
// whatever it accepts must survive a serialize/parse round trip unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let again = try! JSONParser.parse(JSONSerializer.serialize(value))
    precondition(again == value, "round trip changed \(value)")
    _ = try? VarlinkCall(message: value)
    _ = try? VarlinkReply(message: value)
    return 0
}
