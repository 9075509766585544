import ClusterModel
import EventLog
import Varlink

/// Where reads that need the log run: at a past sequence number or time (a replay), and
/// `History` (a record read per event). They run on a pool of their own, with no lock the writer
/// needs, so that neither the event loops nor the writes wait for them.
public struct HistoricalReads: Sendable {
    public let pool: BlockingWorkPool
    public let rebuilt: RebuiltStates

    public init(threads: Int) {
        pool = BlockingWorkPool(name: "clusterd-history", threads: threads, idlePriority: true)
        rebuilt = RebuiltStates()
    }

    /// Whether answering `method` with `parameters` reads the log rather than only the view.
    public static func needsLog(_ method: String, _ parameters: [String: JSONValue]) -> Bool {
        method == "History" || parameters["at_seq"].map { $0 != .null } == true || parameters["at_time"].map { $0 != .null } == true
    }
}
