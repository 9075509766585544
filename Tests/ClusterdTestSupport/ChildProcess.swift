import Foundation

/// A program started by a test, with its output captured in files (no pipes to fill up).
public final class ChildProcess: @unchecked Sendable {
    private let process: Process
    public let standardOutputPath: String
    public let standardErrorPath: String

    /// Starts `executable`; output goes to files in `directory`.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        outputIn directory: TemporaryDirectory,
        label: String = "child"
    ) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Never hand down the systemd variables that a test of this process may have set.
        var inherited = environment ?? ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] {
            inherited.removeValue(forKey: name)
        }
        process.environment = inherited
        standardOutputPath = directory.file("\(label).\(UUID().uuidString.prefix(8)).out")
        standardErrorPath = directory.file("\(label).\(UUID().uuidString.prefix(8)).err")
        _ = FileManager.default.createFile(atPath: standardOutputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: standardErrorPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: standardOutputPath)
        process.standardError = FileHandle(forWritingAtPath: standardErrorPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (e.g. SIGTERM) to the process.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit and returns its exit status (128 + signal when killed).
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                let output = standardError.suffix(2000)
                process.terminate()
                throw TestSupportError("process \(process.processIdentifier) did not exit within \(timeout); its standard error ends with:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    public var standardOutput: String { (try? String(contentsOfFile: standardOutputPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? "" }

    /// Kills a process still running, without waiting: `waitUntilExit` here blocked a thread of
    /// the cooperative pool until Foundation noticed the exit, and Foundation notices no exit at
    /// all while it waits for a child that closed the descriptor it watches (what
    /// systemd-socket-activate does before it execs): with both pool threads so blocked, the test
    /// that would have ended that child could not run, and the suite hung.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }
}

/// The outcome of a program run to completion.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs `executable` to completion and returns its exit status and output.
public func runToCompletion(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    timeout: Duration = .seconds(60)
) async throws -> ProcessResult {
    let directory = try TemporaryDirectory(prefix: "clusterd-run")
    let child = try ChildProcess(executable, arguments, environment: environment, outputIn: directory)
    let status = try await child.waitForExit(timeout: timeout)
    return ProcessResult(status: status, standardOutput: child.standardOutput, standardError: child.standardError)
}
