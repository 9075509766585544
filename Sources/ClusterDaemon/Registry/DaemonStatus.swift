import Varlink

/// The answer of `GetStatus`.
public struct DaemonStatus: Sendable, Hashable {
    public var version: String
    public var lastSequence: UInt64
    public var events: UInt64
    public var logPath: String
    public var logBytes: UInt64
    public var logID: String
    public var headHash: String
    /// Why the log takes no writes, if it does not.
    public var logFailure: String?
    /// RFC 3339, UTC.
    public var startedAt: String
    public var replayMilliseconds: Int64

    /// The reply parameters, as the interface declares them.
    public var parameters: [String: JSONValue] {
        var parameters: [String: JSONValue] = [
            "version": .string(version),
            "last_seq": .int(Int64(lastSequence)),
            "events": .int(Int64(events)),
            "log_path": .string(logPath),
            "log_bytes": .int(Int64(logBytes)),
            "log_id": .string(logID),
            "head_hash": .string(headHash),
            "log_writable": .bool(logFailure == nil),
            "started_at": .string(startedAt),
            "replay_ms": .int(replayMilliseconds),
        ]
        if let logFailure { parameters["log_failure"] = .string(logFailure) }
        return parameters
    }
}
