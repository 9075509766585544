import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Many connections driven by one thread with poll(2), each with one call outstanding at a time: the
/// way pgbench drives its clients (`-c N -j 1`). A thread per connection would spend the load
/// generator's share of the two cores on scheduling 64 threads, taken from the daemon it measures.
struct ConnectionDriver {
    struct Outcome {
        var latencies: [Double] = []
        /// Replies that were errors (`{"error"…`), in full.
        var errors: [String] = []
        var elapsed: Double = 0
    }

    /// Connects `connections` times to `path` and, until `seconds` have passed, sends each
    /// connection's next request (`request(connection, call)`, NUL-terminated) as soon as the reply to
    /// its previous one has arrived. Calls still outstanding at the deadline are waited for, and
    /// each connection makes at least `minimumCalls` calls however long they take (on a loaded
    /// machine a first reply can come after the deadline: a run of one call measured nothing).
    static func run(socket path: String, connections: Int, seconds: Double, minimumCalls: Int = 1, request: (_ connection: Int, _ call: Int) -> [UInt8]) -> Outcome {
        let clients = (0..<connections).map { _ in BlockingClient(path: path) }
        for client in clients {
            let flags = fcntl(client.descriptor, F_GETFL)
            precondition(fcntl(client.descriptor, F_SETFL, flags | O_NONBLOCK) == 0)
        }
        var watched = clients.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        var outcome = Outcome()
        outcome.latencies.reserveCapacity(Int(seconds * 100_000))
        var calls = [Int](repeating: 0, count: connections)
        var sentAt = [UInt64](repeating: 0, count: connections)
        var replies = [[UInt8]](repeating: [], count: connections)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let errorPrefix = Array(#"{"error""#.utf8)

        func send(_ connection: Int) {
            let bytes = request(connection, calls[connection])
            sentAt[connection] = Clock.now()
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.send(clients[connection].descriptor, $0.baseAddress! + sent, $0.count - sent, 0) }
                if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                precondition(count > 0, "send failed: errno \(errno)")
                sent += count
            }
        }

        let start = Clock.now()
        let deadline = start + UInt64(seconds * 1e9)
        for connection in 0..<connections { send(connection) }
        var outstanding = connections
        while outstanding > 0 {
            let ready = poll(&watched, nfds_t(connections), 10_000)
            if ready < 0 && errno == EINTR { continue }
            precondition(ready > 0, "no reply for 10 s (poll: \(ready), errno \(errno))")
            for connection in 0..<connections where watched[connection].revents != 0 {
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(clients[connection].descriptor, $0.baseAddress, $0.count, 0) }
                    if count < 0 && (errno == EAGAIN || errno == EINTR) { break }
                    precondition(count > 0, "connection \(connection) closed (errno \(errno))")
                    replies[connection] += buffer[0..<count]
                    guard replies[connection].last == 0 else { continue }
                    outcome.latencies.append(Double(Clock.now() - sentAt[connection]) / 1e9)
                    if replies[connection].starts(with: errorPrefix) {
                        outcome.errors.append(String(decoding: replies[connection].dropLast(), as: UTF8.self))
                    }
                    replies[connection].removeAll(keepingCapacity: true)
                    calls[connection] += 1
                    if Clock.now() < deadline || calls[connection] < minimumCalls {
                        send(connection)
                    } else {
                        outstanding -= 1
                        watched[connection].fd = -1
                    }
                    break
                }
            }
        }
        outcome.elapsed = Clock.seconds(since: start)
        withExtendedLifetime(clients) {}
        return outcome
    }
}
