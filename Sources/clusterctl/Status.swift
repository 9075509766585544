import ArgumentParser
import Varlink

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's version, log and uptime (GetStatus)."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the GetStatus reply as JSON.")
    var json = false

    func run() async throws {
        let reply = try await DaemonConnection.with(connection) { client in
            try await client.call("org.clusterd.Registry.GetStatus")
        }
        if json {
            Terminal.printJSON(reply)
            return
        }
        func text(_ key: String) -> String {
            guard let value = reply[key] else { return "?" }
            return value.stringValue ?? value.description
        }
        Terminal.printKeyValues([
            ("version", text("version")),
            ("socket", connection.socketPath),
            ("started", text("started_at")),
            ("log", "\(text("log_path")) (\(text("log_bytes")) bytes)"),
            ("events", text("events")),
            ("last seq", text("last_seq")),
            ("replay", "\(text("replay_ms")) ms"),
        ])
    }
}
