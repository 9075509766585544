import Foundation

/// clusterd-bench BENCHMARK [--dir DIR] [--events N] [--socket PATH] [--count N]
///
/// Prints one JSON line per figure. Scripts/bench runs it in release mode, adds the baselines
/// measured outside Swift (SQLite), and writes docs/benchmarks.md.
@main
struct BenchCommand {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let benchmark = arguments.first else {
            FileHandle.standardError.write(Data("usage: clusterd-bench throughput|latency|replay|make-log|apply|memory|queries|reads|writes|import [--dir DIR] [--events N] [--count N] [--socket PATH] [--clients N] [--connections N] [--seconds S]\n".utf8))
            exit(64)
        }
        arguments.removeFirst()
        var options: [String: String] = [:]
        while arguments.count >= 2, arguments[0].hasPrefix("--") {
            options[String(arguments[0].dropFirst(2))] = arguments[1]
            arguments.removeFirst(2)
        }
        let directory = options["dir"] ?? NSTemporaryDirectory()
        let events = Int(options["events"] ?? "") ?? 1_000_000
        let count = Int(options["count"] ?? "") ?? 20_000
        switch benchmark {
        case "throughput":
            try await LogBenchmarks.throughput(directory: directory, events: events, appenders: Int(options["appenders"] ?? "") ?? 64)
        case "latency":
            try await LogBenchmarks.latency(directory: directory, count: count)
        case "replay":
            let path = try await LogBenchmarks.buildLog(directory: directory, events: events)
            try LogBenchmarks.replay(path: path, events: events)
            if options["keep"] == nil { unlink(path) }
        case "apply":
            ModelBenchmarks.apply(rounds: Int(options["rounds"] ?? "") ?? 10)
        case "memory":
            ModelBenchmarks.memory(companies: events)
        case "queries":
            guard let socket = options["socket"] else { fatalError("--socket PATH of a daemon holding the demo network") }
            QueryBenchmarks.pointQueries(
                socket: socket, directory: directory, count: count, baselineSocket: options["baseline-socket"], placement: options["placement"]
            )
        case "pingpong":
            guard let socket = options["socket"] else { fatalError("--socket PATH to listen on") }
            let server = PingPongServer(path: socket, replySize: nil)
            withExtendedLifetime(server) { while true { sleep(3600) } }
        case "make-log":
            print(try await LogBenchmarks.buildLog(directory: directory, events: events))
        case "writes":
            guard let socket = options["socket"] else { fatalError("--socket PATH of a daemon holding the demo network") }
            DaemonBenchmarks.writes(socket: socket, clients: Int(options["clients"] ?? "") ?? 1, seconds: Double(options["seconds"] ?? "") ?? 10)
        case "reads":
            guard let socket = options["socket"] else { fatalError("--socket PATH of a daemon holding the demo network") }
            DaemonBenchmarks.reads(socket: socket, directory: directory, connections: Int(options["connections"] ?? "") ?? 1, seconds: Double(options["seconds"] ?? "") ?? 5)
        case "import":
            guard let socket = options["socket"] else { fatalError("--socket PATH of an empty daemon") }
            DaemonBenchmarks.importDemo(socket: socket)
        default:
            FileHandle.standardError.write(Data("unknown benchmark \(benchmark)\n".utf8))
            exit(64)
        }
    }
}
