import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads the credentials of the process on the other end of a Unix socket channel.
enum PeerCredentials {
    /// Mirror of Glibc's `struct ucred`, which does not import usably into Swift.
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// Room for the supplementary groups of most peers; one in more is asked again with
    /// `AllGroupsBuffer`.
    typealias GroupBuffer = (
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
        UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32
    )

    /// Room for 65,536 groups (NGROUPS_MAX, 256 KiB): asked for only when `GroupBuffer` is too
    /// small (the kernel then says ERANGE), so that a writer in many groups is not refused.
    typealias AllGroupsBuffer = InlineArray<65536, UInt32>

    static func read(from channel: any Channel) -> EventLoopFuture<VarlinkPeer?> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        #if os(Linux)
        let credentials: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(SO_PEERCRED)
        )
        return credentials.flatMap { ucred in
            let groups: EventLoopFuture<GroupBuffer> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET),
                name: SocketOptionName(SO_PEERGROUPS)
            )
            return groups.map { buffer in
                VarlinkPeer(pid: ucred.pid, uid: ucred.uid, gid: ucred.gid, groups: Self.groups(in: buffer))
            }.flatMapError { _ in
                let all: EventLoopFuture<AllGroupsBuffer> = provider.unsafeGetSocketOption(
                    level: SocketOptionLevel(SOL_SOCKET),
                    name: SocketOptionName(SO_PEERGROUPS)
                )
                return all.map { buffer in
                    VarlinkPeer(pid: ucred.pid, uid: ucred.uid, gid: ucred.gid, groups: Self.groups(in: buffer))
                }
            }.recover { _ in
                VarlinkPeer(pid: ucred.pid, uid: ucred.uid, gid: ucred.gid)
            }
        }.map { Optional($0) }.recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }

    /// The kernel fills the start of the buffer and NIO does not return the length it wrote, so
    /// zero entries are dropped: group 0 is then only known as a primary group, which is all the
    /// daemon's checks (membership of a non-root writers group) need.
    private static func groups<Buffer>(in buffer: Buffer) -> [UInt32] {
        withUnsafeBytes(of: buffer) { raw in
            raw.bindMemory(to: UInt32.self).filter { $0 != 0 }
        }
    }
}
