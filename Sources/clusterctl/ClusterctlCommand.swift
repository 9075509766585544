import ArgumentParser
import ClusterDaemon

#if canImport(Glibc)
import Glibc
#endif

@main
struct ClusterctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterctl",
        abstract: "Control and query clusterd, the member registry daemon.",
        discussion: """
            The socket is --socket, else $CLUSTERD_SOCKET, else /run/clusterd.sock. Every command \
            prints a table for people, or with --json exactly the parameters of the daemon's \
            Varlink reply.

            With --log FILE, read commands answer from a log file, opened read-only and replayed \
            with the daemon's own code: no daemon needed (audits). Reads look back on two axes: \
            --on DATE (memberships valid that day, as known now) and --as-recorded-at TIME or \
            --at-seq N (what the registry had recorded then). --socket and --log may also come \
            before the subcommand.

            Errors are one line: 'clusterctl: error: <what> — <what to do>'.

            \(ExitCodes.table)

            Examples:
              clusterctl stats --on 2020-12-31 --as-recorded-at 2021-01-01T00:00:00+01:00
              clusterctl --log /var/lib/clusterd/events.log companies show 732829320
              clusterctl watch --from-seq 1 | head
            """,
        version: ClusterdVersion.current,
        subcommands: [
            Status.self, Stats.self, Clusters.self, Companies.self, Members.self, Join.self, Leave.self, PartnerCommand.self,
            Surveys.self, People.self, Testers.self, Privacy.self, Projects.self, Funding.self, History.self, Watch.self, Import.self, Demo.self, Verify.self, Checkpoint.self, LogCommand.self, Audit.self,
        ]
    )

    /// Runs the command as ArgumentParser would, with one error format for every failure
    /// (`clusterctl: error: <what> — <what to do>`, the usage banner only for usage errors), then
    /// checks that its output was written: `print` ignores a failed write (`clusterctl stats >
    /// /dev/full` ended 0 with nothing written). See `Terminal.flushOutput`.
    static func main() async {
        do {
            var command = try parseAsRoot(GlobalOptions.placed(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            Terminal.flushOutput()
            exit(with: error)
        }
        Terminal.flushOutput()
    }

    private static func exit(with error: any Error) -> Never {
        switch error {
        case let failure as Failure:
            Terminal.report(failure)
            Glibc.exit(failure.code)
        case let code as ExitCode:
            // Thrown after its message was written (or, for verify's damage, its report).
            Glibc.exit(code.rawValue)
        default:
            break
        }
        let code = exitCode(for: error)
        if code == .success {
            // --help, --version: what was asked for, on standard output, checked like all output.
            print(fullMessage(for: error))
            Terminal.flushOutput()
            Glibc.exit(0)
        }
        if code == .validationFailure {
            // ArgumentParser words parse errors "Error: …", then the usage and where help is.
            var text = fullMessage(for: error)
            if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
            Terminal.writeError("clusterctl: error: " + text + (text.hasSuffix("\n") ? "" : "\n"))
            Glibc.exit(Failure.Code.usage)
        }
        Terminal.report(Failure("\(error)", hint: "this is unexpected: please report it with the command that caused it", code: Failure.Code.software))
        Glibc.exit(Failure.Code.software)
    }
}

/// `--socket PATH` and `--log PATH` may also come before the subcommand, as global options
/// (`clusterctl --socket /run/x.sock stats`); each subcommand declares which of them it takes, so
/// that its help offers only those and it refuses the other with a message that says why.
enum GlobalOptions {
    static let names = ["--socket", "--log"]

    /// `arguments` with the global options given before the subcommand moved after it (and after
    /// its own subcommand: `clusters add`), where the subcommand parses them.
    static func placed(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if names.contains(argument) {
                globals += arguments[index..<min(index + 2, arguments.count)]
                index += 2
            } else if names.contains(where: { argument.hasPrefix($0 + "=") }) {
                globals.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !globals.isEmpty else { return arguments }
        var command: any ParsableCommand.Type = ClusterctlCommand.self
        var path: [String] = []
        while index < arguments.count,
            let subcommand = command.configuration.subcommands.first(where: {
                $0._commandName == arguments[index] || $0.configuration.aliases.contains(arguments[index])
            })
        {
            path.append(arguments[index])
            command = subcommand
            index += 1
        }
        return path + globals + arguments[index...]
    }
}
