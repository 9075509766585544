import EventLog
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Locking
import Systemd

/// Pings systemd's watchdog only after proving the daemon alive: the registry's lock is free, the
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
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
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

    /// Nil when alive, else what failed to make progress. A hung probe is abandoned after the
    /// timeout (a task group would wait for it for ever).
    private func probe(timeout: Duration) async -> String? {
        if let stuck = log.writerStallDescription(after: timeout) { return stuck }
        let outcome = FirstOutcome()
        return await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            outcome.set(continuation)
            // A thread of its own: a registry that never lets go of its lock must not take a
            // thread of the cooperative pool with it, or the timeout below could not fire.
            Thread.detachNewThread { [registry, outcome] in
                registry.awaitLock()
                let loop = MultiThreadedEventLoopGroup.singleton.any()
                _ = try? loop.submit { true }.wait()
                outcome.finish(nil)
            }
            Task { [outcome] in
                try? await Task.sleep(for: timeout)
                outcome.finish("the registry or the request loop did not answer within \(timeout)")
            }
        }
    }
}

/// Resumes a continuation with whichever outcome comes first.
private final class FirstOutcome: Sendable {
    private let continuation = Locked<CheckedContinuation<String?, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<String?, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func finish(_ outcome: String?) {
        let pending = continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        pending?.resume(returning: outcome)
    }
}
