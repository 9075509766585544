import ClusterDaemon
import ClusterModel
import Varlink

/// The fast twins beside the general code they stand in for, each on the work it exists for: a
/// twin is kept only where it wins at least 20 % on the figure it serves (issue 18). The flat
/// input checker was measured here too, and removed (see `VarlinkInterface.inputMismatch`).
enum TwinBenchmarks {
    static func run(rounds: Int) {
        events(rounds: rounds)
        importDecoding(rounds: rounds)
    }

    /// `decodeHot` against the general decoder, on the log's mix (the replay's figure).
    private static func events(rounds: Int) {
        let payloads = Workload.mix(200_000).map(EventCodec.encode)
        func eventsPerSecond(_ path: EventCodec.DecodingPath) -> Double {
            let seconds = median(rounds) {
                for payload in payloads { guard (try? EventCodec.decode(payload, path: path)) != nil else { BenchCommand.failure("a payload did not decode") } }
            }
            return Double(payloads.count) / seconds
        }
        let general = eventsPerSecond(.general)
        let fastest = eventsPerSecond(.fastest)
        Figure(
            name: "twin_event_decode", value: fastest, unit: "events/s", baselineName: "the general decoder, same events", baseline: general,
            note: "\(payloads.count) events of the replay mix (companies and memberships, as a log mostly holds), median of \(rounds)"
        ).printed()
    }

    /// `ImportDecoding` (on one thread) against the general path, on the demo network's Import.
    private static func importDecoding(rounds: Int) {
        let commands = DaemonBenchmarks.demoImportCommands()
        let parameters = JSONSerializer.serialize(["commands": .array(commands)] as JSONValue)
        let general = median(rounds) {
            guard ImportDecodingBenchmark.decodeGeneral(parameters) == commands.count else { BenchCommand.failure("the general path refused the demo Import") }
        }
        let direct = median(rounds) {
            guard ImportDecodingBenchmark.decode(parameters, parallel: false) == commands.count else { BenchCommand.failure("the direct path refused the demo Import") }
        }
        Figure(
            name: "twin_import_decode", value: Double(commands.count) / direct, unit: "commands/s", baselineName: "the general path (parse, check, decode)",
            baseline: Double(commands.count) / general,
            note: "the demo network's \(commands.count) commands, \(parameters.count / 1024) KiB, one thread; median of \(rounds): \(String(format: "%.1f", direct * 1000)) vs \(String(format: "%.1f", general * 1000)) ms"
        ).printed()
    }

    /// The median time of `rounds` runs of `body`, in seconds.
    private static func median(_ rounds: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = Clock.now()
            body()
            times.append(Clock.seconds(since: start))
        }
        return times.sorted()[times.count / 2]
    }
}
