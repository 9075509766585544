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
