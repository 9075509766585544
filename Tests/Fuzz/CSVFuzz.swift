// Feeds arbitrary text to the CSV reader of clusterctl import: it must throw or return records
// whose line numbers never go backwards.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let records = try? CSVReader.records(text) else { return 0 }
    var line = 0
    for record in records {
        precondition(record.line >= line, "line numbers went backwards")
        line = record.line
    }
    return 0
}
