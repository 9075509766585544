import EventLog
import Varlink

/// Answers the calls of `org.clusterd.Registry`.
struct RegistryMethodHandler: VarlinkMethodHandler {
    let log: EventLog
    let startedAt: String
    let replayMilliseconds: Int64

    func handle(
        method: String,
        parameters: [String: JSONValue],
        context: VarlinkCallContext
    ) async throws -> [String: JSONValue] {
        switch method {
        case "GetStatus":
            return status().parameters
        default:
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    private func status() -> DaemonStatus {
        let head = log.head
        var failure: String?
        switch log.health {
        case .writable: break
        case .writesDisabled(let reason): failure = reason
        case .closed: failure = "the log is closed"
        }
        return DaemonStatus(
            version: ClusterdVersion.current,
            lastSequence: head.lastSequence,
            events: UInt64(head.recordCount),
            logPath: log.path,
            logBytes: UInt64(head.byteCount),
            logID: log.header.logIDHex,
            headHash: "\(head.lastSequence):\(head.chainHash.hex)",
            logFailure: failure,
            startedAt: startedAt,
            replayMilliseconds: replayMilliseconds
        )
    }
}
