import ClusterDaemon
import ClusterModel
import Foundation
import Varlink

/// People on a daemon with a key store (issue 22): enrolling testers, which makes a key per
/// person and seals their fields, beside registering as many companies through the same Import
/// path; and a cluster's statistics, which open every tester's birth year.
enum PeopleBenchmarks {
    static func run(socket path: String, testers: Int, statsRounds: Int) {
        let client = BlockingClient(path: path)
        _ = call(client, "RegisterCluster", ["id": "bench-silver", "name": "Bench Silver", "regions": ["11"], "departments": ["94"]])

        // Both imports carry as many commands with as many bytes of values, give or take.
        let enrolments: [JSONValue] = (0..<testers).map { index in
            [
                "method": "EnrollTester",
                "parameters": [
                    "cluster": "bench-silver", "department": "94", "enrolled_on": "2020-03-01", "name": .string("Testeur Numéro \(index)"),
                    "birth_year": .int(Int64(1930 + index % 30)), "email": .string("testeur.\(index)@example.org"),
                    "consent": ["purpose": "Tests d’usage", "text_version": "v1", "given_on": "2020-02-20", "channel": "paper"],
                ],
            ]
        }
        let registrations: [JSONValue] = (0..<testers).map { index in
            let siren = SIREN.withCheckDigit(prefix: UInt32(20_000_000 + index))!
            return [
                "method": "RegisterCompany",
                "parameters": ["siren": .string(siren.description), "name": .string("Entreprise Numéro \(index)"), "naf": "62.01Z", "department": "94", "employees": 12],
            ]
        }
        let (enrolled, enrolSeconds) = timedImport(client, enrolments)
        let (registered, registerSeconds) = timedImport(client, registrations)
        Figure(
            name: "people_enrol_\(testers)", value: Double(enrolled) / enrolSeconds, unit: "events/s",
            baselineName: "\(testers) RegisterCompany in one Import", baseline: Double(registered) / registerSeconds,
            note: "\(testers) EnrollTester in one Import: a key per tester made durable in keys.bin (one fdatasync), 3 fields sealed each, \(Int(enrolSeconds * 1000)) ms; the baseline \(Int(registerSeconds * 1000)) ms"
        ).printed()

        // Statistics by age band on a date: every tester's birth year opened with their key.
        var times: [Double] = []
        for _ in 0..<max(statsRounds, 1) {
            let start = Clock.now()
            let stats = call(client, "GetTesterStats", ["cluster": "bench-silver", "on": "2020-11-15"])
            times.append(Clock.seconds(since: start))
            guard stats["stats"]?["testers"]?.intValue == Int64(testers) else { BenchCommand.failure("GetTesterStats counted \(String(describing: stats["stats"]?["testers"]))") }
        }
        let median = times.sorted()[times.count / 2]
        Figure(
            name: "people_tester_stats_\(testers)", value: median * 1000, unit: "ms",
            note: "GetTesterStats of a cluster of \(testers) testers (their birth years opened), median of \(times.count)"
        ).printed()
    }

    private static func timedImport(_ client: BlockingClient, _ commands: [JSONValue]) -> (Int64, Double) {
        let start = Clock.now()
        let reply = call(client, "Import", ["commands": .array(commands)])
        let seconds = Clock.seconds(since: start)
        guard let events = reply["events"]?.intValue, events == Int64(commands.count) else { BenchCommand.failure("the Import was refused: \(reply)") }
        return (events, seconds)
    }

    private static func call(_ client: BlockingClient, _ method: String, _ parameters: JSONValue) -> [String: JSONValue] {
        let request = JSONSerializer.serialize(["method": .string("org.clusterd.Registry.\(method)"), "parameters": parameters] as JSONValue) + [0]
        let reply = client.exchangeReply(request)
        guard let parsed = try? JSONParser.parse(Array(reply.utf8)), parsed["error"] == nil, let parameters = parsed["parameters"]?.objectValue else {
            BenchCommand.failure("\(method) failed: \(reply.prefix(300))")
        }
        return parameters
    }
}
