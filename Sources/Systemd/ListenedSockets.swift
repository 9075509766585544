#if canImport(Glibc)
import Glibc
#endif

/// Sockets handed over by systemd socket activation (`LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`).
///
/// The protocol (sd_listen_fds(3)): the passed descriptors start at 3; `LISTEN_PID` names the process
/// they are meant for, so a child that inherits the environment does not take them by mistake.
public struct ListenedSockets: Sendable, Hashable {
    /// The first descriptor systemd passes.
    public static let firstDescriptor: Int32 = 3

    /// One passed descriptor with its name (`LISTEN_FDNAMES`, "unknown" when unnamed).
    public struct Socket: Sendable, Hashable {
        public var descriptor: Int32
        public var name: String

        public init(descriptor: Int32, name: String) {
            self.descriptor = descriptor
            self.name = name
        }
    }

    /// The passed sockets, in order.
    public var sockets: [Socket]

    /// Why the environment's socket-activation variables cannot be used.
    public struct InvalidEnvironment: Error, Sendable, Hashable, CustomStringConvertible {
        public var variable: String
        public var reason: String
        public var description: String { "\(variable): \(reason)" }
    }

    /// Parses the variables. Returns nil when none were passed or they are meant for another process.
    public static func parse(environment: [String: String], processID: Int32) throws(InvalidEnvironment) -> ListenedSockets? {
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else { return nil }
        guard let pid = Int32(pidText), pid > 0 else {
            throw InvalidEnvironment(variable: "LISTEN_PID", reason: "'\(pidText)' is not a process id")
        }
        guard pid == processID else { return nil }
        guard let count = Int32(countText), count >= 0 else {
            throw InvalidEnvironment(variable: "LISTEN_FDS", reason: "'\(countText)' is not a count of descriptors")
        }
        guard count <= 1024 else {
            throw InvalidEnvironment(variable: "LISTEN_FDS", reason: "\(count) descriptors is more than anyone passes")
        }
        var names = Array(repeating: "unknown", count: Int(count))
        if let namesText = environment["LISTEN_FDNAMES"] {
            let given = namesText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard given.count == Int(count) else {
                throw InvalidEnvironment(
                    variable: "LISTEN_FDNAMES",
                    reason: "\(given.count) names for \(count) descriptors"
                )
            }
            names = given
        }
        let sockets = (0..<count).map { index in
            Socket(descriptor: firstDescriptor + index, name: names[Int(index)])
        }
        return ListenedSockets(sockets: sockets)
    }

    /// Reads this process's environment, checks every passed descriptor is open, marks them
    /// close-on-exec, and removes the variables so that children do not inherit them.
    public static func fromProcessEnvironment() throws(InvalidEnvironment) -> ListenedSockets? {
        var environment: [String: String] = [:]
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        let parsed = try parse(environment: environment, processID: getpid())
        for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] { unsetenv(name) }
        guard let parsed else { return nil }
        for socket in parsed.sockets {
            let flags = fcntl(socket.descriptor, F_GETFD)
            guard flags >= 0 else {
                throw InvalidEnvironment(
                    variable: "LISTEN_FDS",
                    reason: "descriptor \(socket.descriptor) (\(socket.name)) is not open"
                )
            }
            _ = fcntl(socket.descriptor, F_SETFD, flags | FD_CLOEXEC)
        }
        return parsed
    }

    /// Whether `descriptor` is a listening Unix stream socket.
    public static func isListeningUnixStreamSocket(_ descriptor: Int32) -> Bool {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == Int32(SOCK_STREAM.rawValue)
        else { return false }
        var listening: Int32 = 0
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening != 0 else {
            return false
        }
        var domain: Int32 = 0
        length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 else { return false }
        return domain == AF_UNIX
    }
}
