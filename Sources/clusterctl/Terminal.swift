import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Output for people and for programs.
enum Terminal {
    /// Writes "clusterctl: message" to standard error.
    static func printError(_ message: String) {
        let bytes = Array("clusterctl: \(message)\n".utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Writes `line` and a newline to standard output at once, for a stream whose reader waits
    /// for each line (`watch | cat`, `watch > file`): standard output is buffered by the block
    /// when it is no terminal. Failures as in `flushOutput`.
    static func emitLine(_ line: String) {
        print(line)
        flushOutput()
    }

    /// Writes out what `print` buffered. A reader that went away (`| head -1`) ends the program
    /// quietly, exit 0; any other failure to write (a full disk, `/dev/full`) ends it with a
    /// one-line message and exit 74 (EX_IOERR).
    static func flushOutput() {
        // Every output stream: the one `print` writes to is Glibc's `stdout`, a global Swift 6
        // does not let this code name.
        guard fflush(nil) != 0 else { return }
        let failure = errno
        if failure == EPIPE { exit(0) }
        printError("error: cannot write to standard output: \(String(cString: strerror(failure)))")
        exit(74)
    }

    /// Prints parameters as one line of JSON, keys sorted.
    static func printJSON(_ parameters: [String: JSONValue]) {
        print(JSONValue.object(parameters).description)
    }

    /// Prints rows of label and value with the values aligned.
    static func printKeyValues(_ rows: [(String, String)]) {
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            print(label + String(repeating: " ", count: width - label.count + 2) + value)
        }
    }
}
