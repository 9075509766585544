import ClusterDaemon
import ClusterModel
import EventLog
import Foundation
import Logging

let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

enum LogBenchmarks {
    /// Durable appends with `appenders` concurrent appenders, beside a raw write+fdatasync loop
    /// writing the same batches (same count, same bytes).
    static func throughput(directory: String, events: Int, appenders: Int) async throws {
        let payloads = Workload.mix(events).map(EventCodec.encode)
        let path = directory + "/throughput.log"
        unlink(path)
        let log = try EventLog.open(path: path, logger: quiet)
        let perAppender = payloads.count / appenders
        let start = Clock.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    for index in 0..<perAppender {
                        _ = try await log.append([payloads[appender * perAppender + index]])
                    }
                }
            }
            try await group.waitForAll()
        }
        let engineSeconds = Clock.seconds(since: start)
        let written = perAppender * appenders
        let batches = log.batchesWritten
        let bytesPerBatch = (log.head.byteCount - 64) / max(batches, 1)
        log.close()

        // The same batches written raw: one pwrite and one fdatasync each.
        let raw = RawSyncFile(path: directory + "/raw.log")
        let batch = [UInt8](repeating: 0x5A, count: bytesPerBatch)
        var rawSeconds = 0.0
        for _ in 0..<batches { rawSeconds += raw.append(batch) }
        let engineRate = Double(written) / engineSeconds
        let rawRate = Double(written) / rawSeconds
        Figure(
            name: "append_\(appenders)_appenders", value: engineRate, unit: "events/s", baselineName: "raw write+fdatasync, same batches",
            baseline: rawRate, note: "\(written) events in \(batches) batches (\(written / max(batches, 1)) events, \(bytesPerBatch) bytes per batch)"
        ).printed()
        unlink(path)
    }

    /// One appender: the latency of each durable append beside a raw write+fdatasync of the same
    /// bytes, interleaved so that both see the same disk.
    static func latency(directory: String, count: Int) async throws {
        let payloads = Workload.mix(count + 70).suffix(count).map(EventCodec.encode)
        let path = directory + "/latency.log"
        unlink(path)
        let log = try EventLog.open(path: path, logger: quiet)
        let raw = RawSyncFile(path: directory + "/raw-latency.log")
        var engine: [Double] = []
        var handedOff: [Double] = []
        var baseline: [Double] = []
        // Three ways in turn, each starting the order at a different one, so that the disk's
        // drift falls on all three: raw, an append led by this thread (it writes and syncs the
        // batch itself), and an append handed to the log's writer thread, which syncs it and
        // wakes this task again: the daemon's way, since its event loops must not block.
        for (index, payload) in payloads.enumerated() {
            let recordBytes = [UInt8](repeating: 0x5A, count: 8 + ((56 + payload.count + 7) & ~7))
            for step in 0..<3 {
                switch (index + step) % 3 {
                case 0:
                    baseline.append(raw.append(recordBytes))
                case 1:
                    let start = Clock.now()
                    _ = try await log.append([payload])
                    engine.append(Clock.seconds(since: start))
                default:
                    let start = Clock.now()
                    _ = try await log.enqueue([payload]).wait()
                    handedOff.append(Clock.seconds(since: start))
                }
            }
        }
        log.close()
        Figure(name: "append_1_appender_p50", value: median(engine) * 1e6, unit: "µs", baselineName: "raw write+fdatasync p50", baseline: median(baseline) * 1e6).printed()
        Figure(name: "append_1_appender_p99", value: percentile(engine, 99) * 1e6, unit: "µs", baselineName: "raw write+fdatasync p99", baseline: percentile(baseline, 99) * 1e6).printed()
        Figure(
            name: "append_1_appender_handed_off_p50", value: median(handedOff) * 1e6, unit: "µs",
            baselineName: "the same append led by the caller's thread, p50", baseline: median(engine) * 1e6,
            note: "the cost of the two thread handoffs of the daemon's writes (to the log's writer thread and back), \(count) appends each"
        ).printed()
        unlink(path)
    }

    /// Writes a log of `events` events quickly (large batches) and returns its path.
    static func buildLog(directory: String, events: Int) async throws -> String {
        let path = directory + "/replay.log"
        unlink(path)
        let log = try EventLog.open(path: path, logger: quiet)
        let payloads = Workload.mix(events).map(EventCodec.encode)
        var index = 0
        while index < payloads.count {
            let end = min(index + 10_000, payloads.count)
            _ = try await log.append(Array(payloads[index..<end]))
            index = end
        }
        log.close()
        return path
    }

    /// Open (read, every CRC, sparse index), then decode every event, then the full replay into
    /// the projection; and the full verification with the SHA-256 chain.
    /// `events`: the log's length when known (a log this benchmark wrote), else read from it;
    /// `prefix` starts the figures' names.
    static func replay(path: String, events expected: Int?, prefix: String = "") throws {
        var options = EventLog.Options()
        options.readOnly = true
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        // cat PATH > /dev/null: the cost of reading the bytes at all.
        let catStart = Clock.now()
        let handle = open(path, O_RDONLY)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while buffer.withUnsafeMutableBytes({ read(handle, $0.baseAddress, $0.count) }) > 0 {}
        close(handle)
        let catSeconds = Clock.seconds(since: catStart)

        let openStart = Clock.now()
        let log = try EventLog.open(path: path, options: options, logger: quiet)
        let openSeconds = Clock.seconds(since: openStart)
        let events = expected ?? Int(log.head.lastSequence)
        var decoded = 0
        let decodeStart = Clock.now()
        try log.forEachRecord(verifyingChecksums: false) { record in
            _ = try EventCodec.decode(record.payload)
            decoded += 1
        }
        let decodeSeconds = Clock.seconds(since: decodeStart)
        let replayStart = Clock.now()
        let state = try RegistryReplay.replay(log, verifyingChecksums: false)
        let replaySeconds = Clock.seconds(since: replayStart)
        precondition(state.lastSequence == UInt64(events) && decoded == events)
        // What checking every event against the rules costs: the same replay without it.
        let uncheckedStart = Clock.now()
        let unchecked = try RegistryReplay.replay(log, verifyingChecksums: false, checkingRules: false)
        let uncheckedSeconds = Clock.seconds(since: uncheckedStart)
        precondition(unchecked.lastSequence == state.lastSequence)
        log.close()

        Figure(name: "\(prefix)open_\(events)_events", value: openSeconds * 1000, unit: "ms", baselineName: "cat \(size / 1_000_000) MB > /dev/null", baseline: catSeconds * 1000).printed()
        Figure(name: "\(prefix)open_and_decode", value: Double(events) / (openSeconds + decodeSeconds), unit: "events/s", note: "read, CRC, decode").printed()
        Figure(name: "\(prefix)open_and_replay", value: Double(events) / (openSeconds + replaySeconds), unit: "events/s", note: "read, CRC, decode, apply; \(Int((openSeconds + replaySeconds) * 1000)) ms").printed()
        Figure(name: "\(prefix)replay_with_rule_checks", value: replaySeconds * 1000, unit: "ms", baselineName: "the same replay without rule checks", baseline: uncheckedSeconds * 1000).printed()

        let verifyStart = Clock.now()
        let report = LogVerifier.verify(path: path)
        let verifySeconds = Clock.seconds(since: verifyStart)
        precondition(report.isIntact)
        Figure(name: "\(prefix)verify", value: Double(events) / verifySeconds, unit: "events/s", note: "every CRC and the SHA-256 chain; \(Int(verifySeconds * 1000)) ms").printed()
    }
}
