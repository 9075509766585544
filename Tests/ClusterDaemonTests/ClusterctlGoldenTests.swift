import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// The help of every command and each table, at 80 columns, against the files in
/// Tests/Golden/clusterctl: a change to what users read shows up in review. After an intended
/// change, regenerate them with `CLUSTERD_UPDATE_GOLDEN=1 swift test --filter ClusterctlGoldenTests`
/// and read the diff.
/// Serialized: its cases each start a process, and dozens at once (under ThreadSanitizer) starved
/// the timing tests that run beside them.
@Suite(.serialized, .timeLimit(.minutes(Sanitizers.hangLimit(minutes: 8))))
struct ClusterctlGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden/clusterctl")

    static let helpPaths: [[String]] = [
        [], ["status"], ["stats"], ["clusters"], ["clusters", "list"], ["clusters", "show"], ["clusters", "add"], ["clusters", "update"],
        ["clusters", "dissolve"], ["companies"], ["companies", "show"], ["companies", "add"], ["companies", "update"], ["members"],
        ["join"], ["leave"], ["partner", "link"], ["surveys"], ["surveys", "list"], ["surveys", "results"], ["surveys", "define"],
        ["surveys", "respond"], ["surveys", "close"], ["history"], ["watch"], ["import"], ["demo", "load"], ["verify"], ["checkpoint"],
        ["log", "dump"], ["audit", "report"], ["people"], ["people", "show"], ["people", "export"], ["people", "rectify"],
        ["people", "withdraw"], ["people", "erase"], ["testers"], ["testers", "list"], ["testers", "stats"],
        ["privacy"], ["privacy", "requests"], ["privacy", "request"], ["privacy", "answer"], ["privacy", "retention"],
        ["projects"], ["projects", "list"], ["projects", "show"], ["projects", "propose"], ["projects", "approve"], ["projects", "withdraw"],
        ["funding"], ["funding", "commit"], ["funding", "revise"], ["funding", "disburse"], ["funding", "totals"], ["funding", "export"],
    ]

    static func compare(_ output: String, with name: String, width: Int? = 80) throws {
        let file = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CLUSTERD_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try output.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(output == expected, "\(name) differs from Tests/Golden/clusterctl/\(name); if the change is meant, regenerate (see the suite's comment)")
        for line in output.split(separator: "\n") where width != nil {
            #expect(line.count <= width!, "\(name): a line of \(line.count) characters: \(line)")
        }
    }

    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        environment["NO_COLOR"] = "1"
        return environment
    }

    @Test(arguments: helpPaths)
    func helpAtEightyColumns(_ path: [String]) async throws {
        let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), path + ["--help"], environment: Self.environment)
        #expect(result.status == 0, "\(result.standardError)")
        if !["clusters", "companies", "surveys", "people", "testers", "privacy", "projects", "funding"].contains(path.joined(separator: " ")) {
            #expect(result.standardOutput.contains("Examples:"), "\(path): the help has no examples")
        }
        try Self.compare(result.standardOutput, with: "help-" + (path.isEmpty ? "clusterctl" : path.joined(separator: "-")) + ".txt")
    }

    /// Each table on the demo network at a fixed date, at 80 columns: long names cut with `…`,
    /// no row wrapped, thousands grouped; and the same table as CSV, numbers bare.
    @Test func tablesAtEightyColumns() async throws {
        let daemon = try await RunningDaemon()
        let clusterctl = try BuiltProducts.executable("clusterctl")
        let socket = ["--socket", daemon.socketPath]
        // Minutes under ThreadSanitizer beside the other suites (CI passed 60 s).
        #expect(try await runToCompletion(clusterctl, socket + ["demo", "load"], timeout: .seconds(300)).status == 0)
        let tables: [(String, [String])] = [
            ("stats", ["stats", "--on", "2021-01-01"]),
            ("clusters-list", ["clusters", "list", "--on", "2021-01-01", "--limit", "12"]),
            ("members", ["members", "glass-valley", "--on", "2021-01-01", "--limit", "12"]),
            ("surveys-list", ["surveys", "list"]),
            ("survey-results", ["surveys", "results", "crisis-2020-11", "--by", "size"]),
            ("projects-list", ["projects", "list", "--region", "28", "--on", "2023-12-31"]),
            ("funding-totals", ["funding", "totals", "--on", "2023-12-31"]),
        ]
        for (name, arguments) in tables {
            for format in ["", "csv"] {
                let result = try await runToCompletion(clusterctl, socket + arguments + (format.isEmpty ? [] : ["--" + format]), environment: Self.environment)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
                try Self.compare(result.standardOutput, with: "table-\(name)\(format.isEmpty ? "" : "." + format).txt", width: format.isEmpty ? 80 : nil)
            }
        }
        #expect(try await daemon.stop() == 0)
    }
}
