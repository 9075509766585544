import ArgumentParser
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Runs one exchange with the daemon and turns every failure into a `Failure`: one line that says
/// what happened and what to do, and an exit code.
enum DaemonConnection {
    static func with<Result>(
        socketPath path: String,
        _ body: (VarlinkClient) async throws -> Result
    ) async throws -> Result {
        let client: VarlinkClient
        do {
            client = try await VarlinkClient.connect(to: path)
        } catch let error as VarlinkClientError {
            if case .cannotConnect(_, let reason) = error, reason == "Permission denied" {
                throw Failure(
                    "\(error)",
                    hint: "reading the registry needs membership of the clusterd group (writing: clusterd-admin); "
                        + "add yourself with 'sudo usermod -aG clusterd \(currentUser)' and log in again",
                    code: Failure.Code.noPermission
                )
            }
            throw Failure(
                "\(error)",
                hint: "is clusterd running? Start it (systemctl start clusterd.socket, or clusterd --socket \(path)) or pass --socket PATH",
                code: Failure.Code.unavailable
            )
        }
        defer { Task { await client.close() } }
        return try await reportingErrors(place: "socket \(path)") { try await body(client) }
    }

    /// Turns the daemon's errors into failures with the documented exit codes.
    static func reportingErrors<Result>(place: String, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as VarlinkError {
            throw failure(error)
        } catch let error as VarlinkClientError {
            if error == .connectionClosed {
                throw Failure("\(error) (\(place))", hint: "the daemon stopped or dropped the connection; see 'journalctl -u clusterd'", code: Failure.Code.unavailable)
            }
            throw Failure("\(error) (\(place))", hint: "is that a clusterd socket?", code: Failure.Code.software)
        }
    }

    /// The failure that reports a Varlink error: exit 1 (refused), 77 for a refused permission.
    static func failure(_ error: VarlinkError) -> Failure {
        let name = shortName(error)
        let code = name == "PermissionDenied" ? Failure.Code.noPermission : Failure.Code.refused
        return Failure(describe(error), hint: hint(for: error), code: code)
    }

    /// "InvalidArgument: siren: the Luhn check digit is wrong" rather than raw JSON.
    static func describe(_ error: VarlinkError) -> String {
        let details = error.parameters.keys.sorted().map { key in
            let value = error.parameters[key]!
            return "\(key)=\(value.stringValue ?? value.description)"
        }
        let name = shortName(error)
        // An error that says it all in a sentence is shown as that sentence.
        if name == "DisbursementExceedsCommitment" || name == "ProjectNotOpen", let reason = error.parameters["reason"]?.stringValue {
            return "\(name): \(reason)"
        }
        return details.isEmpty ? name : "\(name): \(details.joined(separator: ", "))"
    }

    private static func shortName(_ error: VarlinkError) -> String {
        error.name.split(separator: ".").last.map(String.init) ?? error.name
    }

    /// What to do about each error of `org.clusterd.Registry` and the Varlink service.
    static func hint(for error: VarlinkError) -> String {
        switch shortName(error) {
        case "InvalidArgument", "InvalidAnswer": return "correct the value and try again"
        case "UnknownCluster": return "'clusterctl clusters list' shows the clusters"
        case "UnknownCompany": return "register it first ('clusterctl companies add')"
        case "UnknownSurvey": return "'clusterctl surveys list' shows the surveys"
        case "UnknownProject": return "'clusterctl projects list' shows the projects"
        case "UnknownCommitment": return "'clusterctl projects show PROJECT' lists a project's commitments"
        case "ProjectNotOpen": return "'clusterctl projects show PROJECT' shows its status and when it changed"
        case "DisbursementExceedsCommitment": return "pay at most what is committed, or revise the commitment first ('clusterctl funding revise')"
        case "AlreadyExists": return "choose another id, or change the existing one with an update command"
        case "AlreadyMember": return "end the membership first ('clusterctl leave'), or join on another date"
        case "NotAMember": return "'clusterctl companies show SIREN' shows its memberships"
        case "SurveyNotOpen": return "a survey takes responses only between its opening and closing times"
        case "DuplicateResponse": return "a company answers a survey once"
        case "ConcurrencyConflict":
            let actual = error.parameters["actual"].map { $0.stringValue ?? $0.description } ?? "N"
            return "the log moved on: read the registry again, then retry with --expected-seq \(actual)"
        case "RequestIdReused":
            return "a new request needs a new --request-id; the same request sent again answers its first result"
        case "PermissionDenied":
            // The daemon's reason names its writers' group (clusterd-admin unless configured).
            let reason = error.parameters["reason"]?.stringValue ?? ""
            let group = reason.components(separatedBy: "group '").dropFirst().first?.components(separatedBy: "'").first ?? "clusterd-admin"
            return "writing needs membership of the group '\(group)': 'sudo usermod -aG \(group) \(currentUser)', then log in again"
        case "StorageFailure": return "nothing of the request was stored; see 'journalctl -u clusterd' and the disk"
        case "TooLarge": return "send less at once (split an import into several files)"
        case "TooManyConnections": return "try again later, or raise clusterd's --max-connections"
        case "Cancelled": return "the daemon is stopping; try again once it is back"
        case "InvalidParameter": return "this clusterctl and the daemon disagree on the interface: use the same version of both"
        case "MethodNotFound", "InterfaceNotFound": return "the daemon is an older clusterd: use the same version as clusterctl"
        default: return "see 'journalctl -u clusterd'"
        }
    }

    /// The name of the user running this, for the commands a hint suggests.
    static var currentUser: String {
        if let name = getenv("USER"), name.pointee != 0 { return String(cString: name) }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "$USER"
    }
}
