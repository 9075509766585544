import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// clusterctl as a user runs it.
@Suite(.timeLimit(.minutes(2)))
struct ClusterctlTests {
    @Test func statusPrintsAlignedText() async throws {
        let daemon = try await RunningDaemon()
        let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["--socket", daemon.socketPath, "status"])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("version   ") })
        #expect(lines.contains { $0.hasPrefix("last seq  0") })
        #expect(lines.contains { $0.hasPrefix("log       \(daemon.stateDirectory)/events.log") })
        #expect(try await daemon.stop() == 0)
    }

    /// Output that cannot be written is an error (it was ignored: exit 0, nothing written); a
    /// reader that takes what it wants and goes (`| head -1`) is not.
    @Test func outputThatCannotBeWrittenIsAnError() async throws {
        let daemon = try await RunningDaemon()
        let clusterctl = try BuiltProducts.executable("clusterctl")
        let full = try await runToCompletion("/bin/bash", ["-c", "'\(clusterctl)' --socket '\(daemon.socketPath)' status > /dev/full"])
        #expect(full.status == 74)
        #expect(full.standardError == "clusterctl: error: cannot write to standard output: No space left on device\n")
        let head = try await runToCompletion("/bin/bash", ["-c", "'\(clusterctl)' --socket '\(daemon.socketPath)' status | head -1; echo \"exit ${PIPESTATUS[0]}\""])
        #expect(head.standardOutput.hasPrefix("version   "))
        #expect(head.standardOutput.hasSuffix("exit 0\n"), "\(head.standardOutput)")
        #expect(head.standardError.isEmpty, "\(head.standardError)")
    }

    @Test func statusJSONIsExactlyTheReply() async throws {
        let daemon = try await RunningDaemon()
        let result = try await runToCompletion(
            try BuiltProducts.executable("clusterctl"),
            ["status", "--json", "--socket", daemon.socketPath]
        )
        #expect(result.status == 0)
        let printed = try JSONParser.parse(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let reply = try await client.call("org.clusterd.Registry.GetStatus")
        #expect(printed.objectValue.map { Set($0.keys) } == Set(reply.keys))
        #expect(printed["started_at"] == reply["started_at"])
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func theSocketComesFromTheEnvironment() async throws {
        let daemon = try await RunningDaemon()
        var environment = ProcessInfo.processInfo.environment
        environment["CLUSTERD_SOCKET"] = daemon.socketPath
        let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["status"], environment: environment)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains(daemon.socketPath))
        #expect(try await daemon.stop() == 0)
    }

    @Test func noDaemonMeansExitCode69AndOneLineNamingTheSocket() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("nobody.sock")
        let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["--socket", path, "status"])
        #expect(result.status == 69)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(path) == true)
    }
}
