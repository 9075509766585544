import ArgumentParser
import ClusterDaemon

#if canImport(Glibc)
import Glibc
#endif

/// Where to find the daemon.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The daemon's socket (default: $CLUSTERD_SOCKET, else /run/clusterd.sock).", valueName: "path"))
    var socket: String?

    /// The socket path to connect to.
    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = getenv("CLUSTERD_SOCKET"), fromEnvironment.pointee != 0 {
            return String(cString: fromEnvironment)
        }
        return DaemonConfiguration.defaultSocketPath
    }
}
