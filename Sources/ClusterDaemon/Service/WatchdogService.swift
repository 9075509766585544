import EventLog
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Systemd

/// Pings systemd's watchdog only after proving the daemon alive: the registry actor answers, the
/// event loop that serves requests runs a task, and the log writer is not stuck on a batch. A hung
/// daemon therefore stops pinging and is killed and restarted, instead of being kept alive by a timer.
struct WatchdogService: Service {
    let interval: Duration
    let registry: Registry
    let log: EventLog
    let notifier: ServiceNotifier
    let logger: Logger

    func run() async throws {
        let period = interval / 2
        var missed = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            if let problem = await probe(timeout: period) {
                missed += 1
                logger.warning("not pinging the watchdog: \(problem)", metadata: ["message_id": "\(MessageID.watchdogMissed)", "missed": "\(missed)"])
            } else {
                missed = 0
                notifier.watchdog()
            }
        }
    }

    /// Nil when alive, else what failed to make progress.
    private func probe(timeout: Duration) async -> String? {
        if let stuck = log.writerStallDescription(after: timeout) { return stuck }
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                _ = try? await registry.read { _ in true }
                let loop = MultiThreadedEventLoopGroup.singleton.any()
                _ = try? await loop.submit { true }.get()
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "the registry or the request loop did not answer within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
