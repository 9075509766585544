import ClusterdTestSupport
import Foundation
import Testing

/// clusterd-bench refuses what it cannot run with swift-argument-parser's message and EX_USAGE,
/// not a crash.
struct BenchCommandTests {
    func bench(_ arguments: [String]) async throws -> ProcessResult {
        try await runToCompletion(try BuiltProducts.executable("clusterd-bench"), arguments, timeout: .seconds(60))
    }

    @Test(arguments: [
        (["queries"], "Missing expected argument '--socket <path>'"),
        (["import", "--socket", "/nonexistent", "--count", "5"], "Unknown option '--count'"),
        (["writes", "--socket", "/nonexistent", "--clients", "many"], "The value 'many' is invalid for '--clients <clients>'"),
        (["reads", "--socket", "/nonexistent", "--seconds", "0"], "--seconds: must be positive"),
        (["reads", "--socket", "/nonexistent", "--seconds", "-1"], "Missing value for '--seconds <seconds>'"),
        (["apply", "--rounds"], "Missing value for '--rounds <rounds>'"),
        (["apply", "rounds", "3"], "2 unexpected arguments: 'rounds', '3'"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
    ])
    func refusesBadArguments(arguments: [String], message: String) async throws {
        let result = try await bench(arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains("Error: \(message)"), "\(result.standardError)")
        #expect(result.standardError.contains("Usage: clusterd-bench"))
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
