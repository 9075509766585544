import ClusterModel
import Foundation
import Locking

/// What historical reads cost everyone else: GetCompany and a durable write on one connection,
/// timed alone, then while another connection asks for the registry at random past sequence
/// numbers without pause (each a replay of up to the whole log on the daemon's history thread).
enum HistoricalInterference {
    /// `events`: the length of the daemon's log, made by `make-log` (Workload.mix).
    static func run(socket path: String, events: Int, count: Int) {
        let companies = (events - 70) / 2
        let client = BlockingClient(path: path)
        var written = 0
        func measure() -> (reads: [Double], writes: [Double]) {
            var reads: [Double] = []
            var writes: [Double] = []
            for index in 0..<count {
                let known = SIREN.withCheckDigit(prefix: UInt32(10_000_000 + index * 7919 % companies))!
                let read = message("GetCompany", #""siren":"\#(known)""#)
                var start = Clock.now()
                _ = client.exchange(read)
                reads.append(Clock.seconds(since: start))
                let new = SIREN.withCheckDigit(prefix: UInt32(70_000_000 + written))!
                written += 1
                let write = message("RegisterCompany", #""siren":"\#(new)","name":"Interference \#(written)","naf":"62.01Z","department":"69","employees":5"#)
                start = Clock.now()
                let reply = client.exchangeReply(write)
                writes.append(Clock.seconds(since: start))
                if reply.contains("\"error\"") { BenchCommand.failure("the daemon refused a write: \(reply.prefix(300))") }
            }
            return (reads, writes)
        }
        let quiet = measure()
        let stop = Locked(false)
        let historical = Locked(0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let reader = BlockingClient(path: path)
            var generator = SplitMix64(seed: 7)
            while !stop.withLock({ $0 }) {
                let target = 1 + generator.next() % UInt64(events)
                let reply = reader.exchangeReply(message("ListClusters", #""at_seq":\#(target),"limit":1"#))
                if reply.contains("\"error\"") { BenchCommand.failure("a historical read was refused: \(reply.prefix(300))") }
                historical.withLock { $0 += 1 }
            }
            done.signal()
        }
        // The first replay is under way before the timing starts.
        Thread.sleep(forTimeInterval: 0.2)
        let before = historical.withLock { $0 }
        let began = Clock.now()
        let busy = measure()
        let seconds = Clock.seconds(since: began)
        // Only the historical reads answered while the figures were taken count: a history
        // thread that got no CPU would cost the others nothing and prove nothing.
        let during = historical.withLock { $0 } - before
        stop.withLock { $0 = true }
        done.wait()
        if during == 0 { BenchCommand.failure("no historical read was answered in the \(seconds) s measured: nothing was interfering") }
        let note = "\(count) GetCompany and \(count) RegisterCompany alternating on one connection, on a \(events)-event log; "
            + String(format: "meanwhile %d ListClusters at a random at_seq answered on another, in the %.1f s measured", during, seconds)
        Figure(
            name: "get_company_p99_during_historical_reads", value: percentile(busy.reads, 99) * 1e6, unit: "µs",
            baselineName: "no historical reads", baseline: percentile(quiet.reads, 99) * 1e6, note: note
        ).printed()
        Figure(
            name: "write_p99_during_historical_reads", value: percentile(busy.writes, 99) * 1e6, unit: "µs",
            baselineName: "no historical reads", baseline: percentile(quiet.writes, 99) * 1e6, note: note
        ).printed()
    }

    private static func message(_ method: String, _ parameters: String) -> [UInt8] {
        Array("{\"method\":\"org.clusterd.Registry.\(method)\",\"parameters\":{\(parameters)}}".utf8) + [0]
    }
}
