// Feeds arbitrary text to the interface definition parser, and arbitrary JSON to the type checker
// of a fixed interface.
let fixedInterface = try! VarlinkInterface(parsing: """
    interface org.example.fuzz
    type T (a: int, b: ?[]string, c: (x, y), d: [string]float, e: object)
    method M(t: T, list: []T, maybe: ?T) -> ()
    """)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? VarlinkInterface(parsing: String(decoding: bytes, as: UTF8.self))
    if let value = try? JSONParser.parse(bytes), let object = value.objectValue {
        _ = try? fixedInterface.validateInput(of: "M", object)
    }
    return 0
}
