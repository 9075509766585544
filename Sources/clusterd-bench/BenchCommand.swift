import Foundation

/// clusterd-bench BENCHMARK [--dir DIR] [--events N] [--socket PATH] [--count N]
///
/// Prints one JSON line per figure. Scripts/bench runs it in release mode, adds the baselines
/// measured outside Swift (SQLite), and writes docs/benchmarks.md.
@main
struct BenchCommand {
    static let usage = """
        usage: clusterd-bench BENCHMARK [--OPTION VALUE …]
          throughput [--dir DIR] [--events N] [--appenders N]   durable appends to the log
          latency [--dir DIR] [--count N]                       one appender, p50/p99
          replay [--dir DIR] [--events N] [--keep yes]          open, decode, replay, verify
          make-log [--dir DIR] [--events N]                     write a log and print its path
          apply [--rounds N]                                    apply the demo event mix
          memory [--events N]                                   projection memory per company
          queries --socket PATH [--count N] [--baseline-socket PATH] [--placement NAME]
          pingpong --socket PATH                                a raw ping-pong server
          writes --socket PATH [--clients N] [--seconds S]      durable writes through the daemon
          reads --socket PATH [--connections N] [--seconds S]   GetCompany through the daemon
          import --socket PATH                                  Import of the demo network (empty daemon)
          decode [--rounds N] [--parallel yes]                  decoding the demo Import's parameters, in process

        """

    /// Stops with the usage and exit code 64 (EX_USAGE), naming what was wrong.
    static func usageError(_ message: String) -> Never {
        FileHandle.standardError.write(Data("clusterd-bench: \(message)\n\n\(usage)".utf8))
        exit(64)
    }

    /// Stops with exit code 1, naming what went wrong in a run (the daemon refused its calls).
    static func failure(_ message: String) -> Never {
        FileHandle.standardError.write(Data("clusterd-bench: \(message)\n".utf8))
        exit(1)
    }

    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let benchmark = arguments.first else { usageError("no benchmark named") }
        arguments.removeFirst()
        var options: [String: String] = [:]
        while let option = arguments.first {
            guard option.hasPrefix("--"), option.count > 2 else { usageError("'\(option)' is not an option (--NAME VALUE)") }
            guard arguments.count >= 2 else { usageError("\(option) needs a value") }
            options[String(option.dropFirst(2))] = arguments[1]
            arguments.removeFirst(2)
        }
        func number<Value: LosslessStringConvertible & Comparable & ExpressibleByIntegerLiteral>(_ name: String, _ fallback: Value) -> Value {
            guard let text = options[name] else { return fallback }
            guard let value = Value(text), value > 0 else { usageError("--\(name): '\(text)' is not a positive number") }
            return value
        }
        func socket(_ what: String) -> String {
            guard let path = options["socket"] else { usageError("\(benchmark) needs --socket PATH (\(what))") }
            return path
        }
        let directory = options["dir"] ?? NSTemporaryDirectory()
        let events: Int = number("events", 1_000_000)
        let count: Int = number("count", 20_000)
        switch benchmark {
        case "throughput":
            try await LogBenchmarks.throughput(directory: directory, events: events, appenders: number("appenders", 64))
        case "latency":
            try await LogBenchmarks.latency(directory: directory, count: count)
        case "replay":
            let path = try await LogBenchmarks.buildLog(directory: directory, events: events)
            try LogBenchmarks.replay(path: path, events: events)
            if options["keep"] == nil { unlink(path) }
        case "apply":
            ModelBenchmarks.apply(rounds: number("rounds", 10))
        case "memory":
            ModelBenchmarks.memory(companies: events)
        case "queries":
            QueryBenchmarks.pointQueries(
                socket: socket("a daemon holding the demo network"), directory: directory, count: count,
                baselineSocket: options["baseline-socket"], placement: options["placement"]
            )
        case "pingpong":
            let server = PingPongServer(path: socket("where to listen"), replySize: nil)
            withExtendedLifetime(server) { while true { sleep(3600) } }
        case "make-log":
            print(try await LogBenchmarks.buildLog(directory: directory, events: events))
        case "writes":
            DaemonBenchmarks.writes(socket: socket("a daemon holding the demo network"), clients: number("clients", 1), seconds: number("seconds", 10.0))
        case "reads":
            DaemonBenchmarks.reads(
                socket: socket("a daemon holding the demo network"), directory: directory,
                connections: number("connections", 1), seconds: number("seconds", 5.0)
            )
        case "import":
            DaemonBenchmarks.importDemo(socket: socket("an empty daemon"))
        case "decode":
            DaemonBenchmarks.decodeDemo(rounds: number("rounds", 10), parallel: options["parallel"] == "yes")
        default:
            usageError("unknown benchmark '\(benchmark)'")
        }
    }
}
