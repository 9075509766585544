import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// `clusterctl watch` as scripts use it: into a file or a pipe, from a sequence number on.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 5))))
struct ClusterctlWatchTests {
    /// Registers a company (the SIRENs pass the Luhn check).
    func register(_ siren: String, on client: VarlinkClient) async throws {
        _ = try await client.call(
            "org.clusterd.Registry.RegisterCompany",
            ["siren": .string(siren), "name": "Watched", "naf": "62.01Z", "department": "31", "employees": 3]
        )
    }

    /// Waits until `process` has printed `count` lines, and returns them.
    func lines(of process: ChildProcess, count: Int) async throws -> [Substring] {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let lines = process.standardOutput.split(separator: "\n")
            if lines.count >= count { return lines }
            guard ContinuousClock.now < deadline, process.isRunning else {
                throw TestSupportError("\(lines.count) of \(count) lines; standard error: \(process.standardError)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Into a file, each event arrives as it is committed (not when a buffer fills), and
    /// `--from-seq N` starts at N, as `log dump --from-seq N` does.
    @Test func watchWritesEachEventAsItComesFromTheGivenSequenceOn() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        for siren in ["732829320", "552100554", "443061841"] { try await register(siren, on: client) }
        let watch = try ChildProcess(
            try BuiltProducts.executable("clusterctl"), ["--socket", daemon.socketPath, "watch", "--from-seq", "2", "--json"],
            outputIn: daemon.directory, label: "watch"
        )
        let backlog = try await lines(of: watch, count: 2)
        #expect(try backlog.map { try JSONParser.parse(String($0))["seq"] } == [2, 3])
        try await register("356000000", on: client)
        let followed = try await lines(of: watch, count: 3)
        #expect(try JSONParser.parse(String(followed[2]))["seq"] == 4)
        #expect(watch.isRunning)
        watch.send(SIGINT)
        _ = try await watch.waitForExit()
        #expect(watch.standardError.isEmpty, "\(watch.standardError)")

        let dump = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["--socket", daemon.socketPath, "log", "dump", "--from-seq", "2"], timeout: .seconds(60))
        #expect(try dump.standardOutput.split(separator: "\n").map { try JSONParser.parse(String($0))["seq"] } == [2, 3, 4])
    }

    /// `watch | head -1`: once the reader is gone, the next event ends the watch, quietly.
    @Test func watchEndsQuietlyWhenItsReaderGoesAway() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        try await register("732829320", on: client)
        let clusterctl = try BuiltProducts.executable("clusterctl")
        let pipeline = try ChildProcess(
            "/bin/bash", ["-c", "'\(clusterctl)' --socket '\(daemon.socketPath)' watch --from-seq 1 | head -1; echo \"watch exit ${PIPESTATUS[0]}\""],
            outputIn: daemon.directory, label: "pipeline"
        )
        _ = try await lines(of: pipeline, count: 1)
        // head has its line and is gone, or about to be: the next events find the pipe closed.
        try await Task.sleep(for: .milliseconds(200))
        for siren in ["552100554", "443061841"] { try await register(siren, on: client) }
        #expect(try await pipeline.waitForExit() == 0)
        let output = pipeline.standardOutput.split(separator: "\n")
        #expect(output.count == 2)
        // Exit 0 when it saw EPIPE, 141 had it died of SIGPIPE: either way, nothing on stderr.
        #expect(output.last == "watch exit 0" || output.last == "watch exit 141", "\(output)")
        #expect(pipeline.standardError.isEmpty, "\(pipeline.standardError)")
    }
}
