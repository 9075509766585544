import ClusterdTestSupport
import Foundation
import Testing

/// clusterd-bench refuses what it cannot run with a message and EX_USAGE, not a crash.
struct BenchCommandTests {
    func bench(_ arguments: [String]) async throws -> ProcessResult {
        try await runToCompletion(try BuiltProducts.executable("clusterd-bench"), arguments, timeout: .seconds(60))
    }

    @Test(arguments: [
        ([], "no benchmark named"),
        (["queries"], "queries needs --socket PATH (a daemon holding the demo network)"),
        (["import", "--count", "5"], "import needs --socket PATH (an empty daemon)"),
        (["writes", "--socket", "/nonexistent", "--clients", "many"], "--clients: 'many' is not a positive number"),
        (["reads", "--socket", "/nonexistent", "--seconds", "-1"], "--seconds: '-1' is not a positive number"),
        (["apply", "--rounds"], "--rounds needs a value"),
        (["apply", "rounds", "3"], "'rounds' is not an option (--NAME VALUE)"),
        (["frobnicate"], "unknown benchmark 'frobnicate'"),
    ])
    func refusesBadArguments(arguments: [String], message: String) async throws {
        let result = try await bench(arguments)
        #expect(result.status == 64)
        #expect(result.standardError.hasPrefix("clusterd-bench: \(message)\n"), "\(result.standardError)")
        #expect(result.standardError.contains("usage: clusterd-bench BENCHMARK"))
    }

    /// Writes the daemon refuses (an empty daemon has none of the demo's clusters to join) end
    /// the run with what it said and exit 1, not a trap.
    @Test func aRunTheDaemonRefusesSaysWhyAndExits1() async throws {
        let daemon = try await RunningDaemon()
        let result = try await bench(["writes", "--socket", daemon.socketPath, "--seconds", "0.3"])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("clusterd-bench: the daemon refused "), "\(result.standardError)")
        #expect(result.standardError.contains("UnknownCluster"))
        #expect(result.standardError.contains("it needs the demo network"))
        #expect(!result.standardError.contains("Fatal error"))
    }
}
