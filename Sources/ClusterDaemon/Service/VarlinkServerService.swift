import ServiceLifecycle
import Varlink

/// Runs the Varlink server as a lifecycle service: graceful shutdown stops accepting and lets the
/// calls in flight finish.
struct VarlinkServerService: Service {
    let server: VarlinkServer
    /// Called when shutdown begins, to end what would otherwise wait for ever (Watch streams).
    var onShutdown: @Sendable () -> Void = {}

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            onShutdown()
            server.shutdown()
        }
    }
}
