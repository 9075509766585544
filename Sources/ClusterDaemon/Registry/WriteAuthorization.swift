import Locking
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Who may write: root, the daemon's own user, and members of the writers group. Everyone who can
/// connect may read.
public struct WriteAuthorization: Sendable {
    public var daemonUID: UInt32
    public var writersGroupName: String
    /// The writers group's id; nil when no such group exists on this system.
    public var writersGID: UInt32?

    /// Looks the group up by name.
    public init(writersGroupName: String) {
        self.daemonUID = geteuid()
        self.writersGroupName = writersGroupName
        self.writersGID = getgrnam(writersGroupName).map { $0.pointee.gr_gid }
    }

    public init(daemonUID: UInt32, writersGroupName: String, writersGID: UInt32?) {
        self.daemonUID = daemonUID
        self.writersGroupName = writersGroupName
        self.writersGID = writersGID
    }

    /// Nil when `peer` may write, else the reason it may not.
    public func refusal(for peer: VarlinkPeer?) -> String? {
        guard let peer else { return "the caller's credentials are unknown" }
        if peer.uid == 0 || peer.uid == daemonUID { return nil }
        if let writersGID, peer.isMember(ofGroup: writersGID) { return nil }
        return "uid \(peer.uid) may read but not write: writes need root, the daemon's user or membership of the group '\(writersGroupName)'"
    }
}

/// The authorization in force; SIGHUP re-reads the writers group.
final class AuthorizationBox: Sendable {
    private let value: Locked<WriteAuthorization>

    init(_ authorization: WriteAuthorization) {
        value = Locked(authorization)
    }

    var current: WriteAuthorization { value.withLock { $0 } }

    /// Looks the writers group up again; returns what it found.
    func reload() -> String {
        value.withLock { authorization in
            authorization = WriteAuthorization(writersGroupName: authorization.writersGroupName)
            return authorization.writersGID.map { "writers group \(authorization.writersGroupName) is gid \($0)" }
                ?? "writers group \(authorization.writersGroupName) does not exist"
        }
    }
}
