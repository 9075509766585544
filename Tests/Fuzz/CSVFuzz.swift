// Feeds arbitrary text to the CSV reading of clusterctl import (SwiftCSV and our line numbers):
// it must throw or return records whose lines go strictly forward, never past the text's last
// line, for each delimiter.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lastLine = 1 + text.reduce(0) { $1.isNewline ? $0 + 1 : $0 }
    for delimiter in [CSVDelimiter.comma, .semicolon, .tab] {
        guard let records = try? CSVRecords.read(text, delimiter: delimiter) else { continue }
        var line = 0
        for record in records {
            precondition(record.line > line, "line numbers did not go forward")
            precondition(record.line <= lastLine, "a record starts past the last line")
            line = record.line
        }
    }
    return 0
}
