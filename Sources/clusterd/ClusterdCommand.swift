import ArgumentParser
import ClusterDaemon
import Logging
import Systemd

#if canImport(Glibc)
import Glibc
#endif

@main
struct ClusterdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterd",
        abstract: "The member registry daemon of a network of business clusters.",
        discussion: """
            Appends membership and survey events to an append-only log in the state directory and
            answers queries with Varlink (interface org.clusterd.Registry) on a Unix socket.

            Defaults: the state directory is $STATE_DIRECTORY under systemd, /var/lib/clusterd for
            root, else $XDG_STATE_HOME/clusterd (~/.local/state/clusterd). The socket is the one
            systemd passes (socket activation), else --socket, else /run/clusterd.sock.

            Exit codes: 0 stopped cleanly (SIGTERM, SIGINT); 64 bad arguments; 65 the log is
            damaged (the message names file, offset and sequence number, and what to do);
            69 cannot listen; 73 state directory unusable; 74 the log cannot be read or written;
            75 another clusterd holds the state directory; 78 bad socket activation environment.
            """,
        version: ClusterdVersion.current
    )

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Directory for the log, snapshots and lock.", valueName: "dir"))
    var stateDirectory: String?

    @Option(help: ArgumentHelp("Unix socket path to listen on.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Least severe messages logged: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    @Option(help: ArgumentHelp("Largest request accepted, in bytes.", valueName: "bytes"))
    var maxMessageBytes: Int = 16 * 1024 * 1024

    @Option(help: ArgumentHelp("Most client connections served at once.", valueName: "count"))
    var maxConnections: Int = 1024

    @Option(help: ArgumentHelp("Most connections of one user other than root and the daemon's user; default: half of --max-connections.", valueName: "count"))
    var maxConnectionsPerUser: Int?

    @Option(help: ArgumentHelp("Connections of --max-connections kept for root, the daemon's user and writers; default: an eighth of it, at most 16.", valueName: "count"))
    var reservedConnections: Int?

    @Option(help: ArgumentHelp("Most bytes one connection may hold (calls not yet answered, replies not yet read) before it is no longer read; default: the largest message and 64 KiB.", valueName: "bytes"))
    var connectionByteLimit: Int?

    @Option(help: ArgumentHelp("Most bytes all connections may hold together beyond 16 KiB each; while it is spent, only small calls are read.", valueName: "bytes"))
    var serverByteBudget: Int = DaemonConfiguration.defaultServerByteBudget

    @Option(help: ArgumentHelp(
        "Write a snapshot of the projection after this many new events (and at shutdown). By default one is written when the log has grown by 8 times the last snapshot's size (at least 16 MiB).",
        valueName: "events"
    ))
    var snapshotEvery: UInt64?

    @Option(help: ArgumentHelp("Seconds after which a connection without a call in flight is closed.", valueName: "seconds"))
    var idleTimeout: Int = 300

    @Option(help: ArgumentHelp("Seconds a reply may wait for a peer that does not read it before the connection is closed.", valueName: "seconds"))
    var writeTimeout: Int = 30

    @Option(help: ArgumentHelp("Threads that answer historical reads (at_seq, at_time, History), off the event loops.", valueName: "count"))
    var historicalReadThreads: Int = 1

    @Option(help: ArgumentHelp("Group whose members may write (besides root and the daemon's user).", valueName: "group"))
    var writersGroup: String = "clusterd-admin"

    @Option(
        name: .customLong("repair-truncate-after-seq"),
        help: ArgumentHelp(
            "Repair a damaged log: keep records 1 to this sequence number (the end of a batch), move the rest to events.log.broken-<offset>, and start.",
            valueName: "seq"
        )
    )
    var repairTruncateAfterSequence: UInt64?

    @Option(
        name: .customLong("key-store-key-file"),
        help: ArgumentHelp(
            "File outside the state directory, readable only by clusterd's user, holding the key that wraps the key store's keys (the systemd credential clusterd-key-store-key takes precedence); see docs/key-store.md.",
            valueName: "path"
        )
    )
    var keyStoreKeyFile: String?

    @Flag(
        name: .customLong("without-personal-data"),
        help: "Start without the key store and serve everything except personal fields (when the log holds people and their key store is lost or not at hand)."
    )
    var withoutPersonalData = false

    @Option(help: ArgumentHelp("Group whose members may read personal fields (besides root and the daemon's user).", valueName: "group"))
    var privacyGroup: String = "clusterd-privacy"

    @Option(help: ArgumentHelp("Years after a tester's last participation or withdrawal, or a contact's company leaving its last cluster, that clusterctl privacy retention erases them.", valueName: "years"))
    var retentionYears: Int = 3

    func validate() throws {
        guard (1...100).contains(retentionYears) else { throw ValidationError("--retention-years: must be 1 to 100, not \(retentionYears)") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes: must be at least 1024") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections: must be at least 1") }
        if let maxConnectionsPerUser, maxConnectionsPerUser < 1 { throw ValidationError("--max-connections-per-user: must be at least 1") }
        if let reservedConnections, reservedConnections < 0 || reservedConnections >= maxConnections {
            throw ValidationError("--reserved-connections: must be at least 0 and less than --max-connections (\(maxConnections))")
        }
        if let connectionByteLimit, connectionByteLimit <= maxMessageBytes {
            throw ValidationError("--connection-byte-limit: must be more than --max-message-bytes (\(maxMessageBytes)), or the largest message could never be read")
        }
        guard serverByteBudget >= 1024 * 1024 else { throw ValidationError("--server-byte-budget: must be at least 1 MiB (1048576)") }
        guard (1...64).contains(historicalReadThreads) else { throw ValidationError("--historical-read-threads: must be 1 to 64") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout: must be at least 1 second") }
        guard writeTimeout >= 1 else { throw ValidationError("--write-timeout: must be at least 1 second") }
        if let stateDirectory, stateDirectory.isEmpty { throw ValidationError("--state-dir: must not be empty") }
        if let socket, socket.isEmpty { throw ValidationError("--socket: must not be empty") }
        if let keyStoreKeyFile, keyStoreKeyFile.isEmpty { throw ValidationError("--key-store-key-file: must not be empty") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        // Under systemd, straight to the journal with structured fields; elsewhere readable lines.
        let useJournal = JournalLogHandler.standardErrorIsJournal
        LoggingSystem.bootstrap { label in
            if useJournal {
                var handler = JournalLogHandler(label: label, identifier: "clusterd")
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "clusterd")
        do {
            let configuration = try makeConfiguration(logger: logger)
            try await Daemon(configuration: configuration, logger: logger).run()
        } catch let error as DaemonError {
            var metadata: Logger.Metadata = ["exit_code": "\(error.exitCode)"]
            if case .logUnusable = error { metadata["message_id"] = "\(MessageID.damagedLogRefused)" }
            logger.critical("\(error.description)", metadata: metadata)
            throw ExitCode(error.exitCode)
        }
    }

    private func makeConfiguration(logger: Logger) throws(DaemonError) -> DaemonConfiguration {
        let environment = ProcessEnvironment.current
        let directory = stateDirectory
            ?? DaemonConfiguration.defaultStateDirectory(environment: environment, isRoot: geteuid() == 0)
        let listener: DaemonConfiguration.Listener
        let passed: ListenedSockets?
        do {
            passed = try ListenedSockets.fromProcessEnvironment()
        } catch {
            throw .invalidEnvironment(reason: error.description)
        }
        if let passed {
            guard passed.sockets.count == 1, let only = passed.sockets.first else {
                throw .invalidEnvironment(reason: "expected one socket from systemd, got \(passed.sockets.count)")
            }
            guard ListenedSockets.isListeningUnixStreamSocket(only.descriptor) else {
                throw .invalidEnvironment(reason: "descriptor \(only.descriptor) is not a listening Unix stream socket")
            }
            if socket != nil {
                logger.notice("--socket is ignored: systemd passed a listening socket")
            }
            listener = .inherited(descriptor: only.descriptor, name: only.name)
        } else {
            listener = .path(socket ?? DaemonConfiguration.defaultSocketPath)
        }
        var configuration = DaemonConfiguration(stateDirectory: directory, listener: listener)
        configuration.maximumMessageSize = maxMessageBytes
        configuration.maximumConnections = maxConnections
        configuration.maximumConnectionsPerUser = maxConnectionsPerUser
        configuration.reservedConnections = reservedConnections
        configuration.connectionByteLimit = connectionByteLimit
        configuration.serverByteBudget = serverByteBudget
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.writeTimeout = .seconds(writeTimeout)
        configuration.repairTruncateAfterSequence = repairTruncateAfterSequence
        configuration.writersGroup = writersGroup
        configuration.historicalReadThreads = historicalReadThreads
        configuration.snapshotPolicy = snapshotEvery.map { .everyEvents(max($0, 1)) } ?? .byCost
        configuration.keyStoreKeyFile = keyStoreKeyFile
        configuration.withoutPersonalData = withoutPersonalData
        configuration.privacyGroup = privacyGroup
        configuration.retentionYears = retentionYears
        configuration.credentialsDirectory = environment["CREDENTIALS_DIRECTORY"]
        return configuration
    }
}
