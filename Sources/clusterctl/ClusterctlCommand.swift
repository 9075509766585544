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

            Exit codes: 0 success; 1 the daemon refused the request (the error says why);
            64 bad arguments; 69 the daemon cannot be reached; 70 unexpected reply.
            """,
        version: ClusterdVersion.current,
        subcommands: [Status.self, Verify.self]
    )

    @OptionGroup var connection: ConnectionOptions
}
