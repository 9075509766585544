import ArgumentParser
import ClusterDaemon
import ClusterModel
import Foundation
import SwiftCSV
import Varlink

#if canImport(Glibc)
import Glibc
#endif

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import many writes at once from CSV or JSON lines, atomically (Import).", usage: "clusterctl import <file> [--method <method>] [--delimiter <char>]\n[--check] [<options>]",
        discussion: """
            CSV: a header row, then one command per row. A 'method' column names each row's write \
            method (RegisterCompany, JoinCluster, …), or --method gives one for all rows; the other \
            columns are its parameters (lists separated by '|' or ';', empty cells left out). The \
            delimiter, ',' or ';' (what French spreadsheets write) or a tab, is read off the header \
            row unless --delimiter says it; a UTF-8 byte order mark and CRLF line ends are fine. \
            JSON lines: one {"method": …, "parameters": {…}} per line.

            Every row is checked first, then the daemon decides them all; nothing is written unless \
            all are good, and every refused row is reported with its line number (the first 100, \
            then how many more), exit 65. --check stops after that: it reports, and writes nothing.

            Examples:
              clusterctl import members.csv
              clusterctl import --method RegisterCompany --delimiter ';' companies.csv
              clusterctl import --check writes.jsonl
            """
    )

    @OptionGroup var connection: SocketOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The CSV or JSON lines file.") var file: String
    @Option(parsing: .unconditional, help: "The write method of every row of a CSV file without a 'method' column.") var method: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("The CSV delimiter: ',' ';' or 'tab' (default: read off the header row).", valueName: "char"))
    var delimiter: String?
    @Flag(help: "Check every row with the daemon and report, but write nothing.") var check = false

    func validate() throws {
        if let delimiter, ImportRows.delimiter(named: delimiter) == nil {
            throw ValidationError("--delimiter: '\(delimiter)' is not one of ',', ';', 'tab'")
        }
    }

    func run() async throws {
        try LogFileCheck.requireRegularFile(file, what: "an import file")
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw Failure.data("\(file) is not UTF-8 text", hint: "save it as UTF-8 (CSV UTF-8 in a spreadsheet)")
        }
        let name = (file as NSString).lastPathComponent
        let parsed = try ImportRows.parse(text, file: name, defaultMethod: method, delimiter: delimiter.flatMap(ImportRows.delimiter(named:)))
        let rows = parsed.rows
        let progress = Progress(total: rows.count, label: "checking")
        var problems = parsed.problems
        for (index, row) in rows.enumerated() {
            do {
                try CommandEncoding.check(row.method, row.parameters)
            } catch {
                problems.append(ImportRows.Problem(line: row.line, message: ImportRows.describe(error)))
            }
            progress.update(index + 1)
        }
        progress.finish()
        let total = rows.count + parsed.problems.count
        if !problems.isEmpty { throw ImportRows.refusal(problems, of: total, file: name) }
        guard !rows.isEmpty else { throw Failure.data("\(name) holds no rows", hint: "a header row, then one row per write") }
        let commands: [JSONValue] = rows.map { ["method": .string($0.method), "parameters": .object($0.parameters)] }
        if check {
            let checked = try await connection.with { try await $0.call("CheckImport", ["commands": .array(commands)]) }
            try ImportRows.reportRefusals(checked, rows: rows, file: name)
            if write.json { return Terminal.printJSON(checked) }
            return print("all \(rows.count) rows would be accepted, as \(grouped(checked.cell("events"))) events; nothing was written")
        }
        if Progress.isTerminal { Terminal.printError("sending \(rows.count) commands…") }
        let reply = try await connection.with { endpoint -> [String: JSONValue] in
            do {
                return try await endpoint.call("Import", write.adding(to: ["commands": .array(commands)]))
            } catch let error as VarlinkError where error.parameters["command"] != nil {
                // The daemon stops at the first command it refuses: ask it for all of them.
                let checked = try await endpoint.call("CheckImport", ["commands": .array(commands)])
                try ImportRows.reportRefusals(checked, rows: rows, file: name)
                // Nothing refused now: the registry changed between the two calls.
                throw error
            }
        }
        if write.json { return Terminal.printJSON(reply) }
        print("imported \(rows.count) commands as \(reply.cell("events")) events, seq \(reply.cell("first_seq")) to \(reply.cell("seq"))")
    }
}

/// The rows of an import file, as write methods and parameters, and what is wrong with the rest.
enum ImportRows {
    struct Row {
        var line: Int
        var method: String
        var parameters: [String: JSONValue]
    }

    /// What is wrong with one row: `FILE:LINE: message` when reported.
    struct Problem {
        var line: Int
        var message: String
    }

    /// How many refused rows are listed before the rest are only counted.
    static let listedProblems = 100

    static func delimiter(named name: String) -> CSVDelimiter? {
        switch name {
        case ",": return .comma
        case ";": return .semicolon
        case "tab", "\t": return .tab
        default: return nil
        }
    }

    /// The rows of `text` and the problems of those that are no command; throws when the file
    /// as a whole cannot be read (no header, an unclosed quote).
    static func parse(_ text: String, file: String, defaultMethod: String?, delimiter: CSVDelimiter?) throws(Failure) -> (rows: [Row], problems: [Problem]) {
        var text = text
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let firstCharacter = text.first { !$0.isWhitespace }
        if firstCharacter == "{" || file.hasSuffix(".jsonl") || file.hasSuffix(".ndjson") {
            return jsonLines(text)
        }
        return try csv(text, file: file, defaultMethod: defaultMethod, delimiter: delimiter ?? CSVDelimiter.guessed(string: text))
    }

    private static func jsonLines(_ text: String) -> (rows: [Row], problems: [Problem]) {
        var rows: [Row] = []
        var problems: [Problem] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                let value = try JSONParser.parse(trimmed)
                guard let method = value["method"]?.stringValue else {
                    problems.append(Problem(line: index + 1, message: "no \"method\" string"))
                    continue
                }
                guard let parameters = value["parameters"]?.objectValue else {
                    problems.append(Problem(line: index + 1, message: "no \"parameters\" object"))
                    continue
                }
                rows.append(Row(line: index + 1, method: method, parameters: parameters))
            } catch {
                problems.append(Problem(line: index + 1, message: "not JSON: \(error)"))
            }
        }
        return (rows, problems)
    }

    private static func csv(_ text: String, file: String, defaultMethod: String?, delimiter: CSVDelimiter) throws(Failure) -> (rows: [Row], problems: [Problem]) {
        let records: [CSVRecords.Record]
        do {
            records = try CSVRecords.read(text, delimiter: delimiter)
        } catch {
            throw Failure.data("\(file):\(error.line): \(error.reason)", hint: error.hint)
        }
        guard let header = records.first else { throw Failure.data("\(file) is empty", hint: "a header row, then one row per write") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let methodColumn = columns.firstIndex(of: "method")
        guard methodColumn != nil || defaultMethod != nil else {
            let named = delimiter == .comma ? "" : " (read with the delimiter '\(delimiter.rawValue)')"
            throw Failure.data("\(file):\(header.line): no 'method' column\(named)", hint: "name the write method of every row with --method")
        }
        let interface = RegistryInterfaceDefinition.interface
        var rows: [Row] = []
        var problems: [Problem] = []
        rows.reserveCapacity(records.count)
        recordLoop: for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                problems.append(Problem(line: record.line, message: "\(record.fields.count) fields where the header has \(columns.count) (delimiter '\(delimiter.rawValue)')"))
                continue
            }
            let method = methodColumn.map { record.fields[$0].trimmingCharacters(in: .whitespaces) } ?? defaultMethod!
            guard let signature = interface.methods[method], CommandEncoding.writeMethods.contains(method) else {
                problems.append(Problem(line: record.line, message: "'\(method)' is not a write method"))
                continue
            }
            var parameters: [String: JSONValue] = [:]
            for (index, column) in columns.enumerated() where index != methodColumn {
                let cell = record.fields[index]
                if cell.isEmpty { continue }
                guard let field = signature.input.first(where: { $0.name == column }) else {
                    problems.append(Problem(line: record.line, message: "column '\(column)' is not a parameter of \(method)"))
                    continue recordLoop
                }
                do {
                    parameters[column] = try value(cell, type: field.type, column: column)
                } catch {
                    problems.append(Problem(line: record.line, message: error.message))
                    continue recordLoop
                }
            }
            rows.append(Row(line: record.line, method: method, parameters: parameters))
        }
        return (rows, problems)
    }

    private struct CellProblem: Error {
        var message: String
    }

    private static func value(_ cell: String, type: VarlinkType, column: String) throws(CellProblem) -> JSONValue {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        switch type {
        case .optional(let wrapped): return try value(cell, type: wrapped, column: column)
        case .int:
            if let integer = Int64(trimmed) { return .int(integer) }
            if trimmed.contains(","), Double(trimmed.replacingOccurrences(of: ",", with: ".")) != nil {
                throw CellProblem(message: "field \(column): '\(cell)' has a decimal comma; \(column) takes a whole number")
            }
            throw CellProblem(message: "field \(column): '\(cell)' is not an integer (write digits only, no spaces or separators)")
        case .float:
            if let number = Double(trimmed) { return .double(number) }
            if Double(trimmed.replacingOccurrences(of: ",", with: ".")) != nil {
                throw CellProblem(message: "field \(column): '\(cell)' has a decimal comma; write a decimal point")
            }
            throw CellProblem(message: "field \(column): '\(cell)' is not a number")
        case .bool:
            switch trimmed.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw CellProblem(message: "field \(column): '\(cell)' is not true or false")
            }
        case .array: return .array(cell.split(whereSeparator: { $0 == "|" || $0 == ";" }).map { .string($0.trimmingCharacters(in: .whitespaces)) })
        case .object:
            guard let object = try? JSONParser.parse(cell), object.objectValue != nil else {
                throw CellProblem(message: "field \(column): not a JSON object")
            }
            return object
        default: return .string(cell)
        }
    }

    static func describe(_ error: any Error) -> String {
        if case .invalidArgument(let field, let reason)? = error as? DomainError { return "field \(field): \(reason)" }
        return "\(error)"
    }

    /// The failure that reports refused rows: the first 100 as `FILE:LINE: reason`, then a count.
    static func refusal(_ problems: [Problem], of total: Int, file: String) -> Failure {
        let sorted = problems.sorted { $0.line < $1.line }
        var details = sorted.prefix(listedProblems).map { "\(file):\($0.line): \($0.message)" }
        if sorted.count > listedProblems { details.append("… and \(sorted.count - listedProblems) more") }
        return Failure(
            "\(sorted.count) of \(total) rows of \(file) were refused; nothing was written",
            hint: "correct them and import the file again",
            code: Failure.Code.dataError,
            details: details
        )
    }

    /// Throws the refusal of a `CheckImport` reply's refused commands, if any, by line number.
    static func reportRefusals(_ checked: [String: JSONValue], rows: [Row], file: String) throws(Failure) {
        let refused = checked["refused"]?.arrayValue ?? []
        guard !refused.isEmpty else { return }
        var problems: [Problem] = []
        for item in refused {
            guard let position = item["command"]?.intValue, let index = Int(exactly: position), rows.indices.contains(index) else { continue }
            let error = VarlinkError(item["error"]?.stringValue ?? "refused", parameters: item["parameters"]?.objectValue ?? [:])
            problems.append(Problem(line: rows[index].line, message: DaemonConnection.describe(error)))
        }
        let count = Int(checked["refused_count"]?.intValue ?? Int64(problems.count))
        var failure = refusal(problems, of: rows.count, file: file)
        failure.what = "\(count) of \(rows.count) rows of \(file) were refused by the daemon; nothing was written"
        if count > problems.count { failure.details.append("… and \(count - problems.count) more") }
        throw failure
    }
}
