import ClusterModel
import EventLog

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
}
