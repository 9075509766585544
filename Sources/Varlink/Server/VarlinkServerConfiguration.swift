/// Where and how a `VarlinkServer` listens, and the limits it enforces on every connection.
public struct VarlinkServerConfiguration: Sendable {
    /// Where connections come from.
    public enum Endpoint: Sendable, Hashable {
        /// Bind a Unix socket at this path (a stale socket file left there is replaced).
        case path(String)
        /// Serve an already bound and listening socket, e.g. passed by systemd.
        case listeningSocket(descriptor: Int32)
    }

    public var endpoint: Endpoint
    /// File mode of a socket the server binds itself.
    public var socketMode: UInt32 = 0o660
    /// Largest message accepted, in bytes, without its NUL; a longer one is answered with
    /// `messageTooLargeError` and the connection is closed.
    public var maximumMessageSize: Int = 16 * 1024 * 1024
    /// Most connections served at once; one more is answered with `tooManyConnectionsError` and closed.
    public var maximumConnections: Int = 1024
    /// A connection with no call in flight that sends nothing for this long is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// A reply the peer has not taken within this time closes the connection: a client that
    /// stops reading (a stalled `Watch` reader included) holds one reply in memory, not a backlog.
    public var writeTimeout: Duration = .seconds(30)
    /// How long shutdown waits for calls in flight before it closes their connections.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Answered before closing a connection whose message passes `maximumMessageSize`.
    public var messageTooLargeError: @Sendable (Int) -> VarlinkError = { limit in
        .invalidParameter("message", reason: "message longer than \(limit) bytes")
    }
    /// Answered before closing a connection beyond `maximumConnections`.
    public var tooManyConnectionsError: @Sendable (Int) -> VarlinkError = { limit in
        VarlinkError("org.varlink.service.PermissionDenied", parameters: ["reason": .string("more than \(limit) connections")])
    }

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }
}
