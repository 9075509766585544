import Foundation

/// The real `clusterd` binary running on a temporary state directory and socket.
public final class RunningDaemon: Sendable {
    public let directory: TemporaryDirectory
    public let process: ChildProcess
    public let socketPath: String
    public let stateDirectory: String

    /// Starts clusterd and waits until its socket accepts connections.
    public init(extraArguments: [String] = [], directory: TemporaryDirectory? = nil) async throws {
        let directory = try directory ?? TemporaryDirectory()
        self.directory = directory
        socketPath = directory.file("clusterd.sock")
        stateDirectory = directory.file("state")
        process = try ChildProcess(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", stateDirectory, "--socket", socketPath] + extraArguments,
            outputIn: directory,
            label: "clusterd"
        )
        try await Self.waitForSocket(socketPath, process: process)
        // Signal handlers are installed while the services start; wait until they all run, so
        // that a test's SIGTERM is never lost in that window.
        let deadline = ContinuousClock.now + .seconds(30)
        while !process.standardError.contains("ready"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until something accepts connections at `path`.
    public static func waitForSocket(_ path: String, process: ChildProcess, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !UnixSocket.isAcceptingConnections(path) {
            guard process.isRunning else {
                throw TestSupportError("clusterd exited before listening:\n\(process.standardError)")
            }
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("clusterd did not listen on \(path) within \(timeout):\n\(process.standardError)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends SIGTERM and returns the exit status.
    public func stop() async throws -> Int32 {
        process.send(SIGTERM)
        return try await process.waitForExit()
    }
}
