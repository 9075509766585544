import Logging
import ServiceLifecycle
import Systemd
import Varlink

/// Tells systemd the daemon is ready once the socket is served, and that it stops on shutdown.
struct ReadinessService: Service {
    let server: VarlinkServer
    let notifier: ServiceNotifier
    let status: @Sendable () -> String
    let logger: Logger

    func run() async throws {
        try await server.waitUntilListening()
        notifier.ready(status: status())
        logger.info("ready", metadata: ["status": "\(status())"])
        try? await gracefulShutdown()
        notifier.stopping()
        logger.info("stopping")
    }
}
