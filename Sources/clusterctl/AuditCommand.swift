import ArgumentParser
import ClusterDaemon
import ClusterModel
import EventLog
import Foundation
import Varlink

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reports for auditors and funders, from the daemon or from a log file alone.", subcommands: [Report.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Members and jobs at the start and end of a period, joined, left, reconciled; per cluster, region and network.",
            usage: "clusterctl audit report --from <date> --to <date>\n[--as-recorded-at <time> | --at-seq <n>] [--log <path>]\n[--format text|json|csv|html]",
            discussion: """
                The period is on the valid-date axis: from the start of the day --from to the end of \
                the day --to, memberships and headcounts by their own dates, as the registry knows \
                them. --as-recorded-at or --at-seq sets the recording axis: the report the registry \
                would have given then, before later corrections (default: everything recorded).

                Every figure reconciles: members_start + joined - left = members_end, and jobs_start \
                + jobs_joined - jobs_left + jobs_changed = jobs_end; the regions add up to the \
                network. Each figure's definition is in the report. With --log it reads the file \
                read-only, without the daemon, and gives the same report (apart from `generated`).

                --format json: the schema in docs/api.md ("Audit report"). csv: one row per unit \
                with a section column (network, region, cluster), UTF-8 with a byte-order mark for \
                Excel. html: one self-contained page for a board.
                """ + "\n\n" + Help.examples(
                    "clusterctl audit report --from 2020-01-01 --to 2020-12-31",
                    "clusterctl audit report --log events.log --from 2020-01-01 --to 2020-12-31 \\\n      --as-recorded-at 2021-01-01T00:00:00+01:00 --format json",
                    "clusterctl audit report --from 2020-01-01 --to 2020-12-31 --format html \\\n      > report.html"
                )
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(parsing: .unconditional, help: ArgumentHelp("The first day of the period (YYYY-MM-DD).", valueName: "date")) var from: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The last day of the period (YYYY-MM-DD).", valueName: "date")) var to: String
        @OptionGroup var recorded: RecordingPointOptions
        @Option(parsing: .unconditional, help: "text, json, csv or html.") var format: String = "text"

        func validate() throws {
            guard ["text", "json", "html", "csv"].contains(format) else { throw ValidationError("--format: '\(format)' is not one of text, json, csv, html") }
            try TimeAxes.checkDate(from, option: "--from")
            try TimeAxes.checkDate(to, option: "--to")
            if let first = try? CalendarDate(from), let last = try? CalendarDate(to), first > last {
                throw ValidationError("--from \(from) is after --to \(to)")
            }
        }

        func run() async throws {
            var parameters = recorded.parameters
            parameters["from"] = .string(from)
            parameters["to"] = .string(to)
            var report = try await connection.with { try await $0.call("AuditReport", parameters) }["report"]?.objectValue ?? [:]
            var generated = report["generated"]?.objectValue ?? [:]
            generated["at"] = .string(Timestamp.utcString(microseconds: WallClock.nowMicroseconds()))
            let source = generated["source"]?.objectValue ?? [:]
            // The command that gives these figures again, pinned to the last record read.
            generated["command"] = .string("clusterctl audit report --log \(source.cell("log_path")) --from \(from) --to \(to) --at-seq \(report.cell("at_seq"))")
            report["generated"] = .object(generated)
            switch format {
            case "json": Terminal.printJSON(report)
            case "html": print(AuditRendering.html(report))
            case "csv": print(AuditRendering.csv(report))
            default: print(AuditRendering.text(report))
            }
        }
    }
}

/// The audit report for people: aligned text, CSV for spreadsheets, one self-contained HTML page.
enum AuditRendering {
    /// The figure columns of every unit, in order.
    static let figures = ["members_start", "joined", "left", "members_end", "jobs_start", "jobs_joined", "jobs_left", "jobs_changed", "jobs_end"]

    static func units(_ report: [String: JSONValue]) -> [(section: String, id: String, name: String, row: [String: JSONValue])] {
        var units: [(String, String, String, [String: JSONValue])] = [("network", "", "network", report["network"]?.objectValue ?? [:])]
        for region in report["regions"]?.arrayValue ?? [] {
            let row = region.objectValue ?? [:]
            units.append(("region", row.cell("region"), row.cell("name"), row))
        }
        for cluster in report["clusters"]?.arrayValue ?? [] {
            let row = cluster.objectValue ?? [:]
            units.append(("cluster", row.cell("id"), row.cell("name"), row))
        }
        return units
    }

    /// The money columns of every funding unit, in order.
    static let fundingFigures = [
        "committed_start_cents", "new_cents", "revised_cents", "released_cents", "committed_end_cents", "disbursed_start_cents", "disbursed_cents",
        "disbursed_end_cents",
    ]

    /// The funding units: the network's money, each funder's, each region's.
    static func fundingUnits(_ report: [String: JSONValue]) -> [(section: String, id: String, name: String, row: [String: JSONValue])] {
        let funding = report["funding"]?.objectValue ?? [:]
        var units: [(String, String, String, [String: JSONValue])] = [("funding", "", "network", funding["network"]?.objectValue ?? [:])]
        for funder in funding["funders"]?.arrayValue ?? [] {
            let row = funder.objectValue ?? [:]
            units.append(("funder", row.cell("siret"), row.cell("name"), row))
        }
        for region in funding["regions"]?.arrayValue ?? [] {
            let row = region.objectValue ?? [:]
            units.append(("funding_region", row.cell("region"), row.cell("name"), row))
        }
        return units
    }

    /// One table, a row per unit with its section (the money's units last, with their own
    /// columns); a byte-order mark so that Excel reads UTF-8.
    static func csv(_ report: [String: JSONValue]) -> String {
        var table = Table(headers: ["section", "id", "name"] + figures + ["new_companies", "responses"] + fundingFigures)
        let noMoney = [String](repeating: "", count: fundingFigures.count)
        for unit in units(report) {
            let newCompanies = unit.section == "cluster" ? "" : unit.row.cell("new_companies")
            table.add([unit.section, unit.id, unit.name] + figures.map { unit.row.cell($0) } + [newCompanies, unit.row.cell("responses")] + noMoney)
        }
        let noMembers = [String](repeating: "", count: figures.count + 2)
        for unit in fundingUnits(report) {
            table.add([unit.section, unit.id, unit.name] + noMembers + fundingFigures.map { unit.row.cell($0) })
        }
        return "\u{FEFF}" + table.csv()
    }

    /// "a + b new ± c revised − d released = e" and "f + g = h" for a unit's money, in euros.
    static func moneyEquations(_ row: [String: JSONValue]) -> (committed: String, disbursed: String) {
        let e = { (key: String) in Money.display(row[key]?.intValue ?? 0) }
        let revised = row["revised_cents"]?.intValue ?? 0
        return (
            "\(e("committed_start_cents")) + \(e("new_cents")) new \(revised < 0 ? "−" : "+") \(Money.display(abs(revised))) revised − \(e("released_cents")) released = \(e("committed_end_cents"))",
            "\(e("disbursed_start_cents")) + \(e("disbursed_cents")) paid = \(e("disbursed_end_cents"))"
        )
    }

    /// The money columns of the text table and the page, with their headings.
    static let fundingColumns = [
        ("committed_start_cents", "committed at start €"), ("new_cents", "new €"), ("revised_cents", "revised €"), ("released_cents", "released €"),
        ("committed_end_cents", "committed at end €"), ("disbursed_cents", "paid €"), ("disbursed_end_cents", "paid at end €"),
    ]

    static func fundingTable(_ title: String, _ units: [(section: String, id: String, name: String, row: [String: JSONValue])]) -> Table {
        var table = Table(headers: [title, "name"] + fundingColumns.map(\.1))
        table.rightAligned = Set(2..<table.headers.count)
        table.cuttable = [1]
        for unit in units {
            table.add([unit.id, unit.name] + fundingColumns.map { Euros.cell(unit.row[$0.0], csv: false) })
        }
        return table
    }

    /// "a + b − c = d" for a unit's members and jobs.
    static func equations(_ row: [String: JSONValue]) -> (members: String, jobs: String) {
        let g = { (key: String) in grouped(row.cell(key)) }
        return (
            "\(g("members_start")) + \(g("joined")) joined − \(g("left")) left = \(g("members_end"))",
            "\(g("jobs_start")) + \(g("jobs_joined")) joined − \(g("jobs_left")) left \(Int64(row.cell("jobs_changed")) ?? 0 < 0 ? "−" : "+") \(grouped(String((Int64(row.cell("jobs_changed")) ?? 0).magnitude))) changed = \(g("jobs_end"))"
        )
    }

    static func unitTable(_ title: String, _ rows: [(id: String, name: String, row: [String: JSONValue])], newCompanies: Bool) -> Table {
        var table = Table(headers: [title, "name", "members at start", "joined", "left", "members at end", "jobs at start", "jobs at end"] + (newCompanies ? ["new companies"] : []) + ["responses"])
        table.rightAligned = Set(2..<table.headers.count)
        table.quantities = Set(2..<table.headers.count)
        table.cuttable = [1]
        for (id, name, row) in rows {
            table.add([id, name] + ["members_start", "joined", "left", "members_end", "jobs_start", "jobs_end"].map { row.cell($0) } + (newCompanies ? [row.cell("new_companies")] : []) + [row.cell("responses")])
        }
        return table
    }

    static func text(_ report: [String: JSONValue]) -> String {
        let network = report["network"]?.objectValue ?? [:]
        let (members, jobs) = equations(network)
        var lines = [
            "Audit report, \(report.cell("from")) to \(report.cell("to")), as recorded through record \(report.cell("at_seq"))", "",
            "Network",
            "  members  \(members)",
            "  jobs     \(jobs)",
            "  clusters \(network.cell("clusters_start")) + \(network.cell("clusters_founded")) founded − \(network.cell("clusters_dissolved")) dissolved = \(network.cell("clusters_end"))",
            "  new companies \(grouped(network.cell("new_companies"))); survey responses \(grouped(network.cell("responses"))) (the cluster columns add up to \(network.cell("responses_cluster_sum")): \(network.cell("responses_counted_again")) counted in more than one cluster)",
        ]
        let units = units(report)
        lines += ["", unitTable("region", units.filter { $0.section == "region" }.map { ($0.id, $0.name, $0.row) }, newCompanies: true).render()]
        lines += ["", unitTable("cluster", units.filter { $0.section == "cluster" }.map { ($0.id, $0.name, $0.row) }, newCompanies: false).render()]
        let unreconciled = units.filter { $0.row["reconciles"] != .bool(true) }.map { "\($0.section) \($0.id)" }
        lines += ["", unreconciled.isEmpty ? "Every row reconciles." : "DOES NOT RECONCILE: " + unreconciled.joined(separator: ", ")]
        let surveys = report["surveys"]?.arrayValue ?? []
        if !surveys.isEmpty {
            lines += ["", "Surveys"]
            for survey in surveys {
                let row = survey.objectValue ?? [:]
                lines.append("  \(row.cell("id")): \(row.cell("title")), \(surveyStatus(row)); \(plural(row.cell("respondents"), "respondent")), \(row.cell("respondents_in_period")) in the period")
            }
        }
        let money = fundingUnits(report)
        if money.count > 1 {
            let (committed, disbursed) = moneyEquations(money[0].row)
            lines += ["", "Funding of co-investment projects", "  committed  \(committed)", "  disbursed  \(disbursed)"]
            lines += ["", fundingTable("funder", money.filter { $0.section == "funder" }).render()]
            lines += ["", fundingTable("region", money.filter { $0.section == "funding_region" }).render()]
            let unbalanced = money.filter { $0.row["reconciles"] != .bool(true) }.map { "\($0.section) \($0.id)" }
            lines += ["", unbalanced.isEmpty ? "Every funding row reconciles." : "FUNDING DOES NOT RECONCILE: " + unbalanced.joined(separator: ", ")]
        }
        lines += ["", "Definitions"]
        for (name, text) in AuditReport.definitions { lines.append("  \(name): \(text)") }
        let generated = report["generated"]?.objectValue ?? [:]
        let source = generated["source"]?.objectValue ?? [:]
        lines += [
            "", "Source: log \(source.cell("log_path")) (id \(source.cell("log_id"))), records \(source.cell("first_seq"))–\(source.cell("last_seq")), chain head \(source.cell("head_hash"))",
            "Generated \(generated.cell("at")); reproduce with: \(generated.cell("command"))",
        ]
        return lines.joined(separator: "\n")
    }

    /// "closed on 2020-11-15 (its window ended)", "closed by CloseSurvey at …", "open until …".
    static func surveyStatus(_ row: [String: JSONValue]) -> String {
        switch (row.cell("status"), row.cell("closed_by")) {
        case ("closed", "date"): return "closed at \(row.cell("closed_at")) (its window ended)"
        case ("closed", _): return "closed at \(row.cell("closed_at")) (by CloseSurvey)"
        case ("not_yet_open", _): return "opens at \(row.cell("opens_at"))"
        default: return "open until \(row.cell("closes_at"))"
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func html(_ report: [String: JSONValue]) -> String {
        AuditPage(report: report).render()
    }
}
