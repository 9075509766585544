import ArgumentParser
import ClusterDaemon
import Foundation
import Varlink

struct Surveys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveys",
        abstract: "List surveys, show results, define, answer and close them.",
        subcommands: [List.self, Results.self, Define.self, Respond.self, Close.self],
        aliases: ["survey"]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every survey with its window and respondents (ListSurveys).", usage: "clusterctl surveys list [<options>]", discussion: Help.examples("clusterctl surveys list", "clusterctl surveys list --csv"))

        /// open, not yet open, window ended (closed by date) or closed (by CloseSurvey).
        static func state(_ row: [String: JSONValue]) -> String {
            switch (row.cell("status"), row.cell("closed_by")) {
            case ("closed", "date"): return "window ended"
            case ("closed", _): return "closed"
            case ("not_yet_open", _): return "not yet open"
            default: return "open"
            }
        }
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var time: PointInTimeOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let reply = try await connection.with { try await $0.call("ListSurveys", try time.parameters(validDate: nil)) }
            if output.json { return Terminal.printJSON(reply) }
            var table = Table("id", "title", "opens", "closes", "state", "respondents")
            table.rightAligned = [5]
            table.quantities = [5]
            table.cuttable = [1]
            for survey in reply["surveys"]?.arrayValue ?? [] {
                let row = survey.objectValue ?? [:]
                // The text table shows the window's days; the times (and offsets) are in --csv and --json.
                let (opens, closes) = output.csv ? (row.cell("opens_at"), row.cell("closes_at")) : (String(row.cell("opens_at").prefix(10)), String(row.cell("closes_at").prefix(10)))
                table.add(row.cell("id"), row.cell("title"), opens, closes, Self.state(row), row.cell("respondents"))
            }
            output.print(reply, table)
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A survey's results with a bar per option and Wilson 95 % intervals (GetSurveyResults).", usage: "clusterctl surveys results <survey> [--by <breakdown>] [--weighted]\n[<options>]", discussion: Help.examples("clusterctl survey results crisis-2020-11", "clusterctl survey results crisis-2020-11 --by region --weighted", "clusterctl survey results crisis-2020-11 --csv"))
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var time: PointInTimeOptions
        @Argument(help: "The survey id.") var survey: String
        @Option(name: .customLong("by"), parsing: .unconditional, help: "Break down by cluster, region, size or section (groups under 5 respondents are withheld).") var breakdown: String?
        @Flag(help: "Weight each answer by the company's employees.") var weighted = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let breakdown, !["cluster", "region", "size", "section"].contains(breakdown) {
                throw ValidationError("--by: '\(breakdown)' is not one of cluster, region, size, section")
            }
        }

        func run() async throws {
            var parameters = try time.parameters(validDate: nil)
            parameters["survey"] = .string(survey)
            if let breakdown { parameters["breakdown"] = .string(breakdown) }
            if weighted { parameters["weighted"] = true }
            let reply = try await connection.with { try await $0.call("GetSurveyResults", parameters) }
            if output.json { return Terminal.printJSON(reply) }
            if output.csv { return print(SurveyBars.table(reply).csv()) }
            print(Terminal.fit("\(reply.cell("title")) (\(reply.cell("survey"))): \(plural(reply.cell("respondents"), "respondent"))\(weighted ? ", weighted by employees" : "")\(reply["closed"] == true ? ", closed" : "")"))
            SurveyBars.print(reply["questions"]?.arrayValue ?? [], indent: "")
            for group in reply["groups"]?.arrayValue ?? [] {
                let row = group.objectValue ?? [:]
                Swift.print()
                Swift.print(Terminal.fit("== \(row.cell("label")) (\(row.cell("group"))): \(plural(row.cell("respondents"), "respondent"))"))
                if row["suppressed"] == true {
                    Swift.print("   withheld: fewer than 5 respondents")
                } else {
                    SurveyBars.print(row["questions"]?.arrayValue ?? [], indent: "   ")
                }
            }
        }
    }

    struct Define: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Define a survey from a JSON file (DefineSurvey).", usage: "clusterctl surveys define <file> [<options>]",
            discussion: """
                The file holds the DefineSurvey parameters, e.g. {"id": "crisis-2021", "title": \
                "…", "opens_at": "2021-03-01T00:00:00+01:00", "closes_at": \
                "2021-03-14T23:59:59+01:00", "questions": [{"id": "hiring", "text": "Are you \
                hiring?", "kind": "yes_no"}]}. Question kinds: yes_no, single_choice, \
                multiple_choice (with "options"), scale and number (with "min" and "max").

                """ + Help.examples("clusterctl survey define survey.json", "clusterctl survey define survey.json --request-id crisis-2021")
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The JSON file.") var file: String

        func run() async throws {
            try LogFileCheck.requireRegularFile(file, what: "a survey definition (JSON)")
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw Failure.data("\(file) is not UTF-8 text", hint: "save it as UTF-8")
            }
            let parameters: [String: JSONValue]
            do {
                guard let object = try JSONParser.parse(text).objectValue else {
                    throw Failure.data("\(file) holds no JSON object", hint: "write the DefineSurvey parameters as one object, as in 'clusterctl survey define --help'")
                }
                parameters = object
            } catch let error as JSONParseError {
                throw Failure.data("\(file) is not valid JSON: \(error)", hint: "correct it (python3 -m json.tool \(file) says where)")
            }
            try await performWrite("DefineSurvey", parameters, connection: connection, options: write, done: "defined survey \(parameters["id"]?.cell ?? "?")")
        }
    }

    struct Respond: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a company's answers (SubmitResponse).", usage: "clusterctl surveys respond <survey> <siren> --at <time>\n--answer <question=value> ... [<options>]", discussion: Help.examples("clusterctl survey respond crisis-2020-11 732829320 \\\n      --at 2020-11-12T10:00:00+01:00 \\\n      --answer low-bankruptcy-risk=yes --answer new-markets=no"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The survey id.") var survey: String
        @Argument(help: "The responding company's SIREN.") var siren: String
        @Option(parsing: .unconditional, help: "When it answered (RFC 3339).") var at: String
        @Option(parsing: .unconditionalSingleValue, help: "QUESTION=VALUE; a list as a,b; an integer as a number. Repeat for each question.") var answer: [String] = []

        func validate() throws {
            for item in answer where !item.contains("=") {
                throw ValidationError("--answer: '\(item)' is not QUESTION=VALUE")
            }
        }

        func run() async throws {
            var answers: [String: JSONValue] = [:]
            for item in answer {
                guard let equals = item.firstIndex(of: "=") else { continue }
                let key = String(item[..<equals])
                let value = String(item[item.index(after: equals)...])
                if let integer = Int64(value) {
                    answers[key] = .int(integer)
                } else if value.contains(",") {
                    answers[key] = .array(value.split(separator: ",").map { .string(String($0)) })
                } else {
                    answers[key] = .string(value)
                }
            }
            try await performWrite(
                "SubmitResponse",
                ["survey": .string(survey), "siren": .string(siren), "submitted_at": .string(at), "answers": .object(answers)],
                connection: connection, options: write, done: "recorded the answers of \(siren) to \(survey)"
            )
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a survey: it takes no more answers (CloseSurvey).", usage: "clusterctl surveys close <survey> [<options>]", discussion: Help.examples("clusterctl survey close crisis-2020-11"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The survey id.") var survey: String

        func run() async throws {
            try await performWrite("CloseSurvey", ["id": .string(survey)], connection: connection, options: write, done: "closed survey \(survey)")
        }
    }
}

/// Survey results drawn as bars in the terminal.
enum SurveyBars {
    /// The widest bar; narrower to fit the terminal, never under 10 cells.
    static let width = 40

    static func print(_ questions: [JSONValue], indent: String, columns: Int? = Terminal.columns) {
        for question in questions {
            let row = question.objectValue ?? [:]
            Swift.print()
            // What a reader needs first (the id, how many answered), then the text, cut to fit.
            let answered = "\(row.cell("respondents")) answered" + (row["mean"].map { ", mean \($0.cell)" } ?? "")
            Swift.print(Terminal.fit("\(indent)\(row.cell("id")) (\(answered)): \(row.cell("text"))", to: columns))
            let options = row["options"]?.arrayValue ?? []
            let labelWidth = options.map { ($0["value"]?.cell ?? "").count }.max() ?? 0
            let lines = options.map { option -> (label: String, percent: Double, rest: String) in
                let cells = option.objectValue ?? [:]
                let percent = cells["percent"]?.doubleValue ?? 0
                let interval = cells["ci95"]?.arrayValue?.map(\.cell).joined(separator: "–") ?? ""
                return (cells.cell("value"), percent, "  \(String(format: "%5.1f", percent)) %  (\(cells.cell("count")))  95 % CI \(interval)")
            }
            // The bar gives way first: what is left of the line once the rest is written.
            let fixed = indent.count + 2 + labelWidth + 2 + (lines.map(\.rest.count).max() ?? 0)
            let barWidth = columns.map { max(10, min(width, $0 - fixed)) } ?? width
            for line in lines {
                let label = line.label + String(repeating: " ", count: labelWidth - line.label.count)
                Swift.print(Terminal.fit("\(indent)  \(label)  \(bar(line.percent, width: barWidth))\(line.rest)", to: columns))
            }
        }
    }

    /// Every option of every question (and group) as a table, for --csv.
    static func table(_ reply: [String: JSONValue]) -> Table {
        var table = Table("group", "label", "question", "option", "count", "percent", "ci95_low", "ci95_high")
        func add(_ questions: [JSONValue], group: String, label: String) {
            for question in questions {
                let row = question.objectValue ?? [:]
                for option in row["options"]?.arrayValue ?? [] {
                    let cells = option.objectValue ?? [:]
                    let interval = cells["ci95"]?.arrayValue ?? []
                    table.add(group, label, row.cell("id"), cells.cell("value"), cells.cell("count"), cells.cell("percent"), interval.first?.cell ?? "", interval.last?.cell ?? "")
                }
            }
        }
        add(reply["questions"]?.arrayValue ?? [], group: "all", label: "")
        for group in reply["groups"]?.arrayValue ?? [] {
            let row = group.objectValue ?? [:]
            add(row["suppressed"] == true ? [] : row["questions"]?.arrayValue ?? [], group: row.cell("group"), label: row.cell("label"))
        }
        return table
    }

    /// A bar of `width` cells, with eighth-blocks for the fraction.
    static func bar(_ percent: Double, width: Int = width) -> String {
        let eighths = Int((max(0, min(100, percent)) / 100 * Double(width * 8)).rounded())
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let full = String(repeating: "█", count: eighths / 8)
        let partial = partials[eighths % 8]
        let used = eighths / 8 + (partial.isEmpty ? 0 : 1)
        return full + partial + String(repeating: "·", count: width - used)
    }
}
