import ArgumentParser
import EventLog
import Varlink

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a log offline: every CRC, every sequence number and the whole SHA-256 chain.",
        discussion: "Exit 0 when the log is intact; 1 with the first bad byte offset and sequence number otherwise; 65 when the file is no clusterd log; 66 when it is no file (missing, a directory, a FIFO, a device). Never modifies the file." + "\n\n" + Help.examples("clusterctl verify --log /var/lib/clusterd/events.log", "clusterctl verify --log events.log --checkpoint SEQ:HASH")
    )

    @OptionGroup var file: LogFileOptions

    func validate() throws {
        if let checkpoint, LogVerifier.parseCheckpoint(checkpoint) == nil {
            throw ValidationError("--checkpoint: '\(checkpoint)' is not SEQ:HASH (a sequence number, a colon, 64 hexadecimal digits)")
        }
    }

    var log: String { file.log }

    @Option(parsing: .unconditional, help: ArgumentHelp("Also prove the log still extends the history noted as SEQ:HASH (see clusterctl checkpoint).", valueName: "seq:hash"))
    var checkpoint: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        try LogFileCheck.requireRegularFile(log)
        let report = LogVerifier.verify(path: log, checkpoint: checkpoint.flatMap(LogVerifier.parseCheckpoint).map { (sequence: $0.0, hash: $0.1) })
        switch report.headerProblem {
        case .notALog?, .tooShort?, .unsupportedVersion?:
            // Not damage to a log: no clusterd log at all, or one this build cannot read.
            throw Failure.data("\(log) is not a clusterd log this build reads: \(report.headerProblem!)", hint: "give the path of a clusterd events.log")
        default:
            break
        }
        if json {
            var result: [String: JSONValue] = [
                "log_path": .string(log),
                "intact": .bool(report.isIntact),
                "records": .int(Int64(report.intactRecords)),
                "last_seq": .int(Int64(report.lastIntactSequence)),
            ]
            if let header = report.header { result["log_id"] = .string(header.logIDHex) }
            if let hash = report.headHash { result["head_hash"] = .string("\(report.lastIntactSequence):\(hash.hex)") }
            if let outcome = report.checkpoint {
                result["checkpoint_holds"] = .bool(outcome.holds)
                result["checkpoint"] = .string(outcome.description)
            }
            if let problem = report.problem {
                result["problem"] = [
                    "offset": .int(Int64(problem.offset)), "seq": .int(Int64(problem.sequence)), "reason": .string(problem.reason),
                ]
            }
            Terminal.printJSON(result)
        } else {
            var rows: [(String, String)] = [("log", log)]
            if let header = report.header { rows.append(("log id", header.logIDHex)) }
            rows.append(("intact records", "\(report.intactRecords)"))
            if let hash = report.headHash { rows.append(("head", "\(report.lastIntactSequence):\(hash.hex)")) }
            if let problem = report.problem {
                rows.append(("result", Terminal.paint("DAMAGED", .red) + " \(problem)"))
            } else {
                rows.append(("result", Terminal.paint("intact", .green)))
            }
            if let outcome = report.checkpoint { rows.append(("checkpoint", outcome.description)) }
            Terminal.printKeyValues(rows)
        }
        if let outcome = report.checkpoint, !outcome.holds {
            throw Failure("\(log): \(outcome)", hint: "the log no longer extends the history the checkpoint noted: compare it with a backup", code: Failure.Code.refused)
        }
        if let problem = report.problem {
            guard !json else { throw ExitCode(Failure.Code.refused) }
            throw Failure(
                "\(log): first bad record at byte offset \(problem.offset), sequence \(problem.sequence): \(problem.reason)",
                hint: "keep a copy of the file; clusterd's --repair-truncate-after-seq can cut the log before the damage",
                code: Failure.Code.refused
            )
        }
    }
}
