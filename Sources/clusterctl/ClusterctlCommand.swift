import ArgumentParser
import ClusterDaemon

@main
struct ClusterctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterctl",
        abstract: "Control and query clusterd, the member registry daemon.",
        discussion: """
            The socket is --socket, else $CLUSTERD_SOCKET, else /run/clusterd.sock.
            Every command prints a table for people, or with --json exactly the parameters of the
            daemon's Varlink reply.

            With --log FILE, read commands answer from a log file, opened read-only and replayed
            with the daemon's own code: no daemon needed (audits). --at-seq N and --as-of DATE or
            TIME travel in time.

            Exit codes: 0 success; 1 the daemon refused the request, or verify found damage (the
            message says why); 64 bad arguments; 65 bad input data (an import file's rows, an
            unusable log file, a file that is no clusterd log); 66 --log names no file (missing, a
            directory, a FIFO, a device); 69 the daemon cannot be reached; 70 unexpected reply; 74
            the output could not be written (a reader that went away, as `| head`, is no error);
            77 permission denied.
            """,
        version: ClusterdVersion.current,
        subcommands: [
            Status.self, Stats.self, Clusters.self, Companies.self, Members.self, Join.self, Leave.self, PartnerCommand.self,
            Surveys.self, History.self, Watch.self, Import.self, Demo.self, Verify.self, Checkpoint.self, LogCommand.self, Audit.self,
        ]
    )

    @OptionGroup var connection: ConnectionOptions

    /// Runs the command as ArgumentParser would, then checks that its output was written:
    /// `print` ignores a failed write (`clusterctl stats > /dev/full` ended 0 with nothing
    /// written). See `Terminal.flushOutput`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            Terminal.flushOutput()
            exit(withError: error)
        }
        Terminal.flushOutput()
    }
}
