import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// The real clusterd binary, started as a process and talked to over its socket.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct DaemonProcessTests {
    @Test func answersGetStatus() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let status = try await client.call("org.clusterd.Registry.GetStatus")
        #expect(status["version"]?.stringValue?.isEmpty == false)
        #expect(status["last_seq"] == 0)
        #expect(status["events"] == 0)
        #expect(status["log_path"] == .string(daemon.stateDirectory + "/events.log"))
        #expect(status["log_bytes"]?.intValue != nil)
        #expect(status["replay_ms"]?.intValue != nil)
        let startedAt = try #require(status["started_at"]?.stringValue)
        #expect(startedAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func listsItsInterfaceAndServesAParsableDescription() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let info = try await client.call("org.varlink.service.GetInfo")
        #expect(info["interfaces"]?.arrayValue?.contains("org.clusterd.Registry") == true)
        let reply = try await client.call("org.varlink.service.GetInterfaceDescription", ["interface": "org.clusterd.Registry"])
        let description = try #require(reply["description"]?.stringValue)
        #expect(try VarlinkInterface(parsing: description).name == "org.clusterd.Registry")
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func keepsAnsweringAfterGarbage() async throws {
        let daemon = try await RunningDaemon(extraArguments: ["--max-message-bytes", "65536"])
        let garbage: [[UInt8]] = [
            Array("not json at all\0".utf8),
            Array("{\"method\":\"org.clusterd.Registry.Nope\"}\0".utf8),
            Array("{\"method\":\"org.nothing.Here.Call\"}\0".utf8),
            Array("{\"method\":\"org.clusterd.Registry.GetStatus\",\"parameters\":{\"verbose\":true}}\0".utf8),
            Array("{\"method\":\"org.clusterd.Registry.GetStatus\",\"parameters\":\"x\"}\0".utf8),
            (0..<5000).map { _ in UInt8.random(in: 1...255) } + [0],
            [UInt8](repeating: UInt8(ascii: "{"), count: 200_000),
        ]
        for bytes in garbage {
            let socket = try UnixSocket(connectingTo: daemon.socketPath)
            await socket.send(bytes)
            let reply = await socket.receiveMessage()
            #expect(reply?.contains("\"error\"") == true, "no error reply to \(String(decoding: bytes.prefix(60), as: UTF8.self))")
        }
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await client.call("org.clusterd.Registry.GetStatus")["events"] == 0)
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func namesTheErrorsOfBadCalls() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        await #expect(throws: VarlinkError.methodNotFound("org.clusterd.Registry.Nope")) {
            try await client.call("org.clusterd.Registry.Nope")
        }
        await #expect(throws: VarlinkError.invalidParameter("verbose", reason: "unknown field")) {
            try await client.call("org.clusterd.Registry.GetStatus", ["verbose": true])
        }
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func aSecondDaemonOnTheSameStateDirectoryRefusesToStart() async throws {
        let first = try await RunningDaemon()
        let second = try await runToCompletion(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", first.stateDirectory, "--socket", first.directory.file("second.sock")]
        )
        #expect(second.status == 75)
        #expect(second.standardError.contains("already running on this state directory"))
        #expect(second.standardError.contains("\(first.process.processIdentifier)"))
        // The first one is untouched.
        let client = try await VarlinkClient.connect(to: first.socketPath)
        _ = try await client.call("org.clusterd.Registry.GetStatus")
        await client.close()
        #expect(try await first.stop() == 0)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func stopsGracefullyOnSignalsAndRemovesItsSocket(signal: Int32) async throws {
        let daemon = try await RunningDaemon()
        daemon.process.send(signal)
        #expect(try await daemon.process.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        #expect(daemon.process.standardError.contains("stopped"))
    }

    @Test func refusesToTakeOverASocketAnotherServerListensOn() async throws {
        let first = try await RunningDaemon()
        let directory = try TemporaryDirectory()
        let second = try await runToCompletion(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", directory.file("state"), "--socket", first.socketPath]
        )
        #expect(second.status == 69)
        #expect(second.standardError.contains("another server is already listening there"))
        // Refused before it created anything: no state directory, no lock, no log.
        #expect(!FileManager.default.fileExists(atPath: directory.file("state")))
        // Nor where its socket's directory is missing.
        let nowhere = try await runToCompletion(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", directory.file("state"), "--socket", directory.file("missing/clusterd.sock")]
        )
        #expect(nowhere.status == 69)
        #expect(nowhere.standardError.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("state")))
        #expect(try await first.stop() == 0)
    }

    @Test(arguments: [
        (["--max-connections", "0"], "--max-connections"),
        (["--historical-read-threads", "0"], "--historical-read-threads: must be 1 to 64"),
        (["--max-message-bytes", "2048", "--connection-byte-limit", "2048"], "--connection-byte-limit: must be more than --max-message-bytes"),
        (["--server-byte-budget", "1000"], "--server-byte-budget: must be at least 1 MiB"),
    ])
    func rejectsBadArgumentsWithUsageErrors(arguments: [String], message: String) async throws {
        let directory = try TemporaryDirectory()
        let result = try await runToCompletion(try BuiltProducts.executable("clusterd"), ["--state-dir", directory.file("state")] + arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
        // Refused before anything was written.
        #expect(!FileManager.default.fileExists(atPath: directory.file("state")))
    }
}
