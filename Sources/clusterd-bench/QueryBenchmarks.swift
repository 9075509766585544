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
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            precondition(count > 0, "connection closed")
            reply += buffer[0..<count]
            if buffer[count - 1] == 0 { return String(decoding: reply.dropLast(), as: UTF8.self) }
        }
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
final class PingPongServer: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let reply: [UInt8]

    init(path: String, replySize: Int) {
        self.path = path
        unlink(path)
        reply = [UInt8](repeating: UInt8(ascii: "x"), count: max(replySize - 1, 1)) + [0]
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

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { close(connection); return }
            if buffer[count - 1] == 0 {
                _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
            }
        }
    }
}

enum QueryBenchmarks {
    /// GetCompany and GetCluster with one client, p50/p99, beside a raw ping-pong of the same sizes.
    static func pointQueries(socket path: String, directory: String, count: Int) {
        let sirens = DemoNetwork.commands().compactMap { command -> String? in
            if case .registerCompany(let record) = command { return record.siren.description }
            return nil
        }
        let clusters = DemoNetwork.commands().compactMap { command -> String? in
            if case .registerCluster(let record) = command { return record.id.text }
            return nil
        }
        func request(_ method: String, _ key: String, _ value: String) -> [UInt8] {
            Array("{\"method\":\"org.clusterd.Registry.\(method)\",\"parameters\":{\"\(key)\":\"\(value)\"}}".utf8) + [0]
        }
        let client = BlockingClient(path: path)
        let companyRequests = (0..<count).map { request("GetCompany", "siren", sirens[$0 * 7919 % sirens.count]) }
        let clusterRequests = (0..<count).map { request("GetCluster", "id", clusters[$0 % clusters.count]) }
        let companyReplySize = client.exchange(companyRequests[0])
        let clusterReplySize = client.exchange(clusterRequests[0])
        for request in companyRequests.prefix(2000) { _ = client.exchange(request) }

        let pingCompany = PingPongServer(path: directory + "/ping-company.sock", replySize: companyReplySize)
        let pingCluster = PingPongServer(path: directory + "/ping-cluster.sock", replySize: clusterReplySize)
        let baselineCompany = BlockingClient(path: pingCompany.path)
        let baselineCluster = BlockingClient(path: pingCluster.path)

        for (name, requests, daemon, baseline) in [
            ("get_company", companyRequests, client, baselineCompany), ("get_cluster", clusterRequests, client, baselineCluster),
        ] {
            var latencies: [Double] = []
            var raw: [Double] = []
            for request in requests {
                var start = Clock.now()
                _ = daemon.exchange(request)
                latencies.append(Clock.seconds(since: start))
                start = Clock.now()
                _ = baseline.exchange(request)
                raw.append(Clock.seconds(since: start))
            }
            let rate = Double(requests.count) / latencies.reduce(0, +)
            let rawRate = Double(requests.count) / raw.reduce(0, +)
            Figure(name: "\(name)_p50", value: median(latencies) * 1e6, unit: "µs", baselineName: "raw Unix-socket ping-pong p50", baseline: median(raw) * 1e6).printed()
            Figure(name: "\(name)_p99", value: percentile(latencies, 99) * 1e6, unit: "µs", baselineName: "raw Unix-socket ping-pong p99", baseline: percentile(raw, 99) * 1e6).printed()
            Figure(name: "\(name)_throughput_1_connection", value: rate, unit: "requests/s", baselineName: "raw ping-pong", baseline: rawRate).printed()
        }
        withExtendedLifetime((pingCompany, pingCluster)) {}
    }
}
