import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Tells the service manager about the daemon's state (sd_notify(3)): `READY=1`, `STATUS=…`,
/// `STOPPING=1`. Does nothing when the daemon was not started by systemd with `Type=notify`.
public struct ServiceNotifier: Sendable {
    public init() {}

    /// Whether a service manager listens (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Sends newline-separated `KEY=value` assignments. Returns false when they could not be delivered.
    @discardableResult
    public func notify(_ assignments: String) -> Bool {
        sd_notify(0, assignments) > 0
    }

    /// The daemon has finished starting up and serves requests.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        notify(["READY=1", status.map { "STATUS=\($0)" }].compactMap { $0 }.joined(separator: "\n"))
    }

    /// A one-line summary shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify("STATUS=\(text)")
    }

    /// The daemon has begun shutting down.
    @discardableResult
    public func stopping() -> Bool {
        notify("STOPPING=1")
    }
}
