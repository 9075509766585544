/// RFC 4180 CSV: fields separated by commas, quoted with double quotes (a doubled quote inside),
/// records ending with LF or CRLF. Each record keeps the line number it starts on.
enum CSVReader {
    struct Record {
        var line: Int
        var fields: [String]
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func records(_ text: String) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = iterator.next()
        func finishRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
        }
        while let scalar = pending {
            pending = iterator.next()
            if inQuotes {
                if scalar == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = iterator.next()
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r":
                continue
            case "\n":
                finishRecord()
                line += 1
                recordLine = line
                afterQuote = false
            case "\"":
                guard field.isEmpty, !afterQuote else { throw Failure(line: line, reason: "a quote in the middle of an unquoted field") }
                inQuotes = true
            default:
                guard !afterQuote else { throw Failure(line: line, reason: "text after a closing quote") }
                field.unicodeScalars.append(scalar)
            }
        }
        guard !inQuotes else { throw Failure(line: recordLine, reason: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { finishRecord() }
        return records
    }
}
