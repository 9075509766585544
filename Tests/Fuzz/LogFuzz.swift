// Feeds arbitrary bytes as a log file to the header decoder and the record scanner, including the
// search for intact records after a problem: never a crash, never a read out of bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let header = try? LogHeader(decoding: bytes)
    var scanner = RecordScanner(bytes: bytes, offset: min(LogHeader.size, size), expectedSequence: header?.firstSequence ?? 1)
    var steps = 0
    while steps < 10_000 {
        steps += 1
        switch scanner.next() {
        case .record(let record):
            precondition(record.payloadRange.upperBound <= size && record.offset + record.size <= size)
        case .end:
            return 0
        case .problem(let offset, _):
            _ = scanner.hasIntactRecord(after: offset)
            return 0
        }
    }
    return 0
}
