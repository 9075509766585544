#if canImport(Glibc)
import Glibc
#endif

/// Checks and prepares a filesystem path before a server binds a Unix socket there.
public enum UnixSocketPath {
    /// Throws what would stop a server from listening at `path`, changing nothing: a path too
    /// long, a missing or unwritable directory, a file that is no socket, a socket another server
    /// listens on. A daemon checks this before it creates anything of its own, so that a refused
    /// start leaves no trace.
    public static func checkUsable(_ path: String) throws {
        guard path.utf8.count < 108 else {
            throw UnixSocketPathError(path: path, reason: "the path is longer than the 107 bytes a Unix socket address holds")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let parent = directory.isEmpty ? "/" : directory
        var directoryInfo = stat()
        guard stat(parent, &directoryInfo) == 0, (directoryInfo.st_mode & S_IFMT) == S_IFDIR else {
            throw UnixSocketPathError(path: path, reason: "its directory \(parent) does not exist")
        }
        guard access(parent, W_OK | X_OK) == 0 else {
            throw UnixSocketPathError(path: path, reason: "this user may not create files in \(parent)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw UnixSocketPathError(path: path, reason: "a file that is not a socket is in the way")
        }
        if isAcceptingConnections(path) {
            throw UnixSocketPathError(path: path, reason: "another server is already listening there")
        }
    }

    /// Makes `path` ready for `bind`: a stale socket file is removed, while a socket that still has
    /// a server behind it, or a file that is no socket, is left alone and refused.
    static func prepareForBinding(_ path: String) throws {
        try checkUsable(path)
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw UnixSocketPathError(path: path, reason: "cannot remove the stale socket file: \(String(cString: strerror(errno)))")
        }
    }

    /// A socket bound at `path` and listening, never reachable with wider permissions than `mode`:
    /// the mode is set on the socket before `bind` (Linux gives the new file the socket's mode
    /// less the umask), then on the file after it, which can only widen it to `mode` when the
    /// umask took bits away. (Bound first and `chmod`ed after, with umask 000 the socket was
    /// `0777` for a moment, and outsiders connected.)
    static func bindListening(_ path: String, mode: UInt32, backlog: Int32) throws -> Int32 {
        func failure(_ what: String) -> UnixSocketPathError {
            UnixSocketPathError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw failure("cannot create a socket") }
        var address = Self.address(path)
        guard fchmod(descriptor, mode_t(mode)) == 0 else {
            let error = failure("cannot set the socket's mode")
            close(descriptor)
            throw error
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = failure("cannot bind")
            close(descriptor)
            throw error
        }
        guard chmod(path, mode_t(mode)) == 0, listen(descriptor, backlog) == 0 else {
            let error = failure("cannot set its mode or listen")
            close(descriptor)
            unlink(path)
            throw error
        }
        return descriptor
    }

    /// The socket address of `path` (cut to what `sun_path` holds; `checkUsable` refuses longer).
    private static func address(_ path: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    /// Whether a server accepts connections at `path` right now.
    static func isAcceptingConnections(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = Self.address(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}

/// Why the server cannot listen on a socket path.
public struct UnixSocketPathError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot listen on \(path): \(reason)" }
}
