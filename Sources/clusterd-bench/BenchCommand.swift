import ArgumentParser
import Foundation

/// clusterd-bench BENCHMARK [options]: prints one JSON line per figure. Scripts/bench runs it in
/// release mode, adds the baselines measured outside Swift (SQLite, PostgreSQL), and writes
/// docs/benchmarks.md.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterd-bench",
        abstract: "Measures clusterd; prints one JSON line per figure.",
        subcommands: [
            Throughput.self, Latency.self, Replay.self, MakeLog.self, TenYears.self, Apply.self, Memory.self, MemoryLoaded.self, Queries.self, PingPong.self,
            Writes.self, Reads.self, Import.self, Decode.self, Interference.self, Twins.self, People.self,
        ]
    )

    /// Stops with exit code 1, naming what went wrong in a run (the daemon refused its calls).
    static func failure(_ message: String) -> Never {
        FileHandle.standardError.write(Data("clusterd-bench: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

/// Where benchmarks that write files write them.
struct DirectoryOption: ParsableArguments {
    @Option(help: ArgumentHelp("Directory for the files written.", valueName: "dir"))
    var dir: String = NSTemporaryDirectory()
}

/// The daemon a benchmark talks to.
struct SocketOption: ParsableArguments {
    @Option(help: ArgumentHelp("The daemon's socket.", valueName: "path"))
    var socket: String
}

/// A value that must be positive: `--NAME` and what was given.
func requirePositive<Value: Comparable & ExpressibleByIntegerLiteral>(_ value: Value, _ name: String) throws {
    guard value > 0 else { throw ValidationError("--\(name): must be positive") }
}

extension BenchCommand {
    struct Throughput: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Durable appends to the log by concurrent appenders.")
        @OptionGroup var directory: DirectoryOption
        @Option var events = 1_000_000
        @Option var appenders = 64
        func validate() throws {
            try requirePositive(events, "events")
            try requirePositive(appenders, "appenders")
        }
        func run() async throws {
            try await LogBenchmarks.throughput(directory: directory.dir, events: events, appenders: appenders)
        }
    }

    struct Latency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One appender: p50 and p99 of a durable append.")
        @OptionGroup var directory: DirectoryOption
        @Option var count = 20_000
        func validate() throws { try requirePositive(count, "count") }
        func run() async throws {
            try await LogBenchmarks.latency(directory: directory.dir, count: count)
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open, decode, replay and verify a log it writes.")
        @OptionGroup var directory: DirectoryOption
        @Option var events = 1_000_000
        @Option(help: "Keep the log (yes) for the steps after.") var keep: String?
        @Option(help: ArgumentHelp("Measure this log (the ten-years one) instead of writing one.", valueName: "path")) var log: String?
        func validate() throws { try requirePositive(events, "events") }
        func run() async throws {
            if let log {
                try LogBenchmarks.replay(path: log, events: nil, prefix: "ten_years_")
                return
            }
            let path = try await LogBenchmarks.buildLog(directory: directory.dir, events: events)
            try LogBenchmarks.replay(path: path, events: events)
            if keep == nil { unlink(path) }
        }
    }

    struct MakeLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "make-log", abstract: "Write a log of companies and memberships; print its path.")
        @OptionGroup var directory: DirectoryOption
        @Option var events = 1_000_000
        func validate() throws { try requirePositive(events, "events") }
        func run() async throws {
            print(try await LogBenchmarks.buildLog(directory: directory.dir, events: events))
        }
    }

    struct TenYears: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ten-years", abstract: "Import ten years of a network (joins, leaves, headcounts, surveys) into a daemon, up to --events events."
        )
        @OptionGroup var socket: SocketOption
        @Option var companies = 200_000
        @Option var events = 10_000_000
        @Option(help: "Commands per Import call.") var perCall = 20_000
        func validate() throws {
            try requirePositive(companies, "companies")
            try requirePositive(events, "events")
            try requirePositive(perCall, "per-call")
        }
        func run() { TenYearsBenchmark.importInto(socket: socket.socket, companies: companies, events: events, perCall: perCall) }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "apply() on the demo event mix.")
        @Option var rounds = 10
        func validate() throws { try requirePositive(rounds, "rounds") }
        func run() { ModelBenchmarks.apply(rounds: rounds) }
    }

    struct Memory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Projection memory per company.")
        @Option var events = 1_000_000
        func validate() throws { try requirePositive(events, "events") }
        func run() { ModelBenchmarks.memory(companies: events) }
    }

    struct MemoryLoaded: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "memory-loaded", abstract: "Projection memory per company, loaded from a snapshot's payload (run by memory).")
        @Option var file: String
        @Option var companies: Int
        func validate() throws { try requirePositive(companies, "companies") }
        func run() { ModelBenchmarks.memoryLoaded(path: file, companies: companies) }
    }

    struct Queries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point queries through a daemon holding the demo network.")
        @OptionGroup var directory: DirectoryOption
        @OptionGroup var socket: SocketOption
        @Option var count = 20_000
        @Option(help: ArgumentHelp("A raw ping-pong server to compare with.", valueName: "path")) var baselineSocket: String?
        @Option(help: ArgumentHelp("How the processes were placed, for the figures' names.", valueName: "name")) var placement: String?
        func validate() throws { try requirePositive(count, "count") }
        func run() {
            QueryBenchmarks.pointQueries(
                socket: socket.socket, directory: directory.dir, count: count, baselineSocket: baselineSocket, placement: placement
            )
        }
    }

    struct PingPong: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pingpong", abstract: "A raw ping-pong server, until killed.")
        @OptionGroup var socket: SocketOption
        func run() {
            let server = PingPongServer(path: socket.socket, replySize: nil)
            withExtendedLifetime(server) { while true { sleep(3600) } }
        }
    }

    struct Writes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Durable writes through a daemon holding the demo network.")
        @OptionGroup var socket: SocketOption
        @Option var clients = 1
        @Option var seconds = 10.0
        func validate() throws {
            try requirePositive(clients, "clients")
            try requirePositive(seconds, "seconds")
        }
        func run() { DaemonBenchmarks.writes(socket: socket.socket, clients: clients, seconds: seconds) }
    }

    struct Reads: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "GetCompany through a daemon holding the demo network.")
        @OptionGroup var directory: DirectoryOption
        @OptionGroup var socket: SocketOption
        @Option var connections = 1
        @Option var seconds = 5.0
        @Option(help: "The daemon holds ten-years --companies N, not the demo network.") var tenYearsCompanies: Int?
        func validate() throws {
            try requirePositive(connections, "connections")
            try requirePositive(seconds, "seconds")
            if let tenYearsCompanies { try requirePositive(tenYearsCompanies, "ten-years-companies") }
        }
        func run() {
            DaemonBenchmarks.reads(
                socket: socket.socket, directory: directory.dir, connections: connections, seconds: seconds, tenYearsCompanies: tenYearsCompanies
            )
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import of the demo network into an empty daemon.")
        @OptionGroup var socket: SocketOption
        func run() { DaemonBenchmarks.importDemo(socket: socket.socket) }
    }

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decoding the demo Import's parameters, in process.")
        @Option var rounds = 10
        @Option(help: "Decode on both cores (yes).") var parallel: String?
        func validate() throws { try requirePositive(rounds, "rounds") }
        func run() { DaemonBenchmarks.decodeDemo(rounds: rounds, parallel: parallel == "yes") }
    }

    struct Twins: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each fast twin beside the general code it stands in for, in process.")
        @Option var rounds = 7
        func validate() throws { try requirePositive(rounds, "rounds") }
        func run() { TwinBenchmarks.run(rounds: rounds) }
    }

    struct Interference: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "GetCompany and writes with and without historical reads beside them.")
        @OptionGroup var socket: SocketOption
        @Option(help: "The length of the daemon's log, written by make-log.") var events = 1_000_000
        @Option var count = 2_000
        func validate() throws {
            try requirePositive(events, "events")
            try requirePositive(count, "count")
        }
        func run() { HistoricalInterference.run(socket: socket.socket, events: events, count: count) }
    }
}

extension BenchCommand {
    struct People: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Testers enrolled (keys made, fields sealed) and counted (birth years opened) by a daemon with a key store.")
        @OptionGroup var socket: SocketOption
        @Option var testers = 9_000
        @Option var statsRounds = 5
        func validate() throws {
            try requirePositive(testers, "testers")
        }
        func run() async throws {
            PeopleBenchmarks.run(socket: socket.socket, testers: testers, statsRounds: statsRounds)
        }
    }
}
