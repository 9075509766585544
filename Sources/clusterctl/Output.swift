import ArgumentParser
import Varlink

/// How a read command prints: a table for people (the default), the daemon's reply as JSON, or
/// the table as CSV.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the daemon's reply as JSON: exactly the parameters of its Varlink reply.")
    var json = false

    @Flag(help: "Print the table as CSV (RFC 4180): a header row, numbers without separators.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
    }

    /// Prints `reply` as JSON, or `table` as CSV or as text.
    func print(_ reply: [String: JSONValue], _ table: @autoclosure () -> Table) {
        if json { return Terminal.printJSON(reply) }
        let table = table()
        Swift.print(csv ? table.csv() : table.render())
    }
}

/// The examples every subcommand's help ends with.
enum Help {
    static func examples(_ lines: String...) -> String {
        "Examples:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}

/// "1 respondent", "2 respondents", "1,000 respondents": `count` as clusterctl prints numbers.
func plural(_ count: String, _ noun: String) -> String {
    count == "1" ? "1 \(noun)" : "\(grouped(count)) \(noun)s"
}
