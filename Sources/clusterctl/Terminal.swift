import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// Output for people and for programs.
enum Terminal {
    /// Writes "clusterctl: message" to standard error (a note or progress, not an error).
    static func printError(_ message: String) {
        writeError("clusterctl: \(message)\n")
    }

    /// Writes `failure` to standard error: `clusterctl: error: <what> — <what to do>`, then its
    /// detail lines as they are.
    static func report(_ failure: Failure) {
        writeError((["clusterctl: \(failure)"] + failure.details).joined(separator: "\n") + "\n")
    }

    /// Standard error is unbuffered: one write(2), whole lines, nothing to flush. A failure to
    /// write it has nowhere to be reported.
    static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
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
        report(Failure("cannot write to standard output: \(String(cString: strerror(failure)))", hint: "check where the output goes (a full disk?)", code: Failure.Code.ioError))
        exit(Failure.Code.ioError)
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
