import ArgumentParser
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Runs one exchange with the daemon and turns every failure into a one-line message and an exit code.
enum DaemonConnection {
    static func with<Result>(
        _ options: ConnectionOptions,
        _ body: (VarlinkClient) async throws -> Result
    ) async throws -> Result {
        let path = options.socketPath
        let client: VarlinkClient
        do {
            client = try await VarlinkClient.connect(to: path)
        } catch let error as VarlinkClientError {
            if case .cannotConnect(_, let reason) = error, reason == "Permission denied" {
                Terminal.printError("\(error): your user may not use this socket; the daemon's socket is for root, the clusterd user and the clusterd-admin group")
            } else {
                Terminal.printError(
                    "\(error): is clusterd running? Start it (systemctl start clusterd.socket, or clusterd --socket \(path)) or pass --socket PATH"
                )
            }
            throw ExitCode(69)
        }
        defer { Task { await client.close() } }
        return try await reportingErrors(place: "socket \(path)") { try await body(client) }
    }

    /// Turns the daemon's errors into one line each and the documented exit codes.
    static func reportingErrors<Result>(place: String, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as VarlinkError {
            Terminal.printError(describe(error))
            throw ExitCode(1)
        } catch let error as VarlinkClientError {
            Terminal.printError("\(error) (\(place))")
            throw ExitCode(error == .connectionClosed ? 69 : 70)
        }
    }

    /// "InvalidArgument: siren: the Luhn check digit is wrong" rather than raw JSON.
    static func describe(_ error: VarlinkError) -> String {
        let shortName = error.name.split(separator: ".").last.map(String.init) ?? error.name
        let details = error.parameters.keys.sorted().map { key in
            let value = error.parameters[key]!
            return "\(key)=\(value.stringValue ?? value.description)"
        }
        return details.isEmpty ? shortName : "\(shortName): \(details.joined(separator: ", "))"
    }
}
