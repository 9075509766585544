import Logging
import NIOCore
import NIOPosix
import Locking

#if canImport(Glibc)
import Glibc
#endif

/// Serves a `VarlinkService` on a Unix stream socket.
///
/// `run()` serves until `shutdown()` is called or its task is cancelled, then stops accepting,
/// answers the calls in flight, closes the connections, removes the socket file it created, and
/// returns. Each connection's calls are answered in order, one at a time, as Varlink requires.
public final class VarlinkServer: Sendable {
    private enum State {
        case created
        case binding
        case running(serverChannel: any Channel)
        case shuttingDown
        case finished
    }

    public let configuration: VarlinkServerConfiguration
    private let service: VarlinkService
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    /// The bytes every connection holds beyond its allowance (see `VarlinkByteBudget`).
    private let byteBudget: VarlinkByteBudget
    private let state = Locked(State.created)
    private let connections = VarlinkConnectionRegistry()
    private let readyWaiters = Locked<[CheckedContinuation<Void, any Error>]>([])
    /// Why binding failed: what `waitUntilListening` answers, also to a caller that comes after.
    private let bindFailure = Locked<(any Error)?>(nil)

    public init(
        configuration: VarlinkServerConfiguration,
        service: VarlinkService,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.service = service
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.byteBudget = VarlinkByteBudget(limit: configuration.serverByteBudget)
    }

    /// The number of connections being served.
    public var connectionCount: Int { connections.count }

    /// Binds or adopts the socket and serves until shut down.
    public func run() async throws {
        let shouldStart = state.withLock { state -> Bool in
            guard case .created = state else { return false }
            state = .binding
            return true
        }
        guard shouldStart else { throw VarlinkServerError.alreadyStarted }

        let serverChannel: any Channel
        do {
            serverChannel = try await bind()
        } catch {
            bindFailure.withLock { $0 = error }
            state.withLock { $0 = .finished }
            resumeReadyWaiters(with: error)
            throw error
        }
        let shutdownRequested = state.withLock { state -> Bool in
            if case .shuttingDown = state { return true }
            state = .running(serverChannel: serverChannel)
            return false
        }
        if shutdownRequested { serverChannel.close(promise: nil) }
        resumeReadyWaiters(with: nil)

        await withTaskCancellationHandler {
            try? await serverChannel.closeFuture.get()
        } onCancel: {
            self.shutdown()
        }
        await drainConnections()
        if case .path(let path) = configuration.endpoint {
            unlink(path)
        }
        state.withLock { $0 = .finished }
        logger.info("varlink server stopped")
    }

    /// Ends the open connections: those between calls at once, the others after their reply, and
    /// all of them when the grace period is over.
    private func drainConnections() async {
        connections.beginShutdown()
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        var forced = false
        while connections.count > 0 {
            if !forced && ContinuousClock.now >= deadline {
                logger.warning("closing connections whose calls outlived the shutdown grace period", metadata: ["connections": "\(connections.count)"])
                connections.closeAll()
                forced = true
            }
            if forced && ContinuousClock.now >= deadline + .seconds(5) {
                // Closed, yet their tasks have not finished: stop waiting rather than hang the exit.
                logger.error("giving up on connections whose tasks did not end after they were closed", metadata: ["connections": "\(connections.count)"])
                break
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the socket is bound and listening (or binding failed).
    public func waitUntilListening() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, any Error>? in
                switch state {
                case .running: return .success(())
                case .finished: return .failure(bindFailure.withLock { $0 } ?? VarlinkServerError.notRunning)
                default:
                    readyWaiters.withLock { $0.append(continuation) }
                    return nil
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Begins a graceful shutdown: no new connections, calls in flight answered, then `run()` returns.
    public func shutdown() {
        let channel = state.withLock { state -> (any Channel)? in
            switch state {
            case .running(let serverChannel):
                state = .shuttingDown
                return serverChannel
            case .created, .binding:
                state = .shuttingDown
                return nil
            case .shuttingDown, .finished:
                return nil
            }
        }
        connections.refuseNew()
        channel?.close(promise: nil)
    }

    private func resumeReadyWaiters(with error: (any Error)?) {
        let waiters = readyWaiters.withLock { waiters in
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    private func bind() async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 512)
            // The byte budgets' bound counts one read (NIO reads up to four times per wakeup by
            // default, whatever the handlers decide meanwhile) and the replies below the
            // high-water mark per connection: all fixed here rather than left to NIO's defaults.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 64 * 1024))
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 16 * 1024, high: 32 * 1024))
            .childChannelInitializer { [self] channel in
                PeerCredentials.read(from: channel).flatMapThrowing { peer in
                    try self.setUp(channel, peer: peer)
                }
            }
        switch configuration.endpoint {
        case .path(let path):
            try UnixSocketPath.prepareForBinding(path)
            let descriptor = try UnixSocketPath.bindListening(path, mode: configuration.socketMode, backlog: 512)
            let channel: any Channel
            do {
                channel = try await bootstrap.withBoundSocket(NIOBSDSocket.Handle(descriptor)).get()
            } catch let error as IOError {
                close(descriptor)
                unlink(path)
                throw UnixSocketPathError(path: path, reason: String(cString: strerror(error.errnoCode)))
            }
            logger.info("listening", metadata: ["socket": "\(path)"])
            return channel
        case .listeningSocket(let descriptor):
            let channel = try await bootstrap.withBoundSocket(NIOBSDSocket.Handle(descriptor)).get()
            logger.info("listening on an inherited socket", metadata: ["fd": "\(descriptor)"])
            return channel
        }
    }

    /// Answers a connection over a limit with `tooManyConnectionsError` and closes it.
    private func refuse(_ pipeline: ChannelPipeline.SynchronousOperations, limit: Int, peer: VarlinkPeer?, why: Logger.Message) throws {
        logger.warning(why, metadata: ["limit": "\(limit)", "peer": "\(peer.map { "\($0)" } ?? "unknown")"])
        try pipeline.addHandler(VarlinkRefuseConnectionHandler(reply: VarlinkReply(error: configuration.tooManyConnectionsError(limit))))
    }

    /// Sets up an accepted connection's pipeline and starts the task that answers it, or refuses it.
    private func setUp(_ channel: any Channel, peer: VarlinkPeer?) throws {
        let pipeline = channel.pipeline.syncOperations
        let limits = VarlinkConnectionRegistry.Limits(
            total: configuration.maximumConnections, reserved: configuration.effectiveReservedConnections,
            perUser: configuration.effectiveConnectionsPerUser
        )
        let unlimited = VarlinkServerConfiguration.isRootOrSelf(peer)
        switch connections.add(channel, uid: peer?.uid, privileged: unlimited || configuration.isPrivileged(peer), unlimited: unlimited, limits: limits) {
        case .refusedShuttingDown:
            try pipeline.addHandler(VarlinkRefuseConnectionHandler(reply: nil))
        case .refusedOverLimit(let limit):
            try refuse(pipeline, limit: limit, peer: peer, why: "refused a connection: too many connections")
        case .refusedOverUserLimit(let limit):
            try refuse(pipeline, limit: limit, peer: peer, why: "refused a connection: too many connections of one user")
        case .added(let id):
            let inbox = VarlinkConnectionInbox()
            let bytes = VarlinkConnectionBytes(
                channel: channel, budget: byteBudget,
                allowance: configuration.connectionByteAllowance, limit: configuration.effectiveConnectionByteLimit
            )
            let handler = VarlinkConnectionHandler(inbox: inbox, bytes: bytes)
            do {
                try pipeline.addHandlers(
                    VarlinkByteCounter(bytes: bytes),
                    ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageSize: configuration.maximumMessageSize)),
                    handler
                )
            } catch {
                // The peer left before its pipeline was set up: no task will serve it, so it must
                // not stay registered (shutdown would wait for it for ever).
                connections.remove(id)
                throw error
            }
            // The handler finishes the inbox on channelInactive, but a peer can leave before the
            // handler is added (the initializer waits for its credentials first): then only the
            // close future says so. Without this, its task waited for ever and so did shutdown.
            channel.closeFuture.whenComplete { _ in inbox.finish() }
            let connection = VarlinkServerConnection(
                id: id,
                channel: channel,
                executor: EventLoopTaskExecutor(channel.eventLoop),
                peer: peer,
                inbox: inbox,
                bytes: bytes,
                service: service,
                registry: connections,
                configuration: configuration,
                logger: logger,
                idle: IdleClock(channel: channel, timeout: .nanoseconds(configuration.idleTimeout.nanoseconds))
            )
            handler.connection = connection
            Task(executorPreference: connection.executor) { await connection.serve() }
        }
    }
}

/// Why a `VarlinkServer` could not do what was asked.
public enum VarlinkServerError: Error, CustomStringConvertible {
    case alreadyStarted
    case notRunning

    public var description: String {
        switch self {
        case .alreadyStarted: return "the server was already started"
        case .notRunning: return "the server is not running"
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ attoseconds / 1_000_000_000
    }
}
