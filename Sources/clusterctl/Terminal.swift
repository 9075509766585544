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
    /// detail lines as they are. "error:" is red on a terminal (see `colours`).
    static func report(_ failure: Failure) {
        let line = "clusterctl: " + paint("error:", .red, on: STDERR_FILENO) + String(failure.description.dropFirst("error:".count))
        writeError(([line] + failure.details).joined(separator: "\n") + "\n")
    }

    /// The width tables and bars fit: $COLUMNS when set, else the terminal's; nil (no limit)
    /// when standard output is a pipe or a file (a program reading it wants whole cells: or
    /// --csv, or --json).
    static var columns: Int? {
        if let text = getenv("COLUMNS"), let value = Int(String(cString: text)), value > 0 { return value }
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// `text` wrapped at spaces to lines of at most `width` characters (80 when output is not a
    /// terminal: a sentence for people, not a cell for a program).
    static func wrapped(_ text: String, width: Int? = columns) -> String {
        let limit = width ?? 80
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > limit {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    /// `line` cut to `width` characters, ending with `…` when cut.
    static func fit(_ line: String, to width: Int? = columns) -> String {
        guard let width, line.count > width else { return line }
        return String(line.prefix(max(width - 1, 0))) + "…"
    }

    enum Colour: String {
        case red = "31"
        case green = "32"
    }

    /// Whether output to `descriptor` is coloured: only a terminal, and never with NO_COLOR set
    /// (no-color.org) or TERM=dumb.
    static func colours(_ descriptor: Int32) -> Bool {
        if let value = getenv("NO_COLOR"), value.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return isatty(descriptor) == 1
    }

    /// `text` in bold `colour` where `descriptor` takes colour, else as it is.
    static func paint(_ text: String, _ colour: Colour, on descriptor: Int32 = STDOUT_FILENO) -> String {
        colours(descriptor) ? "\u{1B}[1;\(colour.rawValue)m\(text)\u{1B}[0m" : text
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
