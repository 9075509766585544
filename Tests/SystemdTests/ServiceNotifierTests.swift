import Foundation
import Systemd
import Testing

/// The notify protocol against a real datagram listener, as systemd listens for it.
@Suite(.serialized)
struct ServiceNotifierTests {
    /// A datagram socket bound at `address` (a path, or "@name" for the abstract namespace).
    final class Listener {
        let descriptor: Int32

        init(address: String) throws {
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var storage = sockaddr_un()
            storage.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(address.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
            let result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            guard result == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
        }

        deinit { close(descriptor) }
    }

    func withNotifySocket(_ address: String, _ body: (Listener) throws -> Void) throws {
        let listener = try Listener(address: address)
        setenv("NOTIFY_SOCKET", address, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        try body(listener)
    }

    @Test func sendsReadyWithStatusToAPathSocket() throws {
        let path = "/tmp/clusterd-notify-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        try withNotifySocket(path) { listener in
            let notifier = ServiceNotifier()
            #expect(notifier.isEnabled)
            #expect(notifier.ready(status: "serving 3 events"))
            #expect(listener.receive() == "READY=1\nSTATUS=serving 3 events")
            #expect(notifier.stopping())
            #expect(listener.receive() == "STOPPING=1")
        }
    }

    @Test func reachesAnAbstractNamespaceSocket() throws {
        try withNotifySocket("@clusterd-notify-test-\(getpid())") { listener in
            let notifier = ServiceNotifier()
            #expect(notifier.reloading())
            let message = try #require(listener.receive())
            #expect(message.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
            #expect(UInt64(message.split(separator: "=").last!) != nil)
            #expect(notifier.watchdog())
            #expect(listener.receive() == "WATCHDOG=1")
        }
    }

    @Test func withoutANotifySocketNothingIsSent() {
        unsetenv("NOTIFY_SOCKET")
        let notifier = ServiceNotifier()
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
    }

    @Test func theWatchdogIntervalComesFromWatchdogUSec() {
        setenv("WATCHDOG_USEC", "2000000", 1)
        setenv("WATCHDOG_PID", "\(getpid())", 1)
        #expect(ServiceNotifier().watchdogInterval == .seconds(2))
        setenv("WATCHDOG_PID", "1", 1)
        #expect(ServiceNotifier().watchdogInterval == nil)
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(ServiceNotifier().watchdogInterval == nil)
    }
}
