import ArgumentParser
import ClusterDaemon
import ClusterModel
import EventLog
import Varlink

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "The event log itself.", subcommands: [Dump.self])

    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print events as JSON lines: seq, commit time, type, the event, the peer uid, the chain hash.", usage: "clusterctl log dump [--from-seq <n>] [--to-seq <n>] [--type <type>]\n[--siren <siren>] [--cluster <id>] [<options>]",
            discussion: "From the daemon (it streams them), or with --log from a file, read-only. Scripts/logtool.py dump --events prints the same bytes." + "\n\n" + Help.examples("clusterctl log dump --from-seq 100 --to-seq 120", "clusterctl log dump --log events.log --type MembershipStarted --cluster aero")
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(parsing: .unconditional, help: "The first sequence number.") var fromSeq: UInt64?
        @Option(parsing: .unconditional, help: "The last sequence number.") var toSeq: UInt64?
        @Option(parsing: .unconditional, help: "Only events of this type (e.g. MembershipStarted).") var type: String?
        @Option(parsing: .unconditional, help: "Only events about this company.") var siren: String?
        @Option(parsing: .unconditional, help: "Only events about this cluster.") var cluster: String?

        func validate() throws {
            if let type, !EventKind.typeNames.contains(type) {
                throw ValidationError("--type: '\(type)' is not one of \(EventKind.typeNames.joined(separator: ", "))")
            }
            if let siren {
                do { _ = try SIREN(siren) } catch { throw ValidationError("--siren: \(DaemonConnection.describe(ReplyEncoding.error(error)))") }
            }
            if let fromSeq, let toSeq, fromSeq > toSeq { throw ValidationError("--from-seq is after --to-seq") }
        }

        func run() async throws {
            let wantedSiren = try siren.map { try SIREN($0).description }
            func keep(_ event: [String: JSONValue]) -> Bool {
                if let type, event["type"]?.stringValue != type { return false }
                let body = event["event"]?.objectValue ?? [:]
                if let wantedSiren, body["siren"]?.stringValue != wantedSiren { return false }
                if let cluster {
                    let typeName = event["type"]?.stringValue ?? ""
                    let subject = typeName.hasPrefix("Cluster") ? body["id"]?.stringValue : body["cluster"]?.stringValue
                    if subject != cluster { return false }
                }
                return true
            }
            if connection.log != nil {
                let log = try connection.openLog()
                try log.forEachRecord(from: max(fromSeq ?? 1, 1), through: toSeq) { record in
                    let event: Event
                    do {
                        event = try EventCodec.decode(record.payload)
                    } catch {
                        throw Failure.data(
                            "\(log.path): record \(record.sequence) is not an event this build understands: \(error)",
                            hint: "the records before it were printed; 'clusterctl verify --log \(log.path)' checks the log's bytes, a newer clusterctl may read the event"
                        )
                    }
                    let line = ReplyEncoding.logEvent(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds, chainHash: record.chainHash)
                    if keep(line.objectValue ?? [:]) { print(line.description) }
                }
                return
            }
            try await connection.with { endpoint in
                let head = try await endpoint.call("GetStatus", [:])["last_seq"]?.intValue ?? 0
                let last = min(UInt64(head), toSeq ?? UInt64.max)
                let first = max(fromSeq ?? 1, 1)
                guard first <= last else { return }
                for try await reply in endpoint.stream("Watch", ["from_seq": .int(Int64(first - 1))]) {
                    guard let event = reply["event"]?.objectValue, let sequence = event["seq"]?.intValue else { continue }
                    if keep(event) { print(JSONValue.object(event).description) }
                    if UInt64(sequence) >= last { break }
                }
            }
        }
    }
}

struct Checkpoint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the head of the log's hash chain as SEQ:HASH, for an auditor to note.",
        discussion: "Later, `clusterctl verify --log FILE --checkpoint SEQ:HASH` (or `Scripts/logtool.py verify FILE --checkpoint SEQ:HASH`) proves the log still extends exactly that history." + "\n\n" + Help.examples("clusterctl checkpoint", "clusterctl --log events.log checkpoint")
    )
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the checkpoint as JSON: head_hash, log_id, last_seq.") var json = false

    func run() async throws {
        let reply = try await connection.with { try await $0.call("GetStatus", [:]) }
        if json {
            return Terminal.printJSON(["head_hash": reply["head_hash"] ?? .null, "log_id": reply["log_id"] ?? .null, "last_seq": reply["last_seq"] ?? .null])
        }
        print(reply.cell("head_hash"))
    }
}
