import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// clusterctl against the registry: the demo, imports, and offline answers from the log file.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 8))))
struct ClusterctlRegistryTests {
    func clusterctl(_ arguments: [String]) async throws -> ProcessResult {
        // The demo load takes minutes under ThreadSanitizer beside the other suites.
        try await runToCompletion(try BuiltProducts.executable("clusterctl"), arguments, timeout: .seconds(300))
    }

    func json(_ result: ProcessResult) throws -> JSONValue {
        try JSONParser.parse(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func theDemoNetworkReadsAsDesignedOnlineAndOffline() async throws {
        // With a key store: Silver Valley's people are loaded too.
        let keys = try TemporaryDirectory()
        let key = keys.file("wrapping.key")
        try Data((0..<32).map { UInt8($0 * 3 + 7) }).write(to: URL(fileURLWithPath: key))
        chmod(key, 0o400)
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", key])
        let socket = ["--socket", daemon.socketPath]
        let load = try await clusterctl(socket + ["demo", "load"])
        #expect(load.status == 0, "\(load.standardError)")
        #expect(load.standardOutput.contains("loaded Silver Valley's people: 9000 testers, 4000 contacts, 4050 campaigns"), "\(load.standardOutput)")
        let testers = try json(try await clusterctl(socket + ["testers", "stats", "silver-valley", "--on", "2020-11-15", "--json"]))
        #expect(testers["stats"]?["testers"] == 9_000)
        let bands = testers["stats"]?["by_age_band"]?.arrayValue ?? []
        #expect(bands.compactMap { $0["testers"]?.intValue }.reduce(0, +) == 9_000 && bands.count == 7, "\(bands)")
        #expect(testers["stats"]?["by_campaign"]?.arrayValue?.count == 4_050)
        let listed = try json(try await clusterctl(socket + ["testers", "list", "silver-valley", "--json"]))
        let first = listed["testers"]?.arrayValue?.first
        #expect(listed["total"] == 9_000 && (first?["email"] != nil || first?["phone"] != nil) && first?["name"] != nil)
        let stats = try json(try await clusterctl(socket + ["stats", "--json", "--on", "2021-01-01"]))
        #expect(stats["clusters"] == 70)
        #expect(stats["companies"] == 20_000)
        #expect(stats["jobs"] == 1_000_000)
        let results = try json(try await clusterctl(socket + ["survey", "results", "crisis-2020-11", "--json"]))
        #expect(results["respondents"] == 300)
        let yes = results["questions"]?.arrayValue?.map { $0["options"]?.arrayValue?.first { $0["value"] == "yes" }?["percent"] }
        #expect(yes == [97.0, 90.0, 73.7, 65.0, 36.0])
        // Loading twice writes nothing: the load carries request ids.
        let again = try await clusterctl(socket + ["demo", "load"])
        #expect(again.standardOutput.contains("the demo network (seed 20201109) was already loaded"), "\(again.standardOutput)\(again.standardError)")
        #expect(again.standardOutput.contains("Silver Valley's people were already loaded"), "\(again.standardOutput)")

        // The same answers from the log file alone, without the daemon.
        let logPath = daemon.stateDirectory + "/events.log"
        let online = try await clusterctl(socket + ["stats", "--json", "--on", "2021-01-01"])
        #expect(try await daemon.stop() == 0)
        let offline = try await clusterctl(["--log", logPath, "stats", "--json", "--on", "2021-01-01"])
        #expect(offline.status == 0, "\(offline.standardError)")
        // The same answer; the log may have records more: the daemon's own snapshot records
        // (one written at shutdown, or after the load when it crossed the snapshot interval).
        var onlineAnswer = try json(online).objectValue ?? [:]
        var offlineAnswer = try json(offline).objectValue ?? [:]
        let offlineSeq = try #require(offlineAnswer.removeValue(forKey: "seq")?.intValue)
        let onlineSeq = try #require(onlineAnswer.removeValue(forKey: "seq")?.intValue)
        #expect(offlineSeq >= onlineSeq && offlineSeq <= onlineSeq + 2)
        #expect(offlineAnswer == onlineAnswer)
        let members = try json(try await clusterctl(["--log", logPath, "members", "glass-valley", "--json", "--limit", "5"]))
        #expect(members["total"] == 286)
    }

    @Test func anImportReportsEveryBadRowAndWritesNothing() async throws {
        let daemon = try await RunningDaemon()
        let directory = try TemporaryDirectory()
        let file = directory.file("companies.csv")
        try """
            siren,name,naf,department,employees
            732829320,ACME,25.62B,31,42
            732829321,Broken Luhn,25.62B,31,3
            552100554,"Quoted, Name",62.01Z,20,7
            443061841,Fine,62.01Z,75,many
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await clusterctl(["--socket", daemon.socketPath, "import", file, "--method", "RegisterCompany"])
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("clusterctl: error: 3 of 4 rows of companies.csv were refused; nothing was written — correct them and import the file again\n"), "\(result.standardError)")
        #expect(result.standardError.contains("\ncompanies.csv:5: field employees: 'many' is not an integer"))
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 0)

        try """
            siren,name,naf,department,employees
            732829320,ACME,25.62B,31,42
            732829321,Broken Luhn,25.62B,31,3
            552100554,"Quoted, Name",62.01Z,20,7
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let checked = try await clusterctl(["--socket", daemon.socketPath, "import", file, "--method", "RegisterCompany"])
        #expect(checked.status == 65)
        #expect(checked.standardError.contains("companies.csv:3: field siren:"))
        #expect(checked.standardError.contains("companies.csv:4: field department:"))
        #expect(checked.standardError.contains("2 of 3 rows of companies.csv were refused; nothing was written"))
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 0)

        let lines = directory.file("writes.jsonl")
        try """
            {"method": "RegisterCluster", "parameters": {"id": "aero", "name": "Aero", "regions": ["76"], "departments": ["31"]}}
            {"method": "RegisterCompany", "parameters": {"siren": "732829320", "name": "ACME", "naf": "25.62B", "department": "31", "employees": 42}}
            {"method": "JoinCluster", "parameters": {"cluster": "aero", "siren": "732829320", "date": "2020-01-01"}}
            """.write(toFile: lines, atomically: true, encoding: .utf8)
        // Rows that only the daemon can refuse (the cluster and the membership are its state)
        // are named by their line too; the blank line counts.
        let refused = directory.file("refused.jsonl")
        try """
            {"method": "RegisterCluster", "parameters": {"id": "aero", "name": "Aero", "regions": ["76"], "departments": ["31"]}}

            {"method": "RegisterCompany", "parameters": {"siren": "732829320", "name": "ACME", "naf": "25.62B", "department": "31", "employees": 42}}
            {"method": "JoinCluster", "parameters": {"cluster": "nope", "siren": "732829320", "date": "2020-01-01"}}
            """.write(toFile: refused, atomically: true, encoding: .utf8)
        let unknown = try await clusterctl(["--socket", daemon.socketPath, "import", refused])
        #expect(unknown.status == 65)
        #expect(unknown.standardError.contains("refused.jsonl:4: UnknownCluster: cluster=nope\n"), "\(unknown.standardError)")
        #expect(unknown.standardError.contains("1 of 3 rows of refused.jsonl were refused by the daemon; nothing was written"))
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 0)

        let imported = try await clusterctl(["--socket", daemon.socketPath, "import", lines])
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 3)

        let again = try await clusterctl(["--socket", daemon.socketPath, "import", lines])
        #expect(again.status == 65)
        // Every row the daemon refuses, not only the first.
        #expect(again.standardError.contains("writes.jsonl:1: AlreadyExists: id=aero, kind=cluster\n"), "\(again.standardError)")
        #expect(again.standardError.contains("writes.jsonl:2: AlreadyExists: id=732829320, kind=company\n"), "\(again.standardError)")
        #expect(again.standardError.contains("writes.jsonl:3: AlreadyMember: "), "\(again.standardError)")
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 3)
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    /// What French spreadsheets write: ';' between fields, a byte order mark, CRLF line ends, a
    /// decimal comma; quoted line ends keep the line numbers right; refused rows are all
    /// listed, the first 100 and then a count; --check writes nothing.
    @Test func anImportReadsSpreadsheetCSVAndListsEveryRefusedRow() async throws {
        let daemon = try await RunningDaemon()
        let socket = ["--socket", daemon.socketPath]
        let directory = try TemporaryDirectory()
        let clusters = directory.file("clusters.csv")
        let text = "\u{FEFF}method;id;name;regions;departments\r\n"
            + "RegisterCluster;aero;\"Aéro; \"\"Sud\"\"\";76;31|32\r\n"
            + "\r\n"
            + "RegisterCluster;glass;Verre;28|32;76\r\n"
        try text.write(toFile: clusters, atomically: true, encoding: .utf8)
        let checkOnly = try await clusterctl(socket + ["import", "--check", clusters])
        #expect(checkOnly.status == 0, "\(checkOnly.standardError)")
        #expect(checkOnly.standardOutput.contains("all 2 rows would be accepted"))
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 0)
        let imported = try await clusterctl(socket + ["import", clusters])
        #expect(imported.status == 0, "\(imported.standardError)")
        let aero = try JSONParser.parse(try await clusterctl(socket + ["clusters", "show", "aero", "--json"]).standardOutput)
        #expect(aero["cluster"]?["name"] == "Aéro; \"Sud\"")
        #expect(aero["cluster"]?["departments"] == ["31", "32"])

        // A decimal comma, and a row after a quoted line end: its line number counts both lines.
        let companies = directory.file("companies.csv")
        try "siren;name;naf;department;employees\r\n552100554;\"Deux\r\nlignes\";62.01Z;31;12,5\r\n732829321;Luhn;62.01Z;31;3\r\n"
            .write(toFile: companies, atomically: true, encoding: .utf8)
        let comma = try await clusterctl(socket + ["import", "--method", "RegisterCompany", companies])
        #expect(comma.status == 65)
        #expect(comma.standardError.contains("\ncompanies.csv:2: field employees: '12,5' has a decimal comma; employees takes a whole number\n"), "\(comma.standardError)")
        #expect(comma.standardError.contains("\ncompanies.csv:4: field siren: "), "\(comma.standardError)")

        // 150 rows the daemon refuses (unknown clusters): 100 listed, then the rest counted.
        let joins = directory.file("joins.csv")
        try (["cluster,siren,date"] + (0..<150).map { "nope-\($0),552100554,2020-01-01" }).joined(separator: "\n").write(toFile: joins, atomically: true, encoding: .utf8)
        let refused = try await clusterctl(socket + ["import", "--method", "JoinCluster", joins])
        #expect(refused.status == 65)
        let lines = refused.standardError.split(separator: "\n")
        try #require(lines.count == 102, "\(refused.standardError)")
        #expect(lines.first == "clusterctl: error: 150 of 150 rows of joins.csv were refused by the daemon; nothing was written — correct them and import the file again")
        #expect(lines[1] == "joins.csv:2: UnknownCluster: cluster=nope-0")
        #expect(lines.last == "… and 50 more")

        let unclosed = directory.file("unclosed.csv")
        try "method,id,name,regions\nRegisterCluster,x,\"Open,11\n".write(toFile: unclosed, atomically: true, encoding: .utf8)
        let open = try await clusterctl(socket + ["import", unclosed])
        #expect(open.status == 65)
        #expect(open.standardError.hasPrefix("clusterctl: error: unclosed.csv:2: a quoted field opens here and is never closed — "), "\(open.standardError)")
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["last_seq"] == 2)
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func writeCommandsAndTheirErrors() async throws {
        let daemon = try await RunningDaemon()
        let socket = ["--socket", daemon.socketPath]
        #expect(try await clusterctl(socket + ["cluster", "add", "aero", "--name", "Aero", "--region", "76", "--department", "31"]).status == 0)
        #expect(try await clusterctl(socket + ["company", "add", "732829320", "--name", "ACME", "--naf", "25.62B", "--department", "31", "--employees", "42"]).status == 0)
        #expect(try await clusterctl(socket + ["join", "aero", "732829320", "--date", "2020-01-01"]).status == 0)
        let again = try await clusterctl(socket + ["join", "aero", "732829320", "--date", "2021-01-01"])
        #expect(again.status == 1)
        #expect(again.standardError.contains("AlreadyMember"))
        let history = try await clusterctl(socket + ["history", "732829320"])
        #expect(history.standardOutput.contains("CompanyRegistered"))
        #expect(history.standardOutput.contains("732829320 joined aero on 2020-01-01"))
        let offlineWrite = try await clusterctl(["--log", daemon.stateDirectory + "/events.log", "cluster", "add", "x", "--name", "X", "--region", "11"])
        #expect(offlineWrite.status == 64)
        #expect(try await daemon.stop() == 0)
    }
}
