import SwiftCSV

/// The records of a CSV file, each with the line it starts on, read by SwiftCSV (a maintained
/// parser); what it leaves to us: line numbers, and a quote that never closes (SwiftCSV would
/// read the rest of the file into that field).
enum CSVRecords {
    struct Record: Equatable {
        var line: Int
        var fields: [String]
    }

    struct Failure: Error, Equatable {
        var line: Int
        var reason: String
        var hint: String
    }

    /// The records of `text`, blank lines left out. A record's line is counted as one line per
    /// record before it, plus the line ends inside their quoted fields (SwiftCSV reads a CRLF as
    /// one line end, a blank line as a record of one empty field).
    static func read(_ text: String, delimiter: CSVDelimiter) throws(Failure) -> [Record] {
        if let line = unclosedQuoteLine(text) {
            throw Failure(line: line, reason: "a quoted field opens here and is never closed", hint: "close it with a double quote (write a quote inside a field as \"\")")
        }
        var records: [Record] = []
        var line = 1
        do {
            let csv = try EnumeratedCSV(string: text, delimiter: delimiter, loadColumns: false, rowLimit: 0)
            try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { fields in
                records.append(Record(line: line, fields: fields))
                line += 1 + fields.reduce(0) { $0 + $1.reduce(0) { $1.isNewline ? $0 + 1 : $0 } }
            }
        } catch {
            throw Failure(line: line, reason: "\(error)", hint: "a field with a quote in it must be quoted whole, its quotes doubled")
        }
        records.removeAll { $0.fields == [""] }
        return records
    }

    /// The line where a quoted field opens and never closes, if one does.
    static func unclosedQuoteLine(_ text: String) -> Int? {
        var line = 1
        var openedOn: Int?
        for scalar in text.unicodeScalars {
            if scalar == "\"" {
                openedOn = openedOn == nil ? line : nil
            } else if scalar == "\n" {
                line += 1
            }
        }
        return openedOn
    }
}
