import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// Co-investment projects and their money through the real daemon (docs/projects.md): the
/// write methods and their errors, the reads on both time axes, the same answers from the log
/// alone, a restart from a snapshot; and a log written before projects existed.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 4))))
struct ProjectDaemonTests {
    static let registry = "org.clusterd.Registry."
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    func call(_ client: VarlinkClient, _ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        try await client.call(Self.registry + method, parameters)
    }

    func clusterctl(_ arguments: [String]) async throws -> ProcessResult {
        try await runToCompletion(try BuiltProducts.executable("clusterctl"), arguments)
    }

    static let grant: [String: JSONValue] = [
        "id": "anct-verre", "project": "verre-4-0", "instrument": "grant",
        "grantor": ["name": "ANCT", "siret": "13002603200016", "kind": "agency"],
        "amount_cents": 50_000_000, "agreed_on": "2023-12-01", "decision_reference": "D-2023-12", "object": "Moderniser les fours",
        "nature": "cash", "payment_terms": "staged", "planned_payment_from": "2024-01-01", "planned_payment_to": "2025-12-31", "notified_eu": false,
        "beneficiaries": [["kind": "company", "siret": "73282932000017", "share_percent": 60], ["kind": "cluster", "cluster": "glass", "share_percent": 40]],
    ]

    /// A cluster with a SIRET, a member, ANCT as its partner, a project approved and funded.
    func seed(_ client: VarlinkClient) async throws {
        _ = try await call(client, "RegisterCluster", ["id": "glass", "name": "Glass Valley", "regions": ["28", "32"], "departments": ["76", "80"], "siret": "55210055400013"])
        _ = try await call(client, "RegisterCompany", ["siren": "732829320", "name": "ACME", "naf": "23.13Z", "department": "76", "employees": 120])
        _ = try await call(client, "JoinCluster", ["cluster": "glass", "siren": "732829320", "date": "2015-03-01"])
        _ = try await call(client, "LinkPartner", ["cluster": "glass", "partner_id": "anct", "name": "ANCT", "kind": "agency", "siret": "13002603200016"])
        _ = try await call(client, "ProposeProject", [
            "id": "verre-4-0", "title": "Verre 4.0", "lead_cluster": "glass", "regions": ["28"], "departments": ["76"], "starts_on": "2024-01-01",
            "ends_on": "2026-12-31", "proposed_on": "2023-09-01", "companies": [["siren": "732829320", "role": "coordinator"]],
            "partners": [["partner_id": "anct", "name": "ANCT", "kind": "agency", "siret": "13002603200016", "role": "funder"]],
        ])
        _ = try await call(client, "ApproveProject", ["project": "verre-4-0", "on": "2023-11-15"])
        _ = try await call(client, "CommitFunding", Self.grant)
        _ = try await call(client, "CommitFunding", [
            "id": "region-verre", "project": "verre-4-0", "instrument": "grant",
            "grantor": ["name": "Région Normandie", "siret": "20005340300016", "kind": "local_authority"],
            "amount_cents": 25_000_050, "agreed_on": "2024-02-01", "decision_reference": "CP-2024-02", "object": "Fours", "nature": "cash",
            "payment_terms": "single", "planned_payment_from": "2024-06-01", "notified_eu": true,
            "beneficiaries": [["kind": "company", "siret": "73282932000017"]],
        ])
        _ = try await call(client, "DisburseFunding", ["commitment": "anct-verre", "amount_cents": 20_000_000, "on": "2024-02-01", "reference": "VIR-1"])
        _ = try await call(client, "ReviseCommitment", ["commitment": "anct-verre", "amount_cents": 60_000_000, "on": "2024-06-01", "reason": "phase 2"])
    }

    @Test func projectsAndMoneyThroughTheDaemonAndFromTheLogAlone() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        try await seed(client)

        // The rules answer with their errors, naming the field or the amounts.
        await #expect { try await call(client, "DisburseFunding", ["commitment": "anct-verre", "amount_cents": 40_000_001, "on": "2024-07-01"]) } throws: { error in
            let error = error as? VarlinkError
            return error?.name == Self.registry + "DisbursementExceedsCommitment" && error?.parameters["excess_cents"] == 1
                && error?.parameters["funder"] == "ANCT" && error?.parameters["committed_cents"] == 60_000_000
        }
        await #expect { try await call(client, "CompleteProject", ["project": "verre-4-0", "on": "2024-07-01"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "ProjectNotOpen"
        }
        var wrongShare = Self.grant
        wrongShare["id"] = "x"
        wrongShare["beneficiaries"] = [["kind": "company", "siret": "73282932000017"], ["kind": "cluster", "cluster": "glass"]]
        await #expect { try await call(client, "CommitFunding", wrongShare) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "beneficiaries[0].share_percent"
        }
        var badSIRET = Self.grant
        badSIRET["id"] = "y"
        badSIRET["grantor"] = ["name": "ANCT", "siret": "13002603200017", "kind": "agency"]
        await #expect { try await call(client, "CommitFunding", badSIRET) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "grantor.siret" && ((error as? VarlinkError)?.parameters["reason"]?.stringValue ?? "").contains("Luhn")
        }
        await #expect { try await call(client, "GetProject", ["id": "nope"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "UnknownProject"
        }

        // Both time axes: what was committed on a day; what the registry had recorded at a point.
        let project = try #require(try await call(client, "GetProject", ["id": "verre-4-0"])["project"])
        #expect(project["status"] == "approved" && project["committed_cents"] == 85_000_050 && project["disbursed_cents"] == 20_000_000)
        let january = try #require(try await call(client, "GetProject", ["id": "verre-4-0", "on": "2024-01-31"])["project"])
        #expect(january["committed_cents"] == 50_000_000 && january["disbursed_cents"] == 0)
        let beforeMoney = try await call(client, "GetFundingTotals", ["at_seq": 6])
        #expect(beforeMoney["committed_cents"] == 0 && beforeMoney["seq"] == 6)
        let totals = try await call(client, "GetFundingTotals", ["on": "2024-12-31"])
        #expect(totals["committed_cents"] == 85_000_050 && totals["leverage"]?["per_agency_euro"] == "0.42")
        #expect(totals["by_funder"]?.arrayValue?.map { $0["name"] } == ["ANCT", "Région Normandie"])
        let listed = try await call(client, "ListProjects", [:])
        #expect(listed["total"] == 1 && listed["projects"]?.arrayValue?.first?["funders"]?.arrayValue?.count == 2)
        let history = try await call(client, "History", ["cluster": "glass"])
        #expect(history["events"]?.arrayValue?.contains { $0["type"] == "PartnerLinked" && $0["event"]?["siret"] == "13002603200016" } == true)
        await client.close()
        #expect(try await daemon.stop() == 0)

        // The log alone gives the same answers (clusterctl --log replays it with the daemon's code).
        let log = daemon.stateDirectory + "/events.log"
        let verified = try await clusterctl(["verify", "--log", log])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        let restarted = try await RunningDaemon(directory: daemon.directory)
        let again = try await VarlinkClient.connect(to: restarted.socketPath)
        #expect(restarted.process.standardError.contains("snapshot"), "the restart loads the snapshot written at shutdown")
        for command in [
            ["projects", "show", "verre-4-0", "--json"], ["projects", "list", "--json"], ["funding", "totals", "--on", "2024-12-31", "--json"],
            ["funding", "export", "--format", "scdl"], ["funding", "export", "--format", "360giving", "--on", "2024-12-31"],
        ] {
            let online = try await clusterctl(["--socket", restarted.socketPath] + command)
            let offline = try await clusterctl(["--log", log] + command)
            #expect(online.status == 0 && !online.standardOutput.isEmpty, "\(command): \(online.standardError)")
            #expect(online.standardOutput == offline.standardOutput, "\(command): \(offline.standardError)")
        }
        await again.close()
        #expect(try await restarted.stop() == 0)

        // The audit report's money reconciles, in every format.
        let period = ["--log", log, "audit", "report", "--from", "2024-01-01", "--to", "2024-12-31"]
        let json = try await clusterctl(period + ["--format", "json"])
        let report = try JSONParser.parse(json.standardOutput)
        let network = try #require(report["funding"]?["network"])
        #expect(network["committed_start_cents"] == 50_000_000 && network["new_cents"] == 25_000_050 && network["revised_cents"] == 10_000_000)
        #expect(network["released_cents"] == 0 && network["committed_end_cents"] == 85_000_050 && network["disbursed_cents"] == 20_000_000)
        #expect(network["reconciles"] == true)
        #expect(report["funding"]?["funders"]?.arrayValue?.allSatisfy { $0["reconciles"] == true } == true)
        #expect(report["funding"]?["regions"]?.arrayValue?.map { $0["region"] } == ["28"])
        let text = try await clusterctl(period)
        #expect(text.standardOutput.contains("committed  500,000.00 € + 250,000.50 € new + 100,000.00 € revised − 0.00 € released = 850,000.50 €"))
        #expect(text.standardOutput.contains("Every funding row reconciles."))
        let csv = try await clusterctl(period + ["--format", "csv"])
        #expect(csv.standardOutput.contains("funder,13002603200016,ANCT,") && csv.standardOutput.contains(",50000000,0,10000000,0,60000000,0,20000000,20000000"))
        let html = try await clusterctl(period + ["--format", "html"])
        #expect(html.standardOutput.contains("<h2>Funding of co-investment projects</h2>") && html.standardOutput.contains("Région Normandie"))
    }

    @Test func aLogWrittenBeforeProjectsStillOpensVerifiesAndReadsTheSame() async throws {
        let fixture = Self.fixtures.appendingPathComponent("events-before-projects.log").path
        let verified = try await clusterctl(["verify", "--log", fixture])
        #expect(verified.status == 0 && verified.standardOutput.contains("intact records  20"), "\(verified.standardOutput)\(verified.standardError)")
        let events = try await clusterctl(["--log", fixture, "watch", "--from-seq", "1", "--json"])
        let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("events-before-projects.events.jsonl"), encoding: .utf8)
        #expect(events.status == 0 && events.standardOutput == expected)
        let stats = try await clusterctl(["--log", fixture, "stats", "--on", "2021-06-01", "--json"])
        let expectedStats = try String(contentsOf: Self.fixtures.appendingPathComponent("events-before-projects.stats.json"), encoding: .utf8)
        #expect(stats.status == 0 && stats.standardOutput == expectedStats)

        // The daemon starts on a copy, takes a project, and starts again from its snapshot.
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("state"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture, toPath: directory.file("state/events.log"))
        let arguments = ["--without-personal-data", "--snapshot-every", "1"]
        let daemon = try await RunningDaemon(extraArguments: arguments, directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await call(client, "GetStats", ["on": "2021-06-01"])["jobs"] == 142)
        _ = try await call(client, "ProposeProject", [
            "id": "bresle", "title": "Bresle", "lead_cluster": "vallee-bresle", "regions": ["28"], "starts_on": "2024-01-01", "ends_on": "2025-01-01",
            "proposed_on": "2023-01-01",
        ])
        await client.close()
        #expect(try await daemon.stop() == 0)
        let restarted = try await RunningDaemon(extraArguments: arguments, directory: directory)
        let again = try await VarlinkClient.connect(to: restarted.socketPath)
        #expect(try await call(again, "ListProjects")["total"] == 1)
        #expect(try await call(again, "GetStats", ["on": "2021-06-01"])["jobs"] == 142)
        await again.close()
        #expect(try await restarted.stop() == 0)
        #expect(restarted.process.standardError.contains("loaded a snapshot"), "\(restarted.process.standardError)")
    }

    /// Snapshots written by earlier builds still load, not replayed instead, and answer as their
    /// log replayed by that build (`clusterctl --log`, recorded in the fixtures):
    /// - `v2` (file format version 2, payload version 2): companies one by one, projects as
    ///   their events;
    /// - `v3` (payload version 3): companies and members packed in the row form of that build,
    ///   a survey's responses one message each.
    @Test(arguments: [
        ("v2", 25, ["projects", "show", "four-vert", "--on", "2021-06-01", "--json"], "project"),
        ("v3", 26, ["surveys", "results", "barometre-2021", "--json"], "survey"),
    ])
    func aSnapshotWrittenByAnEarlierBuildStillLoads(version: String, sequence: Int, query: [String], answer: String) async throws {
        let directory = try TemporaryDirectory()
        let name = String(format: "snapshot-%020d.bin", sequence)
        try FileManager.default.createDirectory(atPath: directory.file("state"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("events-snapshot-\(version).log").path, toPath: directory.file("state/events.log"))
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("snapshot-\(version)-\(name.dropFirst("snapshot-".count))").path, toPath: directory.file("state/\(name)"))
        let daemon = try await RunningDaemon(extraArguments: ["--without-personal-data"], directory: directory)
        let stats = try await clusterctl(["--socket", daemon.socketPath, "stats", "--on", "2021-06-01", "--json"])
        let answered = try await clusterctl(["--socket", daemon.socketPath] + query)
        #expect(try await daemon.stop() == 0)
        #expect(daemon.process.standardError.contains("loaded a snapshot"), "\(daemon.process.standardError)")
        #expect(daemon.process.standardError.contains("snapshot_seq=\(sequence)"), "\(daemon.process.standardError)")
        #expect(!daemon.process.standardError.contains("set a snapshot aside"), "\(daemon.process.standardError)")
        let expectedStats = try String(contentsOf: Self.fixtures.appendingPathComponent("events-snapshot-\(version).stats.json"), encoding: .utf8)
        let expectedAnswer = try String(contentsOf: Self.fixtures.appendingPathComponent("events-snapshot-\(version).\(answer).json"), encoding: .utf8)
        #expect(stats.status == 0 && stats.standardOutput == expectedStats, "\(stats.standardOutput)\(stats.standardError)")
        #expect(answered.status == 0 && answered.standardOutput == expectedAnswer, "\(answered.standardOutput)\(answered.standardError)")
    }
}
