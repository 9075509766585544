import Foundation

/// A program started by a test, with its output captured in files (no pipes to fill up).
///
/// Started with posix_spawn and reaped here with waitpid, not through Foundation's `Process`:
/// Foundation learns that a child exited through a descriptor the child inherits, and
/// systemd-socket-activate closes every descriptor it does not pass on before it execs the daemon.
/// Foundation then waited in waitpid for that daemon and noticed no other child's exit until it
/// ended: other tests' waits ran into their timeouts, and once the deinit waited too, the suite
/// hung. Here each child is polled on its own, and nothing is shared between children.
public final class ChildProcess: @unchecked Sendable {
    public let processIdentifier: pid_t
    public let standardOutputPath: String
    public let standardErrorPath: String
    /// The exit status once reaped (128 + signal when killed, -1 if reaped elsewhere).
    private let status = NSLock()
    private var reaped: Int32?

    /// Starts `executable`; output goes to files in `directory`.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        outputIn directory: TemporaryDirectory,
        label: String = "child"
    ) throws {
        // Never hand down the systemd variables that a test of this process may have set.
        var inherited = environment ?? ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] {
            inherited.removeValue(forKey: name)
        }
        standardOutputPath = directory.file("\(label).\(UUID().uuidString.prefix(8)).out")
        standardErrorPath = directory.file("\(label).\(UUID().uuidString.prefix(8)).err")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardErrorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of the test process: another test's sockets and files stay its own.
        // (glibc 2.34 has it; the Glibc module does not declare it.)
        guard let closeFrom = Self.addCloseFrom else { throw TestSupportError("posix_spawn_file_actions_addclosefrom_np is missing") }
        guard closeFrom(&actions, 3) == 0 else { throw TestSupportError("posix_spawn_file_actions_addclosefrom_np failed") }

        // A clean signal state: the spawning thread may have signals blocked (a child shell then
        // never ran its SIGTERM trap), and ignored signals would stay ignored across exec.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = inherited.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestSupportError("could not start \(executable): \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    public var isRunning: Bool { exitStatus() == nil }

    /// Sends `signal` (e.g. SIGTERM) to the process, unless it was already reaped (its pid may
    /// then be another process's).
    public func send(_ signal: Int32) {
        status.lock()
        defer { status.unlock() }
        if reaped == nil { kill(processIdentifier, signal) }
    }

    /// The exit status if the process has ended (reaping it), nil while it runs.
    private func exitStatus() -> Int32? {
        status.lock()
        defer { status.unlock() }
        if reaped == nil {
            var raw: Int32 = 0
            let result = waitpid(processIdentifier, &raw, WNOHANG)
            if result == processIdentifier {
                // WIFEXITED: the low seven bits are zero; else WTERMSIG is in them.
                let signal = raw & 0x7f
                reaped = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            } else if result == -1 && errno == ECHILD {
                reaped = -1  // reaped by someone else: ended, with a status nobody can know
            }
        }
        return reaped
    }

    /// Waits for the process to exit and returns its exit status (128 + signal when killed).
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = exitStatus() { return status }
            guard ContinuousClock.now < deadline else {
                let output = standardError.suffix(2000)
                send(SIGKILL)
                throw TestSupportError("process \(processIdentifier) did not exit within \(timeout); its standard error ends with:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public var standardOutput: String { (try? String(contentsOfFile: standardOutputPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? "" }

    /// Kills a process still running and reaps it on a thread of its own, never on the
    /// cooperative pool that runs the tests.
    deinit {
        guard exitStatus() == nil else { return }
        kill(processIdentifier, SIGKILL)
        let pid = processIdentifier
        Thread.detachNewThread {
            var raw: Int32 = 0
            _ = waitpid(pid, &raw, 0)
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
