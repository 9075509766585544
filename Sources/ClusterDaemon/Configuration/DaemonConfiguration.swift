import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Everything the daemon needs to know to start: where its state lives, where it listens, its limits.
public struct DaemonConfiguration: Sendable {
    /// Where clients connect.
    public enum Listener: Sendable, Hashable {
        /// Bind this path.
        case path(String)
        /// Serve a socket that systemd passed, already listening.
        case inherited(descriptor: Int32, name: String)
    }

    /// The default socket path, the one `clusterd.socket` listens on.
    public static let defaultSocketPath = "/run/clusterd.sock"

    /// Directory holding the log, snapshots and the lock file.
    public var stateDirectory: String
    public var listener: Listener
    /// Largest request accepted, in bytes.
    public var maximumMessageSize: Int = 16 * 1024 * 1024
    /// Most client connections at once.
    public var maximumConnections: Int = 1024
    /// Most connections of one uid other than root's and the daemon's; nil for half of
    /// `maximumConnections`.
    public var maximumConnectionsPerUser: Int?
    /// Slots of `maximumConnections` kept for root, the daemon's user and writers; nil for an
    /// eighth of it, at most 16.
    public var reservedConnections: Int?
    /// Most bytes one connection holds (requests not yet answered, replies not yet taken) before
    /// it is no longer read; nil for the largest message and 64 KiB.
    public var connectionByteLimit: Int?
    /// Most bytes all connections hold together beyond a small allowance each.
    public var serverByteBudget: Int = Self.defaultServerByteBudget
    public static let defaultServerByteBudget = VarlinkServerConfiguration.defaultServerByteBudget
    /// Idle connections are closed after this long.
    public var idleTimeout: Duration = .seconds(300)
    /// A connection whose peer takes no reply for this long is closed.
    public var writeTimeout: Duration = .seconds(30)
    /// When a snapshot of the projection is written, so that a restart replays only the log's
    /// tail: by what it costs (the default), or every so many events (`--snapshot-every`).
    public var snapshotPolicy: SnapshotPolicy = .byCost
    /// Threads that answer historical reads (`at_seq`, `at_time`, `History`), off the event loops.
    public var historicalReadThreads: Int = 1
    /// Members of this group may write (besides root and the daemon's own user).
    public var writersGroup = "clusterd-admin"
    /// Keep log records 1 to this sequence number and set the rest aside (an explicit repair).
    public var repairTruncateAfterSequence: UInt64?
    /// The file that holds the key store's wrapping key, outside the state directory
    /// (docs/key-store.md); the systemd credential `clusterd-key-store-key` takes precedence.
    public var keyStoreKeyFile: String?
    /// `$CREDENTIALS_DIRECTORY`, where systemd puts the unit's credentials.
    public var credentialsDirectory: String?
    /// Serve everything but personal fields, without opening the key store (a log that holds
    /// people and a key store that is lost, or not at hand).
    public var withoutPersonalData = false
    /// Members of this group may read personal fields (besides root and the daemon's user).
    public var privacyGroup = "clusterd-privacy"
    /// Years after their last activity that `ApplyRetention` erases a person (docs/privacy.md).
    public var retentionYears = 3

    public init(stateDirectory: String, listener: Listener) {
        self.stateDirectory = stateDirectory
        self.listener = listener
    }

    /// The path of the event log inside the state directory.
    public var logPath: String { stateDirectory + "/events.log" }

    /// The path of the lock file that keeps a second daemon off the state directory.
    public var lockPath: String { stateDirectory + "/clusterd.lock" }

    /// The state directory when none is given: `$STATE_DIRECTORY` under systemd, `/var/lib/clusterd`
    /// for root, `$XDG_STATE_HOME/clusterd` (or `~/.local/state/clusterd`) for other users.
    public static func defaultStateDirectory(environment: [String: String], isRoot: Bool) -> String {
        if let fromSystemd = environment["STATE_DIRECTORY"], !fromSystemd.isEmpty {
            // systemd passes a colon-separated list when several are configured; the first is ours.
            return String(fromSystemd.split(separator: ":").first ?? Substring(fromSystemd))
        }
        if isRoot { return "/var/lib/clusterd" }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/clusterd" }
        return (environment["HOME"] ?? ".") + "/.local/state/clusterd"
    }
}
