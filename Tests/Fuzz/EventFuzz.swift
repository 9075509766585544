// Feeds arbitrary bytes to the event decoder and the snapshot decoder: they must throw or return.
// A decoded event must encode and decode to itself, and the fast decoder of the common events
// (`decodeHot`) must read what the general one reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvent(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let general = try? EventCodec.decode(bytes, path: .general)
    if let event = try? EventCodec.decode(bytes) {
        precondition(general == event, "decodeHot read \(event), the general decoder \(String(describing: general))")
        let again = try! EventCodec.decode(EventCodec.encode(event))
        precondition(again == event, "round trip changed \(event)")
        var state = RegistryState()
        state.apply(event, sequence: 1)
    }
    _ = try? RegistryState(snapshot: bytes)
    return 0
}
