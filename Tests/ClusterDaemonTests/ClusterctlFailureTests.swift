import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// Every subcommand's failure paths, as a user meets them: the exit code (sysexits) and the one
/// line that says what happened and what to do, `clusterctl: error: <what> — <what to do>`; the
/// usage banner only for a usage error.
/// Serialized: its cases each start a process, and dozens at once (under ThreadSanitizer) starved
/// the timing tests that run beside them.
@Suite(.serialized, .timeLimit(.minutes(Sanitizers.hangLimit(minutes: 5))))
struct ClusterctlFailureTests {
    /// Each subcommand with arguments that are otherwise right.
    static let daemonCommands: [[String]] = [
        ["status"], ["stats"], ["clusters", "list"], ["clusters", "show", "aero"],
        ["clusters", "add", "aero", "--name", "Aero", "--region", "76"], ["clusters", "update", "aero", "--name", "Aero"],
        ["clusters", "dissolve", "aero", "--date", "2030-01-01"], ["companies", "show", "732829320"],
        ["companies", "add", "732829320", "--name", "ACME", "--naf", "25.62B", "--department", "31", "--employees", "42"],
        ["companies", "update", "732829320", "--employees", "43"], ["members", "aero"], ["join", "aero", "732829320", "--date", "2020-01-01"],
        ["leave", "aero", "732829320", "--date", "2021-01-01"], ["partner", "link", "aero", "bpi", "--name", "Bpi", "--kind", "bank"],
        ["surveys", "list"], ["surveys", "results", "crisis-2020-11"], ["surveys", "close", "crisis-2020-11"],
        ["surveys", "respond", "crisis-2020-11", "732829320", "--at", "2020-11-12T10:00:00Z", "--answer", "q=yes"],
        ["history", "732829320"], ["watch"], ["demo", "load"], ["checkpoint"], ["log", "dump"],
        ["audit", "report", "--from", "2020-01-01", "--to", "2020-12-31"],
    ]

    func clusterctl(_ arguments: [String]) async throws -> ProcessResult {
        try await runToCompletion(try BuiltProducts.executable("clusterctl"), arguments)
    }

    @Test(arguments: daemonCommands)
    func withoutADaemonEveryCommandSaysSoAndExits69(_ command: [String]) async throws {
        let result = try await clusterctl(["--socket", "/nonexistent/clusterd.sock"] + command)
        #expect(result.status == 69, "\(command): \(result.standardError)")
        #expect(
            result.standardError == "clusterctl: error: cannot connect to /nonexistent/clusterd.sock: No such file or directory — "
                + "is clusterd running? Start it (systemctl start clusterd.socket, or clusterd --socket /nonexistent/clusterd.sock) or pass --socket PATH\n",
            "\(command)"
        )
        #expect(result.standardOutput.isEmpty)
    }

    /// A usage error, and only a usage error, prints the usage of the command it belongs to.
    @Test(arguments: [
        (["clusters", "show"], "Missing expected argument '<id>'"),
        (["clusters", "add", "aero", "--name", "A"], "--region: a cluster needs at least one region"),
        (["companies", "add", "732829320", "--name", "A", "--naf", "25.62B", "--department", "31"], "Missing expected argument '--employees <employees>'"),
        (["companies", "add", "732829320", "--name", "A", "--naf", "25.62B", "--department", "31", "--employees", "many"], "The value 'many' is invalid for '--employees <employees>'"),
        (["join", "aero"], "Missing expected argument '<siren>'"),
        (["members"], "Missing expected argument '<cluster>'"),
        (["stats", "--as-of", "yesterday"], "--as-of: 'yesterday' is neither a date (YYYY-MM-DD) nor an RFC 3339 time"),
        (["stats", "--at-seq", "-1"], "The value '-1' is invalid for '--at-seq <n>'"),
        (["stats", "--on", "2020-12-31T00:00:00Z"], "--on: '2020-12-31T00:00:00Z' is a time, but --on takes a date (YYYY-MM-DD); for what the registry had recorded at that time, use --as-recorded-at"),
        (["members", "aero", "--as-recorded-at", "2020-12-31"], "--as-recorded-at: '2020-12-31' is a date, but --as-recorded-at takes a time (RFC 3339, e.g. 2020-12-31T23:59:59+01:00); for memberships valid on that day, use --on"),
        (["stats", "--at-seq", "3", "--as-recorded-at", "2021-01-01T00:00:00Z"], "--at-seq and --as-recorded-at both name a point on the recording axis: give one of them"),
        (["history", "732829320", "--as-of", "2020-01-01"], "--as-of 2020-01-01: this command has no valid date to set; for what the registry had recorded then, use --as-recorded-at TIME or --at-seq N"),
        (["audit", "report", "--from", "2020-01-01", "--to", "2020-12-31", "--as-recorded-at", "2021-01-01"], "--as-recorded-at: '2021-01-01' is a date"),
        (["audit", "report", "--from", "2020-12-31", "--to", "2020-01-01"], "--from 2020-12-31 is after --to 2020-01-01"),
        (["stats", "--json", "--csv"], "--json and --csv exclude each other"),
        (["surveys", "results", "s", "--by", "colour"], "--by: 'colour' is not one of cluster, region, size, section"),
        (["log", "dump", "--from-seq", "5", "--to-seq", "2"], "--from-seq is after --to-seq"),
        (["verify"], "Missing expected argument '--log <path>'"),
        (["verify", "--log", "x", "--socket", "s"], "--socket: this command reads a log file and never asks the daemon; give --log PATH"),
        (["audit", "report", "--log", "x", "--from", "2020-13-01", "--to", "2020-12-31"], "--from: '2020-13-01' is not a date (YYYY-MM-DD)"),
        (["import"], "Missing expected argument '<file>'"),
        (["import", "f.csv", "--delimiter", "|"], "--delimiter: '|' is not one of ',', ';', 'tab'"),
        (["join", "aero", "732829320", "--date", "2020-01-01", "--log", "events.log"], "--log: this command writes to the daemon, and a log file is only ever read"),
        (["stats", "--socket", "s", "--log", "l"], "--socket and --log exclude each other"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
    ] as [([String], String)])
    func aUsageErrorExits64WithTheUsage(_ command: [String], _ message: String) async throws {
        let result = try await clusterctl(command)
        #expect(result.status == 64, "\(command): \(result.standardError)")
        #expect(result.standardError.hasPrefix("clusterctl: error: \(message)"), "\(command): \(result.standardError)")
        #expect(result.standardError.contains("Usage: clusterctl"), "\(command): \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    /// Help is output like any other: into a full disk it is an error (74), not a silent loss.
    @Test func helpThatCannotBeWrittenIsAnError() async throws {
        let clusterctl = try BuiltProducts.executable("clusterctl")
        for arguments in ["--help", "stats --help", "--version"] {
            let full = try await runToCompletion("/bin/bash", ["-c", "'\(clusterctl)' \(arguments) > /dev/full"])
            #expect(full.status == 74, "\(arguments): \(full.standardError)")
            #expect(full.standardError.hasPrefix("clusterctl: error: cannot write to standard output: No space left on device"), "\(arguments)")
        }
    }

    /// Inputs that are no file (66), no clusterd log (65); the daemon's refusals (1), each with
    /// what to do; none with the usage.
    @Test func dataErrorsAndRefusalsSayWhatToDoWithoutTheUsage() async throws {
        let daemon = try await RunningDaemon()
        let directory = try TemporaryDirectory()
        let text = directory.file("notes.txt")
        try "not a log\n".write(toFile: text, atomically: true, encoding: .utf8)
        let socket = ["--socket", daemon.socketPath]
        let cases: [([String], Int32, String)] = [
            (["verify", "--log", directory.path], 66, "clusterctl: error: \(directory.path) is a directory, not a clusterd log — give the path of its events.log\n"),
            (["verify", "--log", text], 65, "clusterctl: error: \(text) is not a clusterd log this build reads: "),
            (["audit", "report", "--log", directory.file("missing.log"), "--from", "2020-01-01", "--to", "2020-12-31"], 66, "clusterctl: error: \(directory.file("missing.log")): No such file or directory — give the path of a clusterd events.log\n"),
            (["stats", "--log", text], 65, "clusterctl: error: \(text) cannot be used as a log: "),
            (socket + ["import", directory.file("missing.csv")], 66, "clusterctl: error: \(directory.file("missing.csv")): No such file or directory — give the path of an import file\n"),
            (socket + ["import", directory.path], 66, "clusterctl: error: \(directory.path) is a directory, not an import file — give the path of an import file\n"),
            (socket + ["surveys", "define", directory.file("missing.json")], 66, "clusterctl: error: \(directory.file("missing.json")): No such file or directory — "),
            (socket + ["clusters", "show", "nope"], 1, "clusterctl: error: UnknownCluster: cluster=nope — 'clusterctl clusters list' shows the clusters\n"),
            (socket + ["companies", "show", "732829320"], 1, "clusterctl: error: UnknownCompany: siren=732829320 — register it first ('clusterctl companies add')\n"),
            (socket + ["companies", "show", "732829321"], 1, "clusterctl: error: InvalidArgument: field=siren, reason="),
            (socket + ["join", "nope", "732829320", "--date", "2020-01-01"], 1, "clusterctl: error: UnknownCluster: cluster=nope — "),
            (socket + ["surveys", "results", "nope"], 1, "clusterctl: error: UnknownSurvey: survey=nope — 'clusterctl surveys list' shows the surveys\n"),
            (socket + ["clusters", "add", "aero", "--name", "Aero", "--region", "76", "--expected-seq", "7"], 1, "clusterctl: error: ConcurrencyConflict: actual=0, expected=7 — the log moved on: read the registry again, then retry with --expected-seq 0\n"),
        ]
        for (arguments, code, message) in cases {
            let result = try await clusterctl(arguments)
            #expect(result.status == code, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix(message), "\(arguments): \(result.standardError)")
            #expect(!result.standardError.contains("Usage:"), "\(arguments)")
        }
        // A request id reused for another request: refused, nothing written.
        #expect(try await clusterctl(socket + ["clusters", "add", "aero", "--name", "Aero", "--region", "76", "--request-id", "r1"]).status == 0)
        let reused = try await clusterctl(socket + ["clusters", "add", "other", "--name", "Other", "--region", "76", "--request-id", "r1"])
        #expect(reused.status == 1)
        #expect(reused.standardError == "clusterctl: error: RequestIdReused: request_id=r1, seq=1 — a new request needs a new --request-id; the same request sent again answers its first result\n")
        let retried = try await clusterctl(socket + ["clusters", "add", "aero", "--name", "Aero", "--region", "76", "--request-id", "r1"])
        #expect(retried.status == 0 && retried.standardOutput == "registered cluster aero (seq 1)\n", "\(retried.standardOutput)")
        #expect(try await daemon.stop() == 0)
    }
}
