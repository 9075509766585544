import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Answers the calls of `org.clusterd.Registry`.
struct RegistryMethodHandler: VarlinkMethodHandler {
    let configuration: DaemonConfiguration
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
        var info = stat()
        let logBytes = stat(configuration.logPath, &info) == 0 ? UInt64(info.st_size) : 0
        return DaemonStatus(
            version: ClusterdVersion.current,
            lastSequence: 0,
            events: 0,
            logPath: configuration.logPath,
            logBytes: logBytes,
            startedAt: startedAt,
            replayMilliseconds: replayMilliseconds
        )
    }
}
