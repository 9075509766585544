import ClusterDaemon
import ClusterModel
import Foundation

/// A blocking Unix socket client: the least overhead a client can add, for both the daemon and the
/// ping-pong baseline.
final class BlockingClient {
    let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    init(path: String) {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(result == 0, "cannot connect to \(path)")
    }

    /// Sends `request` (NUL included) and reads one NUL-terminated reply; returns its length.
    func exchange(_ request: [UInt8]) -> Int {
        sendAll(request)
        var total = 0
        while true {
            waitReadable()
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            precondition(count > 0, "connection closed")
            total += count
            if buffer[count - 1] == 0 { return total }
        }
    }

    /// Sends `request` (NUL included) and returns the whole reply, without its NUL.
    func exchangeReply(_ request: [UInt8]) -> String {
        sendAll(request)
        var reply: [UInt8] = []
        while true {
            waitReadable()
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            precondition(count > 0, "connection closed")
            reply += buffer[0..<count]
            if buffer[count - 1] == 0 { return String(decoding: reply.dropLast(), as: UTF8.self) }
        }
    }

    /// Waits with poll(2), as pgbench and libpq do, rather than asleep in recv(2): a reader asleep
    /// in recv on a Unix socket is also woken, for nothing, each time the peer reads what it sent
    /// (the freed buffer space signals "writable" on the wait queue recv sleeps on), which
    /// costs a wakeup per call that poll's event mask filters out.
    private func waitReadable() {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, -1) < 0 && errno == EINTR {}
    }

    private func sendAll(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, $0.count - sent, 0) }
            precondition(count > 0, "send failed: errno \(errno)")
            sent += count
        }
    }

    deinit { close(descriptor) }
}

/// A server that answers every NUL-terminated message with a fixed reply: the raw ping-pong.
///
/// Without `replySize`, each connection's first message says how long its replies are
/// (`size:N`): `clusterd-bench pingpong` runs such a server as a process of its own, which the
/// script pins to the daemon's CPU — a wakeup across cores costs tens of microseconds on a
/// virtual machine, so the baseline must cross cores (or not) exactly as the daemon does.
final class PingPongServer: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let reply: [UInt8]?

    init(path: String, replySize: Int?) {
        self.path = path
        unlink(path)
        reply = replySize.map { Self.reply(size: $0) }
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        listen(listener, 64)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    static func reply(size: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(ascii: "x"), count: max(size - 1, 1)) + [0]
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var reply = self.reply
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { close(connection); return }
            guard buffer[count - 1] == 0 else { continue }
            if reply == nil {
                let text = String(decoding: buffer[0..<(count - 1)], as: UTF8.self)
                reply = Self.reply(size: text.hasPrefix("size:") ? Int(text.dropFirst(5)) ?? 64 : 64)
            }
            _ = reply!.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
        }
    }
}

enum QueryBenchmarks {
    /// GetCompany and GetCluster with one client, p50/p99, beside a raw ping-pong of the same sizes.
    ///
    /// `placement` names the run (e.g. `same_core`) when the script pinned the daemon and the
    /// ping-pong process at `baselineSocket` to one CPU, and this process to another or the same.
    static func pointQueries(socket path: String, directory: String, count: Int, baselineSocket: String? = nil, placement: String? = nil) {
        let sirens = DaemonBenchmarks.demoSIRENs
        let clusters = DaemonBenchmarks.demoClusters
        func request(_ method: String, _ key: String, _ value: String) -> [UInt8] {
            Array("{\"method\":\"org.clusterd.Registry.\(method)\",\"parameters\":{\"\(key)\":\"\(value)\"}}".utf8) + [0]
        }
        let client = BlockingClient(path: path)
        let companyRequests = (0..<count).map { request("GetCompany", "siren", sirens[$0 * 7919 % sirens.count]) }
        let clusterRequests = (0..<count).map { request("GetCluster", "id", clusters[$0 % clusters.count]) }
        let companyReplySize = client.exchange(companyRequests[0])
        let clusterReplySize = client.exchange(clusterRequests[0])
        for request in companyRequests.prefix(2000) { _ = client.exchange(request) }

        let suffix = placement.map { "_" + $0 } ?? ""
        var servers: [PingPongServer] = []
        let baselineCompany: BlockingClient
        let baselineCluster: BlockingClient
        if let external = baselineSocket {
            baselineCompany = BlockingClient(path: external)
            _ = baselineCompany.exchange(Array("size:\(companyReplySize)".utf8) + [0])
            baselineCluster = BlockingClient(path: external)
            _ = baselineCluster.exchange(Array("size:\(clusterReplySize)".utf8) + [0])
        } else {
            servers = [
                PingPongServer(path: directory + "/ping-company.sock", replySize: companyReplySize),
                PingPongServer(path: directory + "/ping-cluster.sock", replySize: clusterReplySize),
            ]
            baselineCompany = BlockingClient(path: servers[0].path)
            baselineCluster = BlockingClient(path: servers[1].path)
        }

        /// Times each of `requests` on `client`, after a pause, into `samples`.
        func timed(_ client: BlockingClient, _ requests: ArraySlice<[UInt8]>, into samples: inout [Double]) {
            usleep(100_000)
            for request in requests {
                let start = Clock.now()
                _ = client.exchange(request)
                samples.append(Clock.seconds(since: start))
            }
        }

        if placement == "ping_pong_alone" {
            // The ping-pong on its own, the daemon idle: how long a round trip takes where the
            // kernel puts a pair of processes that only talk to each other.
            var raw: [Double] = []
            timed(baselineCompany, companyRequests[...], into: &raw)
            let note = "the raw ping-pong alone (no daemon calls between its calls), placed by the kernel; \(companyReplySize)-byte replies"
            Figure(name: "raw_ping_pong_alone_p50", value: median(raw) * 1e6, unit: "µs", note: note).printed()
            Figure(name: "raw_ping_pong_alone_p99", value: percentile(raw, 99) * 1e6, unit: "µs", note: note).printed()
            return
        }
        for (name, requests, daemon, baseline) in [
            ("get_company", companyRequests, client, baselineCompany), ("get_cluster", clusterRequests, client, baselineCluster),
        ] {
            var latencies: [Double] = []
            var raw: [Double] = []
            // In blocks of 5,000 calls, each after a pause, taking turns. Where the kernel puts
            // two threads that wake each other depends on what ran before; measured on a 2-vCPU
            // virtual machine, the ping-pong shared the client's core (~9 µs) both call by call
            // and in blocks, while alone (`ping_pong_alone`) it took 9 to 55 µs from run to run.
            let block = 5000
            for first in stride(from: 0, to: requests.count, by: block) {
                let part = requests[first..<min(first + block, requests.count)]
                timed(daemon, part, into: &latencies)
                timed(baseline, part, into: &raw)
            }
            let rate = Double(requests.count) / latencies.reduce(0, +)
            let rawRate = Double(requests.count) / raw.reduce(0, +)
            let note = placement.map { "pinned with taskset: client and daemon on \($0 == "same_core" ? "one core" : "different cores") (the ping-pong server, a process of its own, pinned like the daemon)" }
                ?? "placed by the kernel"
            Figure(name: "\(name)_p50\(suffix)", value: median(latencies) * 1e6, unit: "µs", baselineName: "raw Unix-socket ping-pong p50", baseline: median(raw) * 1e6, note: note).printed()
            Figure(name: "\(name)_p99\(suffix)", value: percentile(latencies, 99) * 1e6, unit: "µs", baselineName: "raw Unix-socket ping-pong p99", baseline: percentile(raw, 99) * 1e6, note: note).printed()
            Figure(name: "\(name)_throughput_1_connection\(suffix)", value: rate, unit: "requests/s", baselineName: "raw ping-pong", baseline: rawRate, note: note).printed()
        }
        withExtendedLifetime(servers) {}
    }
}
