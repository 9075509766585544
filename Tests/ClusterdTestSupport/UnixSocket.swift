import Foundation

/// A Unix stream socket for tests that must send raw bytes: garbage, partial messages.
///
/// Its blocking calls run on Dispatch threads, never on the cooperative pool that the server
/// under test needs (two cores give that pool two threads only).
public final class UnixSocket: @unchecked Sendable {
    public let descriptor: Int32

    public init(connectingTo path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var address = Self.address(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            // No close here: the instance is fully initialized, so deinit runs and closes it.
            // Closing twice would close a descriptor that another thread has opened since.
            throw TestSupportError("connect \(path): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// Whether a server accepts connections at `path` now.
    public static func isAcceptingConnections(_ path: String) -> Bool {
        (try? UnixSocket(connectingTo: path)) != nil
    }

    private func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    /// Sends all of `bytes`; false when the peer closed the connection.
    @discardableResult
    public func send(_ bytes: [UInt8]) async -> Bool {
        await offPool { self.sendBlocking(bytes) }
    }

    @discardableResult
    public func send(_ text: String) async -> Bool { await send(Array(text.utf8)) }

    /// Reads one NUL-terminated message; nil when the connection closed first.
    public func receiveMessage() async -> String? {
        await offPool { self.receiveMessageBlocking() }
    }

    /// Whether the peer closes the connection (end of stream within the receive timeout).
    public func isClosedByPeer() async -> Bool {
        await offPool { self.isClosedByPeerBlocking() }
    }

    private func sendBlocking(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private func receiveMessageBlocking() -> String? {
        var message: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = recv(descriptor, &byte, 1, 0)
            if count <= 0 { return nil }
            if byte == 0 { return String(decoding: message, as: UTF8.self) }
            message.append(byte)
        }
    }

    private func isClosedByPeerBlocking() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    deinit { close(descriptor) }
}
