import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// clusterctl as a user runs it.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
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
        #expect(full.standardError == "clusterctl: error: cannot write to standard output: No space left on device — check where the output goes (a full disk?)\n")
        let head = try await runToCompletion("/bin/bash", ["-c", "'\(clusterctl)' --socket '\(daemon.socketPath)' status | head -1; echo \"exit ${PIPESTATUS[0]}\""])
        #expect(head.standardOutput.hasPrefix("version   "))
        #expect(head.standardOutput.hasSuffix("exit 0\n"), "\(head.standardOutput)")
        #expect(head.standardError.isEmpty, "\(head.standardError)")
    }

    /// `--log` given something that is no clusterd log says what it is, with the codes of
    /// sysexits.h (it was "DAMAGED", exit 1, for a text file, and "mmap: No such device" for a
    /// directory).
    @Test func aLogPathThatIsNoLogIsNamedForWhatItIs() async throws {
        let clusterctl = try BuiltProducts.executable("clusterctl")
        let directory = try TemporaryDirectory()
        let text = directory.file("passwd")
        try "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n".write(toFile: text, atomically: true, encoding: .utf8)
        let fifo = directory.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases: [([String], Int32, String)] = [
            (["verify", "--log", text], 65, "is not a clusterd log"),
            (["stats", "--log", text], 65, "not a clusterd log"),
            (["verify", "--log", directory.path], 66, "is a directory"),
            (["stats", "--log", directory.path], 66, "is a directory"),
            (["verify", "--log", fifo], 66, "is not a regular file"),
            (["stats", "--log", fifo], 66, "is not a regular file"),
            (["verify", "--log", "/dev/null"], 66, "is not a regular file"),
            (["verify", "--log", text, "--snapshots", directory.file("missing")], 64, "--snapshots: '\(directory.file("missing"))' is not a directory"),
            (["verify", "--log", directory.file("missing")], 66, "No such file or directory"),
        ]
        for (arguments, code, message) in cases {
            let result = try await runToCompletion(clusterctl, arguments)
            #expect(result.status == code, "\(arguments): \(result.standardError)")
            #expect(result.standardError.hasPrefix("clusterctl: ") && result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
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
