import Logging
import ServiceLifecycle
import Systemd
import UnixSignals

/// SIGHUP: tells systemd it reloads (RELOADING=1 with MONOTONIC_USEC), re-reads what can change
/// while running (the writers group's id and members), then READY=1 again.
struct ReloadService: Service {
    let notifier: ServiceNotifier
    let reload: @Sendable () -> String
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading()
            let summary = reload()
            logger.notice("reloaded", metadata: ["changes": "\(summary)"])
            notifier.ready(status: "reloaded: \(summary)")
        }
    }
}

/// Keeps systemd's STATUS= line current: events, members, how long the replay took.
struct StatusService: Service {
    let notifier: ServiceNotifier
    let status: @Sendable () async -> String

    func run() async throws {
        var last = ""
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let current = await status()
            if current != last {
                notifier.status(current)
                last = current
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
        }
    }
}
