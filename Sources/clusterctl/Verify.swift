import ArgumentParser
import ClusterDaemon
import EventLog
import Logging
import Varlink

#if canImport(Glibc)
import Glibc
#endif

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a log offline: every CRC, every sequence number and the whole SHA-256 chain.",
        usage: "clusterctl verify --log <file> [--checkpoint <seq:hash>]\n[--snapshots <dir>] [--json]",
        discussion: "Then the snapshots beside it (or in --snapshots DIR): whether clusterd would load each one (the log records its SHA-256) and whether its content equals the log replayed up to it. Exit 0 when the log is intact and no snapshot is false; 1 with the first bad byte offset and sequence number, or a false snapshot, otherwise; 65 when the file is no clusterd log; 66 when it is no file (missing, a directory, a FIFO, a device). Never modifies the file." + "\n\n" + Help.examples("clusterctl verify --log /var/lib/clusterd/events.log", "clusterctl verify --log events.log --checkpoint SEQ:HASH")
    )

    @OptionGroup var file: LogFileOptions

    func validate() throws {
        if let checkpoint, LogVerifier.parseCheckpoint(checkpoint) == nil {
            throw ValidationError("--checkpoint: '\(checkpoint)' is not SEQ:HASH (a sequence number, a colon, 64 hexadecimal digits)")
        }
        if let snapshots {
            var info = stat()
            guard stat(snapshots, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw ValidationError("--snapshots: '\(snapshots)' is not a directory")
            }
        }
    }

    var log: String { file.log }

    @Option(parsing: .unconditional, help: ArgumentHelp("Also prove the log still extends the history noted as SEQ:HASH (see clusterctl checkpoint).", valueName: "seq:hash"))
    var checkpoint: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Where the snapshots are (default: the log's directory).", valueName: "dir"))
    var snapshots: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// The snapshots' findings, when the log is intact.
    func auditSnapshots() -> [SnapshotAudit.Finding] {
        let directory = snapshots ?? {
            guard let slash = log.lastIndex(of: "/") else { return "." }
            return slash == log.startIndex ? "/" : String(log[..<slash])
        }()
        var options = EventLog.Options()
        options.readOnly = true
        guard let opened = try? EventLog.open(path: log, options: options, logger: Logger(label: "clusterctl", factory: { _ in SwiftLogNoOpLogHandler() })) else { return [] }
        defer { opened.close() }
        return SnapshotAudit.check(directory: directory, log: opened)
    }

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
        let findings = report.problem == nil ? auditSnapshots() : []
        let falseSnapshots = findings.filter { if case .forged = $0.verdict { return true } else { return false } }
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
            result["snapshots"] = .array(findings.map { finding in
                var object: [String: JSONValue] = [
                    "path": .string(finding.path), "snapshot_seq": .int(Int64(finding.sequence)), "result": .string(finding.description),
                ]
                switch finding.verdict {
                case .sound(let record): (object["used_by_clusterd"], object["recorded_at_seq"], object["matches_log"]) = (.bool(true), .int(Int64(record)), .bool(true))
                case .unused: object["used_by_clusterd"] = .bool(false)
                case .forged(let record, _): (object["used_by_clusterd"], object["recorded_at_seq"], object["matches_log"]) = (.bool(true), .int(Int64(record)), .bool(false))
                }
                return .object(object)
            })
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
            if report.problem != nil {
                rows.append(("snapshots", "not checked: the log is damaged"))
            } else if findings.isEmpty {
                rows.append(("snapshots", "none"))
            }
            for finding in findings {
                let name = finding.path.split(separator: "/").last.map(String.init) ?? finding.path
                let text = finding.description
                rows.append((name, { if case .forged = finding.verdict { return Terminal.paint(text, .red) } else { return text } }()))
            }
            Terminal.printKeyValues(rows)
        }
        if let outcome = report.checkpoint, !outcome.holds {
            throw Failure("\(log): \(outcome)", hint: "the log no longer extends the history the checkpoint noted: compare it with a backup", code: Failure.Code.refused)
        }
        if let first = falseSnapshots.first {
            throw refusal(
                "\(first.path): \(first.description)",
                hint: "stop clusterd, keep the file for the investigation and remove it from the state directory; the log itself is intact"
            )
        }
        if let problem = report.problem {
            throw refusal(
                "\(log): first bad record at byte offset \(problem.offset), sequence \(problem.sequence): \(problem.reason)",
                hint: "keep a copy of the file; clusterd's --repair-truncate-after-seq can cut the log before the damage"
            )
        }
    }

    /// Exit 1: with the error line, or, with --json, after the JSON that already says it.
    private func refusal(_ what: String, hint: String) -> any Error {
        json ? ExitCode(Failure.Code.refused) : Failure(what, hint: hint, code: Failure.Code.refused)
    }
}
