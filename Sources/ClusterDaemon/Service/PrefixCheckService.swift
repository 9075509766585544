import Dispatch
import EventLog
import Logging
import ServiceLifecycle

/// Checks, once serving, the records that opening did not read because it started at a
/// snapshot's record (docs/log-format.md, "Opening"): every CRC, sequence number and record
/// structure up to there, on a background thread. Damage stops writes (`GetStatus` shows why in
/// `log_failure`, and the journal says where); reads go on.
struct PrefixCheckService: Service {
    let log: EventLog
    let logger: Logger

    func run() async throws {
        if let resumedAfter = log.openReport.resumedAfterSequence {
            let start = ContinuousClock.now
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<EventLog.PrefixCheck, Never>) in
                DispatchQueue.global(qos: .utility).async { continuation.resume(returning: log.checkPrefix()) }
            }
            let milliseconds = "\((ContinuousClock.now - start).milliseconds)"
            switch result {
            case .notNeeded:
                break
            case .intact(let records, let bytes):
                logger.info(
                    "checked the records before the snapshot's: intact",
                    metadata: ["log": "\(log.path)", "through_seq": "\(resumedAfter)", "records": "\(records)", "bytes": "\(bytes)", "ms": "\(milliseconds)"]
                )
            case .damaged(let problem):
                logger.error(
                    "the log is damaged before the snapshot's record: writes are refused from now on, reads go on",
                    metadata: [
                        "log": "\(log.path)", "through_seq": "\(resumedAfter)", "problem": "\(problem)", "ms": "\(milliseconds)",
                        "message_id": "\(MessageID.damageFoundInBackground)",
                    ]
                )
            }
        }
        // A service that returns would end the group: wait for the shutdown.
        try? await gracefulShutdown()
    }
}
