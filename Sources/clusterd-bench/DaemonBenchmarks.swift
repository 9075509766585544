import ClusterDaemon
import ClusterModel
import Foundation
import Varlink

/// The whole daemon measured through its socket: durable writes, concurrent reads, Import.
enum DaemonBenchmarks {
    /// The active clusters of the demo network, which the daemon under test holds.
    static let demoClusters = DemoNetwork.defaultCommands.compactMap { command -> String? in
        if case .registerCluster(let record) = command, record.id.text != DemoNetwork.dissolvedClusterID { return record.id.text }
        return nil
    }

    /// The SIRENs of every company the demo network registers.
    static let demoSIRENs = DemoNetwork.defaultCommands.compactMap { command -> String? in
        if case .registerCompany(let record) = command { return record.siren.description }
        return nil
    }

    /// `clients` connections, each alternating RegisterCompany of a new company and JoinCluster
    /// of that company, for `seconds`: durable writes per second, p50 and p99 of each call. One
    /// thread drives every connection, as pgbench does (ConnectionDriver).
    static func writes(socket path: String, clients: Int, seconds: Double) {
        // New SIRENs, apart from the demo's (30,000,000…) and from a run with another client count.
        let base = 40_000_000 + clients * 200_000
        // Each client writes at least one RegisterCompany and its JoinCluster, however slow.
        let outcome = ConnectionDriver.run(socket: path, connections: clients, seconds: seconds, minimumCalls: 2) { client, call in
            let index = call / 2
            guard let siren = SIREN.withCheckDigit(prefix: UInt32(base + client * 100_000 + index)) else {
                fatalError("out of SIRENs for client \(client)")
            }
            if call % 2 == 0 {
                return message("RegisterCompany", #""siren":"\#(siren)","name":"Bench \#(client)-\#(index)","naf":"62.01Z","department":"69","employees":\#(1 + index % 200)"#)
            }
            let cluster = demoClusters[(client + index) % demoClusters.count]
            return message("JoinCluster", #""cluster":"\#(cluster)","siren":"\#(siren)","date":"2026-01-15""#)
        }
        if let first = outcome.errors.first {
            BenchCommand.failure(
                "the daemon refused \(outcome.errors.count) of \(outcome.latencies.count) writes, e.g. \(first); the benchmark registers "
                    + "new companies and joins them to the demo's clusters, so it needs the demo network and no earlier run with \(clients) client(s)"
            )
        }
        let latencies = outcome.latencies
        let label = clients == 1 ? "1_client" : "\(clients)_clients"
        let note = "RegisterCompany + JoinCluster alternating on \(clients) connection(s) driven by one thread, \(latencies.count) calls in \(String(format: "%.1f", outcome.elapsed)) s, each acknowledged after fdatasync"
        Figure(name: "daemon_writes_\(label)", value: Double(latencies.count) / outcome.elapsed, unit: "writes/s", note: note).printed()
        Figure(name: "daemon_writes_\(label)_p50", value: median(latencies) * 1e6, unit: "µs").printed()
        Figure(name: "daemon_writes_\(label)_p99", value: percentile(latencies, 99) * 1e6, unit: "µs").printed()
    }

    /// GetCompany on `connections` connections at once for `seconds`, beside a raw ping-pong server
    /// answering the same sizes on as many connections.
    /// `tenYearsCompanies`: the daemon holds `ten-years --companies N` instead of the demo network;
    /// the companies of its first year are read, and the figures' names say so.
    static func reads(socket path: String, directory: String, connections: Int, seconds: Double, tenYearsCompanies: Int? = nil) {
        let sirens = tenYearsCompanies.map { count in (0..<count * 6 / 10).map { TenYearsNetwork.siren($0).description } } ?? demoSIRENs
        let prefix = tenYearsCompanies == nil ? "" : "ten_years_"
        let requests = (0..<4096).map { message("GetCompany", #""siren":"\#(sirens[$0 * 7919 % sirens.count])""#) }
        let replySize = BlockingClient(path: path).exchange(requests[0])
        let pingPong = PingPongServer(path: directory + "/ping-\(connections).sock", replySize: replySize)

        func run(_ socket: String) -> (rate: Double, latencies: [Double]) {
            let deadline = Clock.now() + UInt64(seconds * 1e9)
            let results = (0..<connections).map { _ in WorkerResult() }
            let group = DispatchGroup()
            let start = Clock.now()
            for worker in 0..<connections {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    let client = BlockingClient(path: socket)
                    var index = worker * 509
                    while Clock.now() < deadline {
                        let begin = Clock.now()
                        _ = client.exchange(requests[index % requests.count])
                        results[worker].latencies.append(Clock.seconds(since: begin))
                        index += 1
                    }
                }
            }
            group.wait()
            let latencies = results.flatMap(\.latencies)
            return (Double(latencies.count) / Clock.seconds(since: start), latencies)
        }
        let daemon = run(path)
        let raw = run(pingPong.path)
        let label = connections == 1 ? "1_connection" : "\(connections)_connections"
        Figure(name: "\(prefix)get_company_\(label)_throughput", value: daemon.rate, unit: "requests/s", baselineName: "raw ping-pong, same connections", baseline: raw.rate, note: "\(seconds) s each").printed()
        Figure(name: "\(prefix)get_company_\(label)_p50", value: median(daemon.latencies) * 1e6, unit: "µs", baselineName: "raw ping-pong p50", baseline: median(raw.latencies) * 1e6).printed()
        Figure(name: "\(prefix)get_company_\(label)_p99", value: percentile(daemon.latencies, 99) * 1e6, unit: "µs", baselineName: "raw ping-pong p99", baseline: percentile(raw.latencies, 99) * 1e6).printed()
        withExtendedLifetime(pingPong) {}
    }

    /// The demo network's commands as an Import lists them.
    static func demoImportCommands() -> [JSONValue] {
        DemoNetwork.defaultCommands.map(CommandEncoding.importEntry)
    }

    /// Import of the whole demo network (one call, all or nothing) into an empty daemon.
    static func importDemo(socket path: String) {
        let commands = demoImportCommands()
        let call: JSONValue = ["method": "org.clusterd.Registry.Import", "parameters": ["commands": .array(commands)]]
        let request = JSONSerializer.serialize(call) + [0]
        let client = BlockingClient(path: path)
        let start = Clock.now()
        let reply = client.exchangeReply(request)
        let elapsed = Clock.seconds(since: start)
        guard let parsed = try? JSONParser.parse(Array(reply.utf8)), let events = parsed["parameters"]?["events"]?.intValue, events > 0 else {
            BenchCommand.failure("the Import was refused (is the daemon empty?): \(reply.prefix(300))")
        }
        Figure(
            name: "import_demo", value: Double(events) / elapsed, unit: "events/s",
            note: "\(commands.count) commands, \(events) events, \(request.count / 1024) KiB request, \(Int(elapsed * 1000)) ms from sending to the durable reply"
        ).printed()
    }

    /// Decoding the demo network's Import parameters in this process, as the daemon does: on
    /// this thread, or (`parallel`) cut in chunks read by both cores.
    static func decodeDemo(rounds: Int, parallel: Bool) {
        let commands = demoImportCommands()
        let parameters = JSONSerializer.serialize(["commands": .array(commands)] as JSONValue)
        var times: [Double] = []
        for _ in 0..<max(rounds, 1) {
            let start = Clock.now()
            guard ImportDecodingBenchmark.decode(parameters, parallel: parallel) == commands.count else {
                BenchCommand.failure("the demo network's Import parameters did not decode on the direct path")
            }
            times.append(Clock.seconds(since: start))
        }
        let median = times.sorted()[times.count / 2]
        Figure(
            name: parallel ? "import_decode_parallel" : "import_decode", value: Double(commands.count) / median, unit: "commands/s",
            note: "\(commands.count) commands, \(parameters.count / 1024) KiB, median of \(times.count): \(String(format: "%.1f", median * 1000)) ms"
        ).printed()
    }

    private static func message(_ method: String, _ parameters: String) -> [UInt8] {
        Array("{\"method\":\"org.clusterd.Registry.\(method)\",\"parameters\":{\(parameters)}}".utf8) + [0]
    }
}

/// What one worker thread measured; each thread writes only its own.
final class WorkerResult: @unchecked Sendable {
    var latencies: [Double] = []
}
