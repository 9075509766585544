import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Testing
import Varlink

/// The period report as users get it: from the daemon and from the log file, in JSON and CSV; and
/// the two time axes of reads, with the errors a value of the wrong kind gets.
extension AuditTests {
    func report(_ arguments: [String]) async throws -> [String: JSONValue] {
        let result = try await clusterctl(["audit", "report", "--format", "json"] + arguments)
        #expect(result.status == 0, "\(arguments): \(result.standardError)")
        return try JSONParser.parse(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue ?? [:]
    }

    static func figures(_ report: [String: JSONValue]) -> [String: JSONValue] {
        var figures = report
        figures["generated"] = nil
        return figures
    }

    @Test func theDaemonAndTheLogFileGiveTheSameReportAtEveryRecordingPoint() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let recorded = try await scriptedHistory(client)
        let period = ["--from", "2021-01-01", "--to", "2021-12-31"]
        let earlier = recorded.keys.sorted()[recorded.count / 2]
        let online = try await report(["--socket", daemon.socketPath] + period)
        let onlineEarlier = try await report(["--socket", daemon.socketPath, "--at-seq", "\(earlier)"] + period)
        let direct = try await client.call(Self.registry + "AuditReport", ["from": "2021-01-01", "to": "2021-12-31"])
        await client.close()
        #expect(try await daemon.stop() == 0)

        let logPath = daemon.stateDirectory + "/events.log"
        let offline = try await report(["--log", logPath] + period)
        #expect(Self.figures(offline) == Self.figures(online))
        #expect(Self.figures(direct["report"]?.objectValue ?? [:]) == Self.figures(online))
        #expect(Self.figures(try await report(["--log", logPath, "--at-seq", "\(earlier)"] + period)) == Self.figures(onlineEarlier))
        #expect(onlineEarlier["at_seq"] == .int(Int64(earlier)))
        #expect(Self.figures(onlineEarlier) != Self.figures(online))

        // The schema of docs/api.md: integer figures that reconcile, 18 regions adding up to the network.
        let network = online["network"]?.objectValue ?? [:]
        let names = ["members_start", "joined", "left", "members_end", "jobs_start", "jobs_joined", "jobs_left", "jobs_changed", "jobs_end"]
        func value(_ row: [String: JSONValue], _ name: String) -> Int64 { row[name]?.intValue ?? -1 }
        #expect(value(network, "members_start") == 120 - 0 && value(network, "left") > 0)
        #expect(value(network, "members_start") + value(network, "joined") - value(network, "left") == value(network, "members_end"))
        let regions = (online["regions"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(regions.count == 18)
        for name in names {
            #expect(network[name]?.intValue != nil, "network.\(name)")
            #expect(regions.map { value($0, name) }.reduce(0, +) == value(network, name), "regions add up: \(name)")
        }
        let clusters = (online["clusters"]?.arrayValue ?? []).compactMap(\.objectValue)
        #expect(clusters.map { $0["id"] } == ["aero", "verre"])
        for row in [network] + regions + clusters { #expect(row["reconciles"] == true, "\(row)") }
        // The responses of 2020 belong to another period; the survey is closed by date.
        let year2020 = try await report(["--log", logPath, "--from", "2020-01-01", "--to", "2020-12-31"])
        #expect(year2020["network"]?.objectValue?["responses"] == .int(24))
        let survey = year2020["surveys"]?.arrayValue?.first?.objectValue ?? [:]
        #expect(survey["status"] == "closed" && survey["closed_by"] == "date")

        // `generated` names the source and a command that gives the same figures again.
        let generated = offline["generated"]?.objectValue ?? [:]
        #expect(generated["source"]?.objectValue?["last_seq"] == offline["at_seq"])
        let command = generated["command"]?.stringValue ?? ""
        #expect(command.hasPrefix("clusterctl audit report --log \(logPath) --from 2021-01-01 --to 2021-12-31 --at-seq "))
        let again = try await report(Array(command.split(separator: " ").dropFirst(3).map(String.init)))
        #expect(Self.figures(again) == Self.figures(offline))
    }

    /// `--format csv`: one table with a section column, a byte order mark, and the JSON's numbers.
    @Test func theCSVReportParsesBackToTheJSONFigures() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await scriptedHistory(client)
        await client.close()
        #expect(try await daemon.stop() == 0)
        let logPath = daemon.stateDirectory + "/events.log"
        let arguments = ["--log", logPath, "--from", "2021-01-01", "--to", "2021-12-31"]
        let json = try await report(arguments)
        let file = daemon.directory.file("report.csv")
        let clusterctl = try BuiltProducts.executable("clusterctl")
        let result = try await runToCompletion("/bin/bash", ["-c", "'\(clusterctl)' audit report --format csv \(arguments.joined(separator: " ")) > '\(file)'"])
        #expect(result.status == 0, "\(result.standardError)")
        // A byte order mark first, so that Excel reads UTF-8; then the header row.
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(bytes.prefix(3) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("section,id,name,members_start,joined,left,members_end,jobs_start,"))
        let rows = Self.parseCSV(text)
        let header = rows[0]
        #expect(rows.dropFirst().allSatisfy { $0.count == header.count })
        let network = rows.first { $0.first == "network" }.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) } ?? [:]
        for (name, value) in json["network"]?.objectValue ?? [:] where header.contains(name) {
            #expect(network[name] == value.intValue.map(String.init), "\(name)")
        }
        #expect(rows.filter { $0.first == "region" }.count == 18)
        #expect(rows.filter { $0.first == "cluster" }.map { $0[1] } == ["aero", "verre"])
    }

    /// RFC 4180: fields separated by commas, quoted when they hold a comma, quote or line break.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text).makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    guard let next = characters.next() else { quoted = false; break }
                    if next == "\"" { field.append("\"") } else {
                        quoted = false
                        if next == "," { row.append(field); field = "" } else if next == "\n" { row.append(field); rows.append(row); row = []; field = "" }
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// Both axes on the wire: named, combinable, refused with the parameter that was meant, and
    /// the deprecated names still answering the same.
    @Test func readsNameTheirTimeAxes() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let recorded = try await scriptedHistory(client)
        let middle = recorded.keys.sorted()[recorded.count / 2]
        func stats(_ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
            try await client.call(Self.registry + "GetStats", parameters)
        }
        // Both axes together; the old names answer the same.
        let both = try await stats(["on": "2015-06-30", "at_seq": .int(Int64(middle))])
        #expect(both["on"] == "2015-06-30" && both["seq"] == .int(Int64(middle)))
        #expect(try await stats(["as_of": "2015-06-30", "at_seq": .int(Int64(middle))]) == both)
        #expect(try await stats(["on": "2021-01-01", "at_seq": .int(Int64(middle))]) == recorded[middle])
        let now = Timestamp.utcString(microseconds: WallClock.nowMicroseconds())
        #expect(try await stats(["on": "2015-06-30", "as_recorded_at": .string(now)]) == (try await stats(["on": "2015-06-30", "at_time": .string(now)])))
        // Without `on`, the day of the recording point.
        #expect(try await stats(["as_recorded_at": "2000-01-01T12:00:00+01:00"])["on"] == "2000-01-01")
        let refusals: [([String: JSONValue], String, String)] = [
            (["on": "2020-12-31T00:00:00Z"], "on", "is a time, but on takes a date (YYYY-MM-DD); for what the registry had recorded at that time, use as_recorded_at"),
            (["as_of": "2020-12-31T00:00:00Z"], "as_of", "is a time, but as_of takes a date"),
            (["as_recorded_at": "2020-12-31"], "as_recorded_at", "is a date, but as_recorded_at takes a time (RFC 3339, e.g. 2020-12-31T23:59:59+01:00); for memberships valid on that day, use on"),
            (["at_seq": 3, "as_recorded_at": "2021-01-01T00:00:00Z"], "as_recorded_at", "all name a point on the recording axis: give one"),
            (["on": "2020-12-31", "as_of": "2020-12-31"], "as_of", "as_of is the deprecated name of on: give on alone"),
        ]
        for (parameters, field, reason) in refusals {
            do {
                _ = try await stats(parameters)
                Issue.record("\(parameters) was accepted")
            } catch let error as VarlinkError {
                #expect(error.name == Self.registry + "InvalidArgument", "\(parameters)")
                #expect(error.parameters["field"] == .string(field), "\(parameters): \(error)")
                #expect(error.parameters["reason"]?.stringValue?.contains(reason) == true, "\(parameters): \(error)")
            }
        }
        // The CLI: the same axes, and --as-of still working with a warning.
        let socket = ["--socket", daemon.socketPath]
        let on = try await clusterctl(socket + ["stats", "--json", "--on", "2015-06-30", "--at-seq", "\(middle)"])
        #expect(try JSONParser.parse(on.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue == both)
        let old = try await clusterctl(socket + ["stats", "--json", "--as-of", "2015-06-30", "--at-seq", "\(middle)"])
        #expect(old.status == 0 && old.standardOutput == on.standardOutput)
        #expect(old.standardError == "clusterctl: warning: --as-of is deprecated and will be removed in the next release: use --on 2015-06-30\n")
        // The interface says which names are deprecated.
        let description = try await client.call("org.varlink.service.GetInterfaceDescription", ["interface": "org.clusterd.Registry"])
        #expect(description["description"]?.stringValue?.contains("Deprecated, removed in the next release: as_of") == true)
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    /// Every kind of question gets a chart on the page: bars with their percentages for yes/no,
    /// choices and scales, a histogram with a bar per non-empty range for numbers.
    @Test func everyQuestionTypeHasAChart() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        func call(_ method: String, _ parameters: [String: JSONValue]) async throws {
            _ = try await client.call(Self.registry + method, parameters)
        }
        try await call("RegisterCluster", ["id": "aero", "name": "Aero", "regions": ["76"], "departments": ["31"]])
        try await call("DefineSurvey", [
            "id": "kinds", "title": "Every kind", "opens_at": "2020-11-09T00:00:00+01:00", "closes_at": "2020-11-15T23:59:59+01:00",
            "questions": [
                ["id": "yn", "text": "Question yes-no", "kind": "yes_no"],
                ["id": "one", "text": "Question single", "kind": "single_choice", "options": ["north", "south"]],
                ["id": "many", "text": "Question multiple", "kind": "multiple_choice", "options": ["export", "hire", "invest"]],
                ["id": "scale", "text": "Question scale", "kind": "scale", "min": 1, "max": 5],
                ["id": "staff", "text": "Question number", "kind": "number", "min": 0, "max": 1000],
            ],
        ])
        for index in 0..<12 {
            let siren = Self.siren(30_000_000 + index * 7)
            try await call("RegisterCompany", ["siren": .string(siren), "name": .string("Company \(index)"), "naf": "62.01Z", "department": "31", "employees": .int(Int64(5 + index))])
            try await call("JoinCluster", ["cluster": "aero", "siren": .string(siren), "date": "2019-01-01"])
            try await call("SubmitResponse", [
                "survey": "kinds", "siren": .string(siren), "submitted_at": "2020-11-10T10:00:00+01:00",
                "answers": [
                    "yn": index % 3 == 0 ? "yes" : "no", "one": index % 2 == 0 ? "north" : "south",
                    "many": index % 2 == 0 ? ["export", "hire"] : ["invest"], "scale": .int(Int64(1 + index % 5)), "staff": .int(Int64(index * 80)),
                ],
            ])
        }
        await client.close()
        let html = try await clusterctl(["--socket", daemon.socketPath, "audit", "report", "--from", "2020-01-01", "--to", "2020-12-31", "--format", "html"])
        #expect(html.status == 0, "\(html.standardError)")
        let json = try await clusterctl(["--socket", daemon.socketPath, "audit", "report", "--from", "2020-01-01", "--to", "2020-12-31", "--format", "json"])
        let report = try JSONParser.parse(json.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try await daemon.stop() == 0)
        let questions = try #require(report["surveys"]?.arrayValue?.first?["questions"]?.arrayValue)
        #expect(questions.count == 5)
        // Each question's part of the page, from its title to the next question.
        let parts = html.standardOutput.components(separatedBy: "<div class=\"question\">").dropFirst().map { $0.components(separatedBy: "<h2>")[0] }
        #expect(parts.count == 5)
        for (question, whole) in zip(questions, parts) {
            let part = question["kind"] == "number" ? whole.components(separatedBy: "</svg>")[0] : whole
            let text = question["text"]?.stringValue ?? "?"
            #expect(part.contains(text), "\(text)")
            if question["kind"] == "number" {
                let bins = question["bins"]?.arrayValue ?? []
                let filled = bins.filter { ($0["count"]?.intValue ?? 0) > 0 }.count
                #expect(filled > 1, "\(text): \(bins)")
                #expect(part.contains("<svg") && part.components(separatedBy: "<rect").count - 1 == bins.count, "\(text): no histogram")
                let heights = part.components(separatedBy: "height=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
                #expect(heights.filter { $0 > 0 }.count == filled, "\(text): \(heights)")
            } else {
                let options = question["options"]?.arrayValue ?? []
                #expect(!options.isEmpty, "\(text)")
                for option in options {
                    let percent = String(format: "%.1f", option["percent"]?.doubleValue ?? -1)
                    #expect(part.contains("width:\(percent)%") && part.contains("\(percent) %"), "\(text): no bar for \(option)")
                }
            }
        }
    }
}
