/// Why a `VarlinkClient` could not complete a call (besides a `VarlinkError` the service answered).
public enum VarlinkClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing accepted a connection at the socket path.
    case cannotConnect(path: String, reason: String)
    /// The connection closed before the reply came.
    case connectionClosed
    /// The service sent something that is not a Varlink reply.
    case invalidReply(reason: String)

    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason): return "cannot connect to \(path): \(reason)"
        case .connectionClosed: return "the connection closed before the reply arrived"
        case .invalidReply(let reason): return "the service sent an invalid reply: \(reason)"
        }
    }
}
