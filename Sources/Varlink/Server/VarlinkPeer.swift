/// Who is on the other end of a connection, as the kernel reports it (SO_PEERCRED, SO_PEERGROUPS).
public struct VarlinkPeer: Sendable, Hashable, CustomStringConvertible {
    /// Process id of the peer when it connected.
    public var pid: Int32
    /// Effective user id of the peer.
    public var uid: UInt32
    /// Effective group id of the peer.
    public var gid: UInt32
    /// Supplementary groups of the peer.
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Whether the peer belongs to `group`, as its primary or a supplementary group.
    public func isMember(ofGroup group: UInt32) -> Bool {
        gid == group || groups.contains(group)
    }

    public var description: String { "pid \(pid) uid \(uid) gid \(gid)" }
}
