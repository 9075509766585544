import Logging
import ServiceLifecycle
import Systemd
import Varlink

/// Tells systemd the daemon is ready once the socket is served, and that it stops on shutdown.
struct ReadinessService: Service {
    let server: VarlinkServer
    let notifier: ServiceNotifier
    let status: @Sendable () async -> String
    let logger: Logger

    func run() async throws {
        try await server.waitUntilListening()
        let text = await status()
        notifier.ready(status: text)
        logger.info("ready", metadata: ["status": "\(text)", "message_id": "\(MessageID.started)"])
        try? await gracefulShutdown()
        notifier.stopping()
        logger.info("stopping")
    }
}
