import ClusterDaemon
import ClusterModel
import EventLog
import Logging
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Where clusterctl's calls go: the daemon over its socket, or a log file replayed right here
/// with the daemon's own projection code (`--log`), for audits without the daemon.
protocol RegistryEndpoint: Sendable {
    func call(_ method: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue]
    func stream(_ method: String, _ parameters: [String: JSONValue]) -> AsyncThrowingStream<[String: JSONValue], any Error>
}

struct DaemonEndpoint: RegistryEndpoint {
    let client: VarlinkClient

    func call(_ method: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
        try await client.call("\(RegistryInterfaceDefinition.name).\(method)", parameters)
    }

    func stream(_ method: String, _ parameters: [String: JSONValue]) -> AsyncThrowingStream<[String: JSONValue], any Error> {
        client.stream("\(RegistryInterfaceDefinition.name).\(method)", parameters)
    }
}

/// A log file opened read-only and replayed: never modified, also when its tail is torn.
struct OfflineEndpoint: RegistryEndpoint {
    let log: EventLog
    let state: RegistryState

    static func open(path: String) throws -> OfflineEndpoint {
        let log = try openLog(path: path)
        do {
            let endpoint = OfflineEndpoint(log: log, state: try RegistryReplay.replay(log, verifyingChecksums: false))
            ProcessLifetime.keep(endpoint)
            return endpoint
        } catch {
            throw Failure.data("\(path): \(error)", hint: "'clusterctl verify --log \(path)' says where the log is damaged")
        }
    }

    /// Opens the log file read-only, saying so when its tail is torn; no replay.
    static func openLog(path: String) throws -> EventLog {
        try LogFileCheck.requireRegularFile(path)
        var options = EventLog.Options()
        options.readOnly = true
        let log: EventLog
        do {
            log = try EventLog.open(path: path, options: options, logger: Logger(label: "clusterctl", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            throw Failure.data("\(error)", hint: "'clusterctl verify --log \(path)' says more")
        }
        if let tail = log.openReport.tornTail {
            Terminal.printError(
                "note: \(path) ends with an incomplete write at byte offset \(tail.offset) (\(tail.byteCount) bytes, from record \(tail.firstLostSequence) on); reading up to record \(log.head.lastSequence), the last complete batch"
            )
        }
        return log
    }

    func call(_ method: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
        if method == "GetStatus" {
            let head = log.head
            return [
                "version": .string(ClusterdVersion.current), "last_seq": .int(Int64(head.lastSequence)),
                "events": .int(Int64(head.recordCount)), "log_path": .string(log.path), "log_bytes": .int(Int64(head.byteCount)),
                "log_id": .string(log.header.logIDHex), "head_hash": .string("\(head.lastSequence):\(head.chainHash.hex)"),
                "log_writable": .bool(false), "log_failure": .string("opened read-only by clusterctl --log"),
                "started_at": .string(Timestamp.utcString(microseconds: log.header.createdAtMicroseconds)), "replay_ms": .int(0),
            ]
        }
        if PeopleQueries.methods.contains(method) {
            do {
                try RegistryInterfaceDefinition.interface.validateInput(of: method, parameters)
                return try await PeopleQueries.answerOffline(method, parameters, state: state, log: log)
            } catch {
                throw RegistryErrorMapping.varlinkError(error)
            }
        }
        guard RegistryReader.readMethods.contains(method) else {
            throw VarlinkError(
                "\(RegistryInterfaceDefinition.name).PermissionDenied",
                parameters: ["reason": .string("--log opens the file read-only: \(method) needs the daemon")]
            )
        }
        do {
            try RegistryInterfaceDefinition.interface.validateInput(of: method, parameters)
            return try RegistryReader(log: log, nowMicroseconds: WallClock.nowMicroseconds()).answer(method, parameters, state: state)
        } catch {
            throw RegistryErrorMapping.varlinkError(error)
        }
    }

    func stream(_ method: String, _ parameters: [String: JSONValue]) -> AsyncThrowingStream<[String: JSONValue], any Error> {
        AsyncThrowingStream { continuation in
            do {
                let from = (parameters["from_seq"]?.intValue ?? 0) + 1
                try log.forEachRecord(from: UInt64(max(from, 1))) { record in
                    let event = try EventCodec.decode(record.payload)
                    continuation.yield(["event": ReplyEncoding.logEvent(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds, chainHash: record.chainHash)])
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }
}

/// Holds what lives until the process exits. A replayed projection of a million events takes a
/// third of a second to free, which is pointless work just before exit.
enum ProcessLifetime {
    nonisolated(unsafe) private static var kept: [Any] = []

    static func keep(_ value: Any) {
        kept.append(value)
    }
}
