import ArgumentParser
import Varlink

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's version, log and uptime (GetStatus).", usage: "clusterctl status [<options>]", discussion: Help.examples("clusterctl status", "clusterctl status --json", "clusterctl --log /var/lib/clusterd/events.log status")
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the GetStatus reply as JSON.")
    var json = false

    func run() async throws {
        let reply = try await connection.with { try await $0.call("GetStatus", [:]) }
        if json {
            Terminal.printJSON(reply)
            return
        }
        var rows: [(String, String)] = [
            ("version", reply.cell("version")),
            (connection.log == nil ? "socket" : "log file", connection.log ?? connection.socketPath),
            ("started", reply.cell("started_at")),
            ("log", "\(reply.cell("log_path")) (\(reply.cell("log_bytes")) bytes)"),
            ("events", reply.cell("events")),
            ("last seq", reply.cell("last_seq")),
            ("head", reply.cell("head_hash")),
            ("replay", "\(reply.cell("replay_ms")) ms"),
        ]
        if reply["log_writable"] == false {
            rows.append(("writes", "REFUSED: \(reply.cell("log_failure"))"))
        }
        Terminal.printKeyValues(rows)
    }
}
