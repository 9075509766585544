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

    /// The daemon reloads its configuration (SIGHUP); `ready()` must follow.
    @discardableResult
    public func reloading() -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        return notify("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }

    /// Tells the watchdog the daemon is alive. Send it only from a path that proves it.
    @discardableResult
    public func watchdog() -> Bool {
        notify("WATCHDOG=1")
    }

    /// The watchdog interval systemd expects pings within (`WATCHDOG_USEC`), if it is enabled for us.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }
}
