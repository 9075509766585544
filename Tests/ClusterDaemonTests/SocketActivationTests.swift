import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// clusterd started the way systemd starts it from clusterd.socket: with a listening socket as fd 3.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct SocketActivationTests {
    @Test func adoptsTheSocketPassedBySystemdSocketActivate() async throws {
        let activate = try #require(
            ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            },
            "systemd-socket-activate is missing (Scripts/test installs the systemd package)"
        )
        let directory = try TemporaryDirectory()
        let socketPath = directory.file("activated.sock")
        // systemd-socket-activate passes the daemon only the environment it is told to: a
        // sanitizer run's options must reach the daemon too.
        let passed = ["ASAN_OPTIONS", "TSAN_OPTIONS"].filter { ProcessInfo.processInfo.environment[$0] != nil }.flatMap { ["-E", $0] }
        // systemd-socket-activate closes every descriptor it does not pass on: why ChildProcess
        // reaps its children itself instead of through Foundation (see ChildProcess).
        let process = try ChildProcess(
            activate,
            passed + ["-l", socketPath, try BuiltProducts.executable("clusterd"), "--state-dir", directory.file("state")],
            outputIn: directory,
            label: "activate"
        )
        try await RunningDaemon.waitForSocket(socketPath, process: process)
        // The first connection makes systemd-socket-activate start clusterd on the same socket.
        let client = try await VarlinkClient.connect(to: socketPath)
        let status = try await client.call("org.clusterd.Registry.GetStatus")
        #expect(status["events"] == 0)
        await client.close()
        process.send(SIGTERM)
        #expect(try await process.waitForExit() == 0)
        #expect(process.standardError.contains("listening on an inherited socket"))
    }
}
