import ArgumentParser
import ClusterDaemon
import ClusterModel
import Foundation
import Varlink

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reports for auditors and funders, from the log file alone.", subcommands: [Report.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Joins, leaves, new companies, survey responses and closing results in a period, per cluster.",
            usage: "clusterctl audit report --log <path> --from <date> --to <date>\n[--format text|json|html|csv]",
            discussion: "Reads the log file read-only (--log). --format html writes one self-contained page with the survey results as bar charts; --format csv the table of clusters." + "\n\n" + Help.examples("clusterctl audit report --log events.log --from 2020-01-01 --to 2020-12-31", "clusterctl audit report --log events.log --from 2020-01-01 --to 2020-12-31 \\\n      --format html > report.html")
        )
        @OptionGroup var file: LogFileOptions
        @Option(parsing: .unconditional, help: "The first day (YYYY-MM-DD).") var from: String
        @Option(parsing: .unconditional, help: "The last day (YYYY-MM-DD).") var to: String
        @Option(parsing: .unconditional, help: "text, json, html or csv.") var format: String = "text"

        func validate() throws {
            guard ["text", "json", "html", "csv"].contains(format) else { throw ValidationError("--format: '\(format)' is not one of text, json, html, csv") }
            for (name, value) in [("--from", from), ("--to", to)] {
                do { _ = try CalendarDate(value) } catch { throw ValidationError("\(name): '\(value)' is not a date (YYYY-MM-DD)") }
            }
            if (try? CalendarDate(from)) ?? CalendarDate(daysSinceEpoch: 0) > (try? CalendarDate(to)) ?? CalendarDate(daysSinceEpoch: 0) {
                throw ValidationError("--from is after --to")
            }
        }

        func run() async throws {
            let log = try file.openLog()
            let report = try AuditReport.build(log: log, from: try CalendarDate(from), to: try CalendarDate(to))
            switch format {
            case "json": Terminal.printJSON(report)
            case "html": print(AuditRendering.html(report))
            case "csv": print(AuditRendering.clusterTable(report).csv())
            default: print(AuditRendering.text(report))
            }
        }
    }
}

/// The audit report for people: aligned text, or one self-contained HTML page.
enum AuditRendering {
    /// One row per cluster: members at the start and end of the period, joins, leaves, responses.
    static func clusterTable(_ report: [String: JSONValue]) -> Table {
        var table = Table("cluster", "name", "members at start", "joins", "leaves", "members at end", "responses")
        table.rightAligned = [2, 3, 4, 5, 6]
        table.quantities = [2, 3, 4, 5, 6]
        table.cuttable = [1]
        for cluster in report["clusters"]?.arrayValue ?? [] {
            let row = cluster.objectValue ?? [:]
            table.add(row.cell("id"), row.cell("name"), row.cell("members_at_start"), "\(row["joins"]?.arrayValue?.count ?? 0)", "\(row["leaves"]?.arrayValue?.count ?? 0)", row.cell("members_at_end"), row.cell("responses"))
        }
        return table
    }

    static func text(_ report: [String: JSONValue]) -> String {
        var lines = ["Audit report \(report.cell("from")) to \(report.cell("to"))", "log \(report.cell("log_path")) (id \(report.cell("log_id")))", "head \(report.cell("head_hash"))", ""]
        let totals = report["totals"]?.objectValue ?? [:]
        lines.append("joins \(totals.cell("joins")), leaves \(totals.cell("leaves")), new companies \(totals.cell("new_companies")), survey responses \(totals.cell("responses"))")
        lines += ["", clusterTable(report).render()]
        for survey in report["surveys"]?.arrayValue ?? [] {
            let row = survey.objectValue ?? [:]
            lines += ["", "Survey \(row.cell("survey")): \(row.cell("title")), \(row.cell("respondents")) respondents"]
            for question in row["questions"]?.arrayValue ?? [] {
                let q = question.objectValue ?? [:]
                let options = (q["options"]?.arrayValue ?? []).map { option -> String in
                    let o = option.objectValue ?? [:]
                    return "\(o.cell("value")) \(String(format: "%.1f", o["percent"]?.doubleValue ?? 0)) %"
                }
                lines.append("  \(q.cell("text")): \(options.joined(separator: ", "))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func html(_ report: [String: JSONValue]) -> String {
        let totals = report["totals"]?.objectValue ?? [:]
        var body = """
            <h1>Audit report, \(escape(report.cell("from"))) to \(escape(report.cell("to")))</h1>
            <p class="proof">Log <code>\(escape(report.cell("log_path")))</code>, id <code>\(escape(report.cell("log_id")))</code>, chain head <code>\(escape(report.cell("head_hash")))</code>.
            Check it with <code>clusterctl verify --log FILE --checkpoint \(escape(report.cell("head_hash")))</code>.</p>
            <p>\(escape(totals.cell("joins"))) joins, \(escape(totals.cell("leaves"))) leaves, \(escape(totals.cell("new_companies"))) new companies, \(escape(totals.cell("responses"))) survey responses.</p>
            <h2>Clusters</h2>
            <table><tr><th>cluster</th><th>name</th><th>members at start</th><th>joins</th><th>leaves</th><th>members at end</th><th>responses</th></tr>
            """
        for cluster in report["clusters"]?.arrayValue ?? [] {
            let row = cluster.objectValue ?? [:]
            body += "<tr><td>\(escape(row.cell("id")))</td><td>\(escape(row.cell("name")))</td><td class=n>\(row.cell("members_at_start"))</td><td class=n>\(row["joins"]?.arrayValue?.count ?? 0)</td><td class=n>\(row["leaves"]?.arrayValue?.count ?? 0)</td><td class=n>\(row.cell("members_at_end"))</td><td class=n>\(row.cell("responses"))</td></tr>\n"
        }
        body += "</table>\n"
        for survey in report["surveys"]?.arrayValue ?? [] {
            let row = survey.objectValue ?? [:]
            body += "<h2>Survey \(escape(row.cell("title")))</h2><p>\(escape(row.cell("survey"))): \(row.cell("respondents")) respondents.</p>\n"
            for question in row["questions"]?.arrayValue ?? [] {
                let q = question.objectValue ?? [:]
                body += "<h3>\(escape(q.cell("text")))</h3>\n<div class=chart>\n"
                for option in q["options"]?.arrayValue ?? [] {
                    let o = option.objectValue ?? [:]
                    let percent = o["percent"]?.doubleValue ?? 0
                    let interval = o["ci95"]?.arrayValue?.map(\.cell).joined(separator: "–") ?? ""
                    body += "<div class=row><span class=label>\(escape(o.cell("value")))</span><span class=bar><span style=\"width:\(String(format: "%.1f", percent))%\"></span></span><span class=figure>\(String(format: "%.1f", percent)) %</span><span class=detail>(\(o.cell("count")); 95 % CI \(escape(interval)))</span></div>\n"
                }
                body += "</div>\n"
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>clusterd audit report \(escape(report.cell("from"))) to \(escape(report.cell("to")))</title>
            <style>
            body{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}
            table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}
            .chart .row{display:flex;align-items:center;gap:.6rem;margin:.2rem 0}
            .label{width:6rem}.bar{display:inline-block;width:24rem;height:1rem;background:#eee}
            .bar span{display:block;height:100%;background:#2b6cb0}.figure{width:5rem;text-align:right;font-weight:bold}
            .detail{color:#666}.proof{color:#444}code{font-size:.9em}
            </style></head><body>
            \(body)
            </body></html>
            """
    }
}
