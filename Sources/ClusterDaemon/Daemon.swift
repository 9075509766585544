import ClusterModel
import Dispatch
import EventLog
import Logging
import ServiceLifecycle
import Systemd
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// The clusterd daemon: takes the state directory, serves `org.clusterd.Registry`, and shuts down
/// gracefully on SIGTERM or SIGINT.
public struct Daemon: Sendable {
    public let configuration: DaemonConfiguration
    private let logger: Logger

    public init(configuration: DaemonConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a shutdown signal. Throws a `DaemonError` when it cannot start.
    public func run() async throws {
        // An existing state directory decides who the daemon runs as, before anything is opened.
        if Self.exists(configuration.stateDirectory) { try Self.checkOwner(of: configuration.stateDirectory, logger: logger) }
        // A daemon that cannot listen stops before it creates anything (a state directory, a
        // lock, a log): a refused start leaves no trace.
        if case .path(let path) = configuration.listener {
            do {
                try UnixSocketPath.checkUsable(path)
            } catch let error as UnixSocketPathError {
                throw DaemonError.cannotListen(endpoint: error.path, reason: error.reason)
            }
        }
        try Self.makeDirectory(configuration.stateDirectory)
        try Self.checkOwner(of: configuration.stateDirectory, logger: logger)
        try Self.closeToOthers(configuration.stateDirectory, logger: logger)
        raiseDescriptorLimit()
        let lock = try StateDirectoryLock(path: configuration.lockPath)
        defer { withExtendedLifetime(lock) {} }

        let startedAt = Timestamp.utcString(microseconds: WallClock.nowMicroseconds())
        let replayStart = ContinuousClock.now
        // The newest snapshot that reads whole says where its record stands in the log: opening
        // scans only the records after it, and `PrefixCheckService` the ones before, once serving.
        let snapshots = SnapshotStore(directory: configuration.stateDirectory)
        let newest = configuration.repairTruncateAfterSequence == nil ? snapshots.newestReadable(settingAside: true, logger: logger) : nil
        let log = try openLog(resumeAt: newest?.position)
        defer { log.close() }
        if let newest, let reason = log.openReport.positionRejected {
            snapshots.setAside(newest.sequence, because: .wrongPosition(reason), logger: logger)
        }
        var start = RegistryState()
        // The sequence number of the record that binds the snapshot loaded (0 when none): the
        // snapshot service takes the next one only when events follow it.
        var snapshotRecord: UInt64 = 0
        var lastSnapshot = SnapshotService.Last(record: 0, logBytes: 0, payloadBytes: 0)
        if let found = snapshots.newestUsable(
            for: log, preloaded: newest, settingAside: true, logger: logger,
            loading: { snapshot throws(SnapshotProblem) in try SnapshotBinding.load(snapshot, from: log) }
        ) {
            (start, snapshotRecord) = found.loaded
            // The log's size at the snapshot: where its record starts, the bytes up to its
            // `SnapshotTaken` being few (the whole log for a version 1 snapshot, which has no
            // position: the next snapshot then comes sooner).
            lastSnapshot = SnapshotService.Last(
                record: snapshotRecord, logBytes: found.snapshot.position?.offset ?? 0, payloadBytes: found.snapshot.payload.count
            )
            logger.info("loaded a snapshot", metadata: ["snapshot_seq": "\(found.snapshot.sequence)", "recorded_at_seq": "\(snapshotRecord)"])
        }
        let state: RegistryState
        do {
            // Opening has just checked the CRC of every record it scanned: replay only decodes and
            // applies the tail, unless it starts before where a resumed open began scanning.
            let unscanned = log.openReport.resumedAfterSequence.map { $0 > start.lastSequence } ?? false
            state = try RegistryReplay.replay(log, onto: start, verifyingChecksums: unscanned)
        } catch {
            switch error {
            case .refused:
                throw DaemonError.logUnusable(
                    reason: "\(error.description); no clusterd writes such a record, so the log was changed by something else: compare it with a copy or a checkpoint ('clusterctl verify --log FILE --checkpoint SEQ:HASH')"
                )
            default:
                throw DaemonError.logUnusable(reason: "\(error.description); the log itself is intact, so a newer clusterd may read it")
            }
        }
        let replayMilliseconds = (ContinuousClock.now - replayStart).milliseconds
        logger.info(
            "replayed the log",
            metadata: [
                "log": "\(log.path)", "last_seq": "\(log.head.lastSequence)", "bytes": "\(log.head.byteCount)",
                "replay_ms": "\(replayMilliseconds)", "companies": "\(state.companies.count)", "clusters": "\(state.clusters.count)",
                "from_snapshot_seq": "\(start.lastSequence)", "replayed_events": "\(state.lastSequence - start.lastSequence)",
                "packed_companies": "\(state.companies.packedCount)",
            ]
        )
        let keyStore = try openKeyStore(for: log, state: state)
        defer { withExtendedLifetime(keyStore) {} }
        let registry = Registry(state: state, log: log, logger: logger)
        defer { registry.headSignal.close() }
        let authorization = AuthorizationBox(WriteAuthorization(writersGroupName: configuration.writersGroup))
        if authorization.current.writersGID == nil {
            logger.notice(
                "the writers group does not exist: only root and the daemon's user may write",
                metadata: ["group": "\(configuration.writersGroup)"]
            )
        }

        let historicalReads = HistoricalReads(threads: configuration.historicalReadThreads)
        let personalDataAccess = PersonalDataAccess(privacyGroupName: configuration.privacyGroup)
        let handler = RegistryMethodHandler(
            registry: registry,
            log: log,
            historicalReads: historicalReads,
            authorization: authorization,
            people: PeopleService(
                registry: registry, keyStore: keyStore, pool: BlockingWorkPool(name: "clusterd-people", threads: 1),
                retentionYears: configuration.retentionYears, logger: logger
            ),
            peopleQueries: PeopleQueries(keyStore: keyStore, access: personalDataAccess, log: log, pool: historicalReads.pool),
            startedAt: startedAt,
            replayMilliseconds: replayMilliseconds,
            logger: logger
        )
        let service = VarlinkService(
            info: .init(
                vendor: "clusterd",
                product: "clusterd",
                version: ClusterdVersion.current,
                url: ""
            ),
            interfaces: [(RegistryInterfaceDefinition.interface, handler)],
            logger: logger
        )
        let server = VarlinkServer(configuration: serverConfiguration(authorization: authorization), service: service, logger: logger)
        let notifier = ServiceNotifier()
        let status: @Sendable () async -> String = {
            let summary = registry.summary
            return "serving \(summary.events) events: \(summary.companies) companies in \(summary.clusters) clusters; replayed in \(replayMilliseconds) ms"
        }
        let readiness = ReadinessService(server: server, notifier: notifier, status: status, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: VarlinkServerService(server: server, onShutdown: { registry.headSignal.close() })),
            .init(service: readiness),
            .init(service: StatusService(notifier: notifier, status: status)),
            .init(service: ReloadService(notifier: notifier, reload: { authorization.reload() }, logger: logger)),
        ]
        let snapshotter = SnapshotService(
            registry: registry, log: log, store: snapshots, policy: configuration.snapshotPolicy, last: lastSnapshot, logger: logger
        )
        services.append(.init(service: snapshotter))
        services.append(.init(service: PrefixCheckService(log: log, logger: logger)))
        if let interval = notifier.watchdogInterval {
            logger.info("watchdog enabled", metadata: ["interval": "\(interval)"])
            services.append(.init(service: WatchdogService(interval: interval, registry: registry, log: log, notifier: notifier, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch let error as UnixSocketPathError {
            throw DaemonError.cannotListen(endpoint: error.path, reason: error.reason)
        }
        logger.info("stopped", metadata: ["message_id": "\(MessageID.stopped)"])
    }

    private func openLog(resumeAt position: LogPosition?) throws(DaemonError) -> EventLog {
        var options = EventLog.Options()
        options.resumeAt = position
        options.repairTruncateAfterSequence = configuration.repairTruncateAfterSequence
        options.preallocationBytes = 16 * 1024 * 1024
        do {
            return try EventLog.open(path: configuration.logPath, options: options, logger: logger)
        } catch {
            switch error {
            case .damaged, .badHeader, .repairImpossible:
                throw .logUnusable(reason: error.description)
            default:
                throw .logInaccessible(reason: error.description)
            }
        }
    }

    /// The key store (docs/key-store.md), reconciled with the log before anything is served.
    ///
    /// With a wrapping key: opened and checked against the log (created empty for a log that
    /// holds no people yet); then every person the log says was erased loses their key, so that
    /// a key store restored from before an erasure never brings the person back, and every other
    /// person must have one. Without a wrapping key there is none, and a log that holds people is
    /// refused, unless clusterd serves without personal data (`--without-personal-data`), which
    /// never opens the key store.
    private func openKeyStore(for log: EventLog, state: RegistryState) throws(DaemonError) -> KeyStore? {
        let people = state.people.count
        if configuration.withoutPersonalData {
            logger.notice("serving without personal data: the key store is not opened, and no personal field is read", metadata: ["people": "\(people)"])
            return nil
        }
        let wrappingKey: WrappingKey?
        do {
            wrappingKey = try WrappingKey.load(
                credentialsDirectory: configuration.credentialsDirectory,
                file: configuration.keyStoreKeyFile,
                stateDirectory: configuration.stateDirectory
            )
        } catch {
            throw .keyStore(error)
        }
        let directory: StateDirectory
        do {
            directory = try StateDirectory(path: configuration.stateDirectory)
        } catch {
            throw .stateDirectory(path: configuration.stateDirectory, reason: error.description)
        }
        let store: KeyStore
        do {
            let exists = try KeyStore.exists(in: directory)
            guard let wrappingKey else {
                if people > 0 { throw DaemonError.personalDataUnavailable(people: people) }
                if exists {
                    logger.warning(
                        "the state directory holds a key store, but clusterd was given no key to open it (--key-store-key-file, or the credential \(WrappingKey.credentialName)); it is left as it is",
                        metadata: ["path": "\(directory.full(KeyStore.fileName))"]
                    )
                }
                return nil
            }
            if !exists, people > 0 {
                throw DaemonError.keyStoreMismatch(
                    reason: "the log holds \(people) people, but the key store \(directory.full(KeyStore.fileName)) does not exist: restore it from a backup (the log then erases again whoever it says was erased), or start with --without-personal-data to serve everything else"
                )
            }
            store = try exists
                ? KeyStore.open(in: directory, logID: log.header.logID, wrappingKey: wrappingKey, logger: logger)
                : KeyStore.create(in: directory, logID: log.header.logID, wrappingKey: wrappingKey, nowMicroseconds: WallClock.nowMicroseconds())
            let erased = state.people.values.filter(\.isErased).map { Self.subject($0.id) }
            let destroyed = try store.destroy(erased)
            if destroyed > 0 {
                logger.warning(
                    "destroyed the keys of people the log says were erased: the key store was older than the log (restored from a backup?)",
                    metadata: ["people": "\(destroyed)", "path": "\(store.path)"]
                )
            }
        } catch let error as DaemonError {
            throw error
        } catch let error as KeyStoreError {
            throw .keyStore(error)
        } catch {
            throw .keyStoreMismatch(reason: "\(error)")
        }
        let living = state.people.values.filter { !$0.isErased }
        let missing = living.filter { store.key(for: Self.subject($0.id)) == nil }.map(\.id).sorted()
        if let first = missing.first {
            throw .keyStoreMismatch(
                reason: "the key store \(store.path) holds no key for \(missing.count) of the \(living.count) people of the log who are not erased (the first: \(first)): it is not this log's; restore this log's key store from a backup, or start with --without-personal-data to serve everything else"
            )
        }
        logger.info("opened the key store", metadata: ["path": "\(store.path)", "subjects": "\(store.count)", "people": "\(people)"])
        return store
    }

    /// A person's subject id in the key store: the same 128 bits.
    public static func subject(_ person: PersonID) -> SubjectID {
        SubjectID(high: person.high, low: person.low)
    }

    /// Raises the soft limit on open files to the hard one, as systemd advises for programs that
    /// do not use select(): the default soft limit of 1,024 would otherwise make accept() fail
    /// before --max-connections is reached.
    private func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let wanted = rlim_t(configuration.maximumConnections + 64)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
                getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            }
        }
        if limit.rlim_cur < wanted {
            logger.warning(
                "the open-file limit is lower than --max-connections needs: accepting may fail before the limit",
                metadata: ["open_file_limit": "\(limit.rlim_cur)", "max_connections": "\(configuration.maximumConnections)"]
            )
        }
    }

    private func serverConfiguration(authorization: AuthorizationBox) -> VarlinkServerConfiguration {
        let endpoint: VarlinkServerConfiguration.Endpoint
        switch configuration.listener {
        case .path(let path): endpoint = .path(path)
        case .inherited(let descriptor, _): endpoint = .listeningSocket(descriptor: descriptor)
        }
        var server = VarlinkServerConfiguration(endpoint: endpoint)
        server.maximumMessageSize = configuration.maximumMessageSize
        server.maximumConnections = configuration.maximumConnections
        server.maximumConnectionsPerUser = configuration.maximumConnectionsPerUser
        server.reservedConnections = configuration.reservedConnections
        // Writers may take the reserved slots too (root and the daemon's user always may).
        server.isPrivileged = { peer in authorization.current.refusal(for: peer) == nil }
        server.connectionByteLimit = configuration.connectionByteLimit
        server.serverByteBudget = configuration.serverByteBudget
        server.idleTimeout = configuration.idleTimeout
        server.writeTimeout = configuration.writeTimeout
        server.messageTooLargeError = { limit in
            VarlinkError(
                "\(RegistryInterfaceDefinition.name).TooLarge",
                parameters: ["limit": .int(Int64(limit)), "reason": "message longer than \(limit) bytes"]
            )
        }
        server.tooManyConnectionsError = { limit in
            VarlinkError("\(RegistryInterfaceDefinition.name).TooManyConnections", parameters: ["limit": .int(Int64(limit))])
        }
        return server
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The state directory must belong to the user the daemon runs as and be writable by no one
    /// else: its files are only as safe as the directory that holds them (anyone who may write
    /// there may plant a link at a name the daemon opens). A clusterd started as root on a
    /// directory another user owns (the README's repair step, run as root on the service's
    /// directory) becomes that user first, before it opens anything there.
    static func checkOwner(of path: String, logger: Logger) throws(DaemonError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .stateDirectory(path: path, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .stateDirectory(path: path, reason: "it is not a directory") }
        let permissions = info.st_mode & 0o7777
        if permissions & 0o022 != 0 {
            let who = permissions & 0o002 != 0 ? "everyone" : "its group"
            throw .stateDirectory(
                path: path,
                reason: "it is writable by \(who) (mode \(String(permissions, radix: 8))), who could then plant files the daemon opens; make it writable by its owner only (chmod go-w \(path))"
            )
        }
        let me = geteuid()
        guard info.st_uid != me else { return }
        guard me == 0 else {
            throw .stateDirectory(
                path: path,
                reason: "it belongs to uid \(info.st_uid), not to this user (uid \(me)); run clusterd as its owner (the service runs as the user clusterd)"
            )
        }
        guard let entry = getpwuid(info.st_uid) else {
            throw .stateDirectory(path: path, reason: "it belongs to uid \(info.st_uid), which is no user here; chown it to the daemon's user")
        }
        let name = String(cString: entry.pointee.pw_name)
        let group = entry.pointee.pw_gid
        guard initgroups(name, group) == 0, setgid(group) == 0, setuid(info.st_uid) == 0 else {
            throw .stateDirectory(path: path, reason: "cannot become its owner \(name): \(String(cString: strerror(errno)))")
        }
        logger.notice(
            "started as root on a state directory another user owns: running as its owner",
            metadata: ["state_directory": "\(path)", "user": "\(name)", "uid": "\(info.st_uid)"]
        )
    }

    /// The state directory is the daemon's user's alone (0700): readers share the daemon's group
    /// for the socket's sake, and must not reach the log, the snapshots or the lock (one who
    /// holds the lock keeps the daemon from starting). A directory others may enter is narrowed,
    /// with a notice.
    static func closeToOthers(_ path: String, logger: Logger) throws(DaemonError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .stateDirectory(path: path, reason: String(cString: strerror(errno))) }
        let permissions = info.st_mode & 0o7777
        guard permissions & 0o077 != 0 else { return }
        guard chmod(path, 0o700) == 0 else {
            throw .stateDirectory(path: path, reason: "cannot make it the daemon's user's alone (chmod 0700): \(String(cString: strerror(errno)))")
        }
        logger.notice(
            "the state directory was open to others: now mode 0700, the daemon's user's alone; readers use the socket",
            metadata: ["state_directory": "\(path)", "was": "\(String(permissions, radix: 8))"]
        )
    }

    private static func makeDirectory(_ path: String) throws(DaemonError) {
        var components: [Substring] = []
        for component in path.split(separator: "/") {
            components.append(component)
            let partial = (path.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
            if mkdir(partial, 0o700) != 0 && errno != EEXIST {
                throw .stateDirectory(path: path, reason: "cannot create \(partial): \(String(cString: strerror(errno)))")
            }
        }
        guard access(path, W_OK) == 0 else {
            throw .stateDirectory(path: path, reason: "not writable: \(String(cString: strerror(errno)))")
        }
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
