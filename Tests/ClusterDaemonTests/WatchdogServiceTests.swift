@testable import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import InMemoryLogging
import Logging
import ServiceLifecycle
import Systemd
import Testing

/// The watchdog pings only a daemon it has seen make progress: with the log's writer stuck in an
/// `fdatasync`, it stops pinging and says why (the journal line the systemd test used to look for,
/// when a test switch in the daemon froze it; systemd's side, the kill and restart, is checked
/// there with SIGSTOP).
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct WatchdogServiceTests {
    @Test func aWriterStuckInFdatasyncStopsThePingsWithAWarning() async throws {
        let directory = try TemporaryDirectory()
        let (log, file) = try GatedLogFile.openLog(path: directory.file("events.log"))
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let registry = Registry(state: RegistryState(), log: log, logger: quiet)
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test", factory: { _ in handler })
        file.hold()
        let record = ClusterRecord(id: try Slug("stuck", field: "id"), name: "Stuck", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)
        let write = Task { try await registry.write([.registerCluster(record)], request: nil, expectedSequence: nil, peerUID: 0) }
        while file.heldSyncs == 0 { try await Task.sleep(for: .milliseconds(5)) }
        // What the watchdog asks the log first, deterministic once the sync is held long enough.
        try await Task.sleep(for: .milliseconds(150))
        #expect(log.writerStallDescription(after: .milliseconds(100))?.contains("writing one batch") == true)

        let watchdog = WatchdogService(interval: .milliseconds(200), registry: registry, log: log, notifier: ServiceNotifier(), logger: logger)
        let running = Task { try await watchdog.run() }
        func warnings() -> [InMemoryLogHandler.Entry] {
            handler.entries.filter { $0.level == .warning && $0.metadata["message_id"] == "\(MessageID.watchdogMissed)" }
        }
        // Generous: under the sanitizers, with the other suites running, a task may wait seconds.
        let deadline = ContinuousClock.now + .seconds(90)
        while warnings().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let missed = try #require(warnings().first, "no watchdog warning while the writer was stuck")
        #expect("\(missed.message)".contains("the log writer has been writing one batch for"), "\(missed.message)")

        file.release()
        _ = try await write.value
        running.cancel()
        _ = try? await running.value
        log.close()
    }
}
