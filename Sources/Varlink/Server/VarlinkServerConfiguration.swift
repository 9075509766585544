#if canImport(Glibc)
import Glibc
#endif

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
    /// Most connections one uid other than root's and the server's own may hold; nil for half of
    /// `maximumConnections`. One reader cannot take every slot.
    public var maximumConnectionsPerUser: Int?
    /// The last slots of `maximumConnections`, kept for privileged peers: others are refused once
    /// `maximumConnections - reservedConnections` are open. Nil for an eighth of
    /// `maximumConnections`, at most 16.
    public var reservedConnections: Int?
    /// Whether a peer may use the reserved slots: root and the server's own uid always, and
    /// whomever this accepts (the daemon: writers).
    public var isPrivileged: @Sendable (VarlinkPeer?) -> Bool = { _ in false }

    /// Root and the server's own uid: the reserved slots, and no limit per user.
    static func isRootOrSelf(_ peer: VarlinkPeer?) -> Bool {
        guard let peer else { return false }
        return peer.uid == 0 || peer.uid == getuid()
    }

    /// `maximumConnectionsPerUser`, or its default.
    var effectiveConnectionsPerUser: Int { max(1, maximumConnectionsPerUser ?? maximumConnections / 2) }
    /// `reservedConnections`, or its default; always leaves one slot for everyone.
    var effectiveReservedConnections: Int { max(0, min(reservedConnections ?? min(16, maximumConnections / 8), maximumConnections - 1)) }
    /// A connection with no call in flight that sends nothing for this long is closed.
    public var idleTimeout: Duration = .seconds(300)
    /// A reply the peer has not taken within this time closes the connection: a client that
    /// stops reading (a stalled `Watch` reader included) holds one reply in memory, not a backlog.
    public var writeTimeout: Duration = .seconds(30)
    /// Bytes a connection holds without drawing on `serverByteBudget`: received and not yet
    /// answered (a partial message included) and replies its peer has not taken. A small call is
    /// read at once, however busy the others are.
    public var connectionByteAllowance: Int = 16 * 1024
    /// Most bytes one connection holds before the server stops reading from it; nil for
    /// `maximumMessageSize` and 64 KiB, room for one message of the largest size and a read.
    public var connectionByteLimit: Int?
    /// Most bytes all connections hold together beyond their allowances; while it is spent, the
    /// server reads only from connections within theirs. With the defaults, a thousand
    /// connections hold at most this plus, each, the allowance, one read (64 KiB) and the replies
    /// below the write buffer's high-water mark (32 KiB): 176 MiB, under the 256 MiB that
    /// Scripts/bench checks against the daemon's peak resident memory.
    public var serverByteBudget: Int = Self.defaultServerByteBudget
    public static let defaultServerByteBudget = 64 * 1024 * 1024

    /// `connectionByteLimit`, or its default.
    var effectiveConnectionByteLimit: Int {
        max(connectionByteLimit ?? maximumMessageSize + 64 * 1024, maximumMessageSize + 1)
    }

    /// How long shutdown waits for calls in flight before it closes their connections.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Answered before closing a connection whose message passes `maximumMessageSize`.
    public var messageTooLargeError: @Sendable (Int) -> VarlinkError = { limit in
        .invalidParameter("message", reason: "message longer than \(limit) bytes")
    }
    /// Answered before closing a connection beyond `maximumConnections`, beyond the slots open to
    /// unprivileged peers, or beyond `maximumConnectionsPerUser` (with that limit).
    public var tooManyConnectionsError: @Sendable (Int) -> VarlinkError = { limit in
        VarlinkError("org.varlink.service.PermissionDenied", detail: "more than \(limit) connections")
    }

    public init(endpoint: Endpoint) {
        self.endpoint = endpoint
    }
}
