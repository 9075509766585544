import ArgumentParser
import ClusterDaemon
import ClusterModel
import EventLog
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Where a read command finds the registry: the daemon's socket, or a log file to replay offline.
struct ConnectionOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("The daemon's socket (default: $CLUSTERD_SOCKET, else /run/clusterd.sock).", valueName: "path"))
    var socket: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Answer from this log file, read-only, without the daemon (audits).", valueName: "path"))
    var log: String?

    func validate() throws {
        if socket != nil && log != nil { throw ValidationError("--socket and --log exclude each other: ask the daemon, or read a log file") }
    }

    /// The socket path to connect to.
    var socketPath: String { SocketOptions.resolve(socket) }

    /// The `--log` file opened read-only without replaying it, for commands that read records.
    func openLog() throws -> EventLog {
        guard let log else { throw ValidationError("--log PATH names the log file to read") }
        return try OfflineEndpoint.openLog(path: log)
    }

    /// Runs `body` against the daemon or the log file, turning failures into messages and exit codes.
    func with<Result>(_ body: (any RegistryEndpoint) async throws -> Result) async throws -> Result {
        if let log {
            let endpoint = try OfflineEndpoint.open(path: log)
            return try await DaemonConnection.reportingErrors(place: log) { try await body(endpoint) }
        }
        return try await DaemonConnection.with(socketPath: socketPath) { client in try await body(DaemonEndpoint(client: client)) }
    }
}

/// Where a write command sends its request: the daemon's socket only. `--log` is refused with a
/// message that says why (hidden from the help: it means nothing here).
struct SocketOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("The daemon's socket (default: $CLUSTERD_SOCKET, else /run/clusterd.sock).", valueName: "path"))
    var socket: String?

    @Option(parsing: .unconditional, help: .hidden) var log: String?

    func validate() throws {
        if log != nil { throw ValidationError("--log: this command writes to the daemon, and a log file is only ever read; give --socket PATH (or nothing)") }
    }

    /// The socket path to connect to: `--socket`, else $CLUSTERD_SOCKET, else the default.
    static func resolve(_ socket: String?) -> String {
        if let socket { return socket }
        if let fromEnvironment = getenv("CLUSTERD_SOCKET"), fromEnvironment.pointee != 0 {
            return String(cString: fromEnvironment)
        }
        return DaemonConfiguration.defaultSocketPath
    }

    /// Runs `body` against the daemon, turning failures into messages and exit codes.
    func with<Result>(_ body: (any RegistryEndpoint) async throws -> Result) async throws -> Result {
        try await DaemonConnection.with(socketPath: Self.resolve(socket)) { client in try await body(DaemonEndpoint(client: client)) }
    }
}

/// The log file a command reads, without the daemon (`verify`, `audit report`). `--socket` is
/// refused with a message that says why (hidden from the help).
struct LogFileOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("The log file to read (read-only; the daemon's is /var/lib/clusterd/events.log).", valueName: "path"))
    var log: String

    @Option(parsing: .unconditional, help: .hidden) var socket: String?

    func validate() throws {
        if socket != nil { throw ValidationError("--socket: this command reads a log file and never asks the daemon; give --log PATH") }
    }

    /// The log file opened read-only without replaying it.
    func openLog() throws -> EventLog {
        try OfflineEndpoint.openLog(path: log)
    }
}
