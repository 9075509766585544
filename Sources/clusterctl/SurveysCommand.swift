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
        static let configuration = CommandConfiguration(abstract: "Every survey with its window and respondents (ListSurveys).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var time: PointInTimeOptions
        @Flag(help: "Print the ListSurveys reply as JSON.") var json = false

        func run() async throws {
            let reply = try await connection.with { try await $0.call("ListSurveys", time.parameters(withDate: false)) }
            if json { return Terminal.printJSON(reply) }
            var table = Table("id", "title", "opens", "closes", "state", "respondents")
            table.rightAligned = [5]
            for survey in reply["surveys"]?.arrayValue ?? [] {
                let row = survey.objectValue ?? [:]
                table.add(row.cell("id"), row.cell("title"), row.cell("opens_at"), row.cell("closes_at"), row["closed"] == true ? "closed" : "open", row.cell("respondents"))
            }
            print(table.render())
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A survey's results with a bar per option and Wilson 95 % intervals (GetSurveyResults).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var time: PointInTimeOptions
        @Argument(help: "The survey id.") var survey: String
        @Option(name: .customLong("by"), parsing: .unconditional, help: "Break down by cluster, region, size or section (groups under 5 respondents are withheld).") var breakdown: String?
        @Flag(help: "Weight each answer by the company's employees.") var weighted = false
        @Flag(help: "Print the GetSurveyResults reply as JSON.") var json = false

        func validate() throws {
            if let breakdown, !["cluster", "region", "size", "section"].contains(breakdown) {
                throw ValidationError("--by: '\(breakdown)' is not one of cluster, region, size, section")
            }
        }

        func run() async throws {
            var parameters = time.parameters(withDate: false)
            parameters["survey"] = .string(survey)
            if let breakdown { parameters["breakdown"] = .string(breakdown) }
            if weighted { parameters["weighted"] = true }
            let reply = try await connection.with { try await $0.call("GetSurveyResults", parameters) }
            if json { return Terminal.printJSON(reply) }
            print("\(reply.cell("title")) (\(reply.cell("survey"))): \(reply.cell("respondents")) respondents\(weighted ? ", weighted by employees" : "")\(reply["closed"] == true ? ", closed" : "")")
            SurveyBars.print(reply["questions"]?.arrayValue ?? [], indent: "")
            for group in reply["groups"]?.arrayValue ?? [] {
                let row = group.objectValue ?? [:]
                Swift.print("\n== \(row.cell("label")) (\(row.cell("group"))): \(row.cell("respondents")) respondents")
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
            abstract: "Define a survey from a JSON file (DefineSurvey).",
            discussion: """
                The file holds the DefineSurvey parameters, e.g. {"id": "crisis-2021", "title": "…", "opens_at": "2021-03-01T00:00:00+01:00", "closes_at": "2021-03-14T23:59:59+01:00", "questions": [{"id": "hiring", "text": "Are you hiring?", "kind": "yes_no"}]}.
                """
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The JSON file.") var file: String

        func run() async throws {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ValidationError("\(file): cannot read it: \(error.localizedDescription)")
            }
            guard let parameters = try? JSONParser.parse(text).objectValue else {
                let reason = (try? JSONParser.parse(text)).map { _ in "it holds no JSON object" } ?? "it is not valid JSON"
                throw ValidationError("\(file): \(reason)")
            }
            try await performWrite("DefineSurvey", parameters, connection: connection, options: write, done: "defined survey \(parameters["id"]?.cell ?? "?")")
        }
    }

    struct Respond: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a company's answers (SubmitResponse).")
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The survey id.") var survey: String
        @Argument(help: "The responding company's SIREN.") var siren: String
        @Option(parsing: .unconditional, help: "When it answered (RFC 3339).") var at: String
        @Option(parsing: .unconditionalSingleValue, help: "QUESTION=VALUE; a list as a,b; an integer as a number. Repeat for each question.") var answer: [String] = []

        func run() async throws {
            var answers: [String: JSONValue] = [:]
            for item in answer {
                guard let equals = item.firstIndex(of: "=") else { throw ValidationError("--answer: '\(item)' is not QUESTION=VALUE") }
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
        static let configuration = CommandConfiguration(abstract: "Close a survey: it takes no more answers (CloseSurvey).")
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
    static let width = 40

    static func print(_ questions: [JSONValue], indent: String) {
        for question in questions {
            let row = question.objectValue ?? [:]
            Swift.print("\n\(indent)\(row.cell("text")) [\(row.cell("id"))] — \(row.cell("respondents")) answered" + (row["mean"].map { ", mean \($0.cell)" } ?? ""))
            let options = row["options"]?.arrayValue ?? []
            let labelWidth = options.map { ($0["value"]?.cell ?? "").count }.max() ?? 0
            for option in options {
                let cells = option.objectValue ?? [:]
                let percent = cells["percent"]?.doubleValue ?? 0
                let label = cells.cell("value")
                let interval = cells["ci95"]?.arrayValue?.map(\.cell).joined(separator: "–") ?? ""
                Swift.print(
                    "\(indent)  \(label)\(String(repeating: " ", count: labelWidth - label.count))  \(bar(percent))  \(String(format: "%5.1f", percent)) %  (\(cells.cell("count")))  95 % CI \(interval)"
                )
            }
        }
    }

    /// A bar of `width` cells, with eighth-blocks for the fraction.
    static func bar(_ percent: Double) -> String {
        let eighths = Int((max(0, min(100, percent)) / 100 * Double(width * 8)).rounded())
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        let full = String(repeating: "█", count: eighths / 8)
        let partial = partials[eighths % 8]
        let used = eighths / 8 + (partial.isEmpty ? 0 : 1)
        return full + partial + String(repeating: "·", count: width - used)
    }
}
