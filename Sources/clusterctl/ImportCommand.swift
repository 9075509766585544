import ArgumentParser
import ClusterDaemon
import ClusterModel
import Foundation
import Varlink

#if canImport(Glibc)
import Glibc
#endif

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import many writes at once from CSV or JSON lines, atomically (Import).",
        discussion: """
            CSV: a header row, then one command per row. A 'method' column names each row's write method \
            (RegisterCompany, JoinCluster, …), or --method gives one for all rows; the other columns are \
            its parameters (lists separated by ';', empty cells left out). JSON lines: one \
            {"method": …, "parameters": {…}} per line. Every row is checked first and every bad row \
            reported with its line number and field; nothing is written unless all rows are good.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The CSV or JSON lines file.") var file: String
    @Option(help: "The write method of every row of a CSV file without a 'method' column.") var method: String?

    func run() async throws {
        guard connection.log == nil else { throw ValidationError("--log opens a file read-only; imports go to the daemon (--socket)") }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ValidationError("\(file): cannot read it as UTF-8 text: \(error.localizedDescription)")
        }
        let rows = try ImportRows.parse(text, file: file, defaultMethod: method)
        let progress = Progress(total: rows.count, label: "checking")
        var problems: [String] = []
        for (index, row) in rows.enumerated() {
            do {
                try CommandEncoding.check(row.method, row.parameters)
            } catch {
                problems.append("\(file):\(row.line): \(ImportRows.describe(error))")
            }
            progress.update(index + 1)
        }
        progress.finish()
        if !problems.isEmpty {
            for problem in problems.prefix(200) { Terminal.printError(problem) }
            if problems.count > 200 { Terminal.printError("… and \(problems.count - 200) more") }
            Terminal.printError("\(problems.count) of \(rows.count) rows are bad; nothing was written")
            throw ExitCode(65)
        }
        let commands: [JSONValue] = rows.map { ["method": .string($0.method), "parameters": .object($0.parameters)] }
        if Progress.isTerminal { Terminal.printError("sending \(rows.count) commands…") }
        let reply = try await connection.with { client in
            do {
                return try await client.call("Import", write.adding(to: ["commands": .array(commands)]))
            } catch let error as VarlinkError {
                // The daemon names the refused command by its position; the user knows it by its line.
                guard let position = error.parameters["command"]?.intValue, let index = Int(exactly: position), rows.indices.contains(index) else {
                    throw error
                }
                var rest = error
                rest.parameters["command"] = nil
                Terminal.printError("\(file):\(rows[index].line): \(DaemonConnection.describe(rest))")
                Terminal.printError("nothing was written: the daemon decides the rows in order and stops at the first it refuses")
                throw ExitCode(1)
            }
        }
        if write.json { return Terminal.printJSON(reply) }
        print("imported \(rows.count) commands as \(reply.cell("events")) events, seq \(reply.cell("first_seq")) to \(reply.cell("seq"))")
    }
}

/// The rows of an import file, as write methods and parameters.
enum ImportRows {
    struct Row {
        var line: Int
        var method: String
        var parameters: [String: JSONValue]
    }

    static func parse(_ text: String, file: String, defaultMethod: String?) throws -> [Row] {
        let firstCharacter = text.first { !$0.isWhitespace }
        if firstCharacter == "{" || file.hasSuffix(".jsonl") || file.hasSuffix(".ndjson") {
            return try jsonLines(text, file: file)
        }
        return try csv(text, file: file, defaultMethod: defaultMethod)
    }

    private static func jsonLines(_ text: String, file: String) throws -> [Row] {
        var rows: [Row] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let value: JSONValue
            do {
                value = try JSONParser.parse(trimmed)
            } catch {
                throw ValidationError("\(file):\(index + 1): \(error)")
            }
            guard let method = value["method"]?.stringValue else { throw ValidationError("\(file):\(index + 1): no \"method\" string") }
            guard let parameters = value["parameters"]?.objectValue else { throw ValidationError("\(file):\(index + 1): no \"parameters\" object") }
            rows.append(Row(line: index + 1, method: method, parameters: parameters))
        }
        return rows
    }

    private static func csv(_ text: String, file: String, defaultMethod: String?) throws -> [Row] {
        let records: [CSVReader.Record]
        do {
            records = try CSVReader.records(text)
        } catch {
            throw ValidationError("\(file):\(error.line): \(error.reason)")
        }
        guard let header = records.first else { throw ValidationError("\(file): the file is empty") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        let methodColumn = columns.firstIndex(of: "method")
        guard methodColumn != nil || defaultMethod != nil else {
            throw ValidationError("\(file):1: no 'method' column; name the write method of every row with --method")
        }
        let interface = RegistryInterfaceDefinition.interface
        var rows: [Row] = []
        for record in records.dropFirst() {
            guard record.fields.count == columns.count else {
                throw ValidationError("\(file):\(record.line): \(record.fields.count) fields where the header has \(columns.count)")
            }
            let method = methodColumn.map { record.fields[$0] } ?? defaultMethod!
            guard let signature = interface.methods[method], CommandEncoding.writeMethods.contains(method) else {
                throw ValidationError("\(file):\(record.line): '\(method)' is not a write method")
            }
            var parameters: [String: JSONValue] = [:]
            for (index, column) in columns.enumerated() where index != methodColumn {
                let cell = record.fields[index]
                if cell.isEmpty { continue }
                guard let field = signature.input.first(where: { $0.name == column }) else {
                    throw ValidationError("\(file):\(record.line): column '\(column)' is not a parameter of \(method)")
                }
                parameters[column] = try value(cell, type: field.type, line: record.line, column: column, file: file)
            }
            rows.append(Row(line: record.line, method: method, parameters: parameters))
        }
        return rows
    }

    private static func value(_ cell: String, type: VarlinkType, line: Int, column: String, file: String) throws -> JSONValue {
        switch type {
        case .optional(let wrapped): return try value(cell, type: wrapped, line: line, column: column, file: file)
        case .int:
            guard let integer = Int64(cell.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(file):\(line): field \(column): '\(cell)' is not an integer")
            }
            return .int(integer)
        case .bool:
            switch cell.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw ValidationError("\(file):\(line): field \(column): '\(cell)' is not true or false")
            }
        case .array: return .array(cell.split(separator: ";").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        case .object:
            guard let object = try? JSONParser.parse(cell), object.objectValue != nil else {
                throw ValidationError("\(file):\(line): field \(column): not a JSON object")
            }
            return object
        default: return .string(cell)
        }
    }

    static func describe(_ error: any Error) -> String {
        if case .invalidArgument(let field, let reason)? = error as? DomainError { return "field \(field): \(reason)" }
        return "\(error)"
    }
}
