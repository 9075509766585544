import ServiceLifecycle
import Varlink

/// Runs the Varlink server as a lifecycle service: graceful shutdown stops accepting and lets the
/// calls in flight finish.
struct VarlinkServerService: Service {
    let server: VarlinkServer

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.shutdown()
        }
    }
}
