import ClusterDaemon
import ClusterModel
import Foundation
import Varlink

/// The audit report as one self-contained HTML page for a board: no script, no font or image
/// from anywhere; key figures and their change first, then the surveys, the regions on a
/// schematic tile map, the clusters by size, the definitions, and the provenance last. Prints
/// to A4 with no table row split across pages.
struct AuditPage {
    let report: [String: JSONValue]

    /// Where each region's tile sits (column, row) on the schematic map: metropolitan France
    /// roughly as on a map, the five overseas regions in a row below.
    static let tiles: [String: (column: Double, row: Double, label: String)] = [
        "32": (2, 0, "Hauts-de-France"), "53": (0, 1, "Bretagne"), "28": (1, 1, "Normandie"), "11": (2, 1, "Île-de-France"),
        "44": (3, 1, "Grand Est"), "52": (0.5, 2, "Pays de la Loire"), "24": (1.5, 2, "Centre-Val de Loire"),
        "27": (2.5, 2, "Bourgogne-FC"), "75": (0.5, 3, "Nouvelle-Aquitaine"), "84": (2, 3, "Auvergne-RA"),
        "76": (1, 4, "Occitanie"), "93": (2.5, 4, "Provence-AC"), "94": (3.6, 4.3, "Corse"),
        "01": (0, 5.6, "Guadeloupe"), "02": (1, 5.6, "Martinique"), "03": (2, 5.6, "Guyane"),
        "04": (3, 5.6, "La Réunion"), "06": (4, 5.6, "Mayotte"),
    ]

    func render() -> String {
        let network = report["network"]?.objectValue ?? [:]
        let from = report.cell("from")
        let to = report.cell("to")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Audit report \(escape(from)) to \(escape(to))</title>
            <style>
            \(Self.style)
            </style></head><body>
            <h1>Audit report, \(escape(from)) to \(escape(to))</h1>
            <p class="sub">The network of clusters over the period, as the registry recorded it through record \(escape(report.cell("at_seq"))). Every row reconciles: members at the start + joined − left = members at the end, and the same for jobs.</p>
            \(keyFigures(network))
            \(surveys())
            \(regions())
            \(clusters())
            \(funding())
            \(definitions())
            \(provenance())
            </body></html>
            """
    }

    static let style = """
        *{box-sizing:border-box}
        body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#1f2933;line-height:1.4}
        h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:2px solid #d9e2ec;padding-bottom:.2rem}
        h3{font-size:1rem;margin:1rem 0 .3rem}.sub{color:#52606d;margin:0 0 1rem}
        .keys{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.6rem}
        .key{border:1px solid #d9e2ec;border-radius:6px;padding:.6rem .8rem;break-inside:avoid}
        .key .figure{font-size:1.6rem;font-weight:bold}.key .label{color:#52606d;font-size:.85rem}
        .key .change{font-size:.85rem}.up{color:#0b7a43}.down{color:#b42318}
        table{border-collapse:collapse;width:100%;font-size:.85rem}
        th,td{padding:.25rem .4rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
        th{background:#f5f7fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        td:first-child{white-space:nowrap}tr{break-inside:avoid;page-break-inside:avoid}thead{display:table-header-group}
        .question{break-inside:avoid;margin-bottom:.8rem}
        .bar-row{display:grid;grid-template-columns:8rem 1fr 9rem;gap:.5rem;align-items:center;font-size:.85rem;margin:.15rem 0}
        .bar{background:#e4e7eb;height:.9rem;border-radius:2px;overflow:hidden}.bar span{display:block;height:100%;background:#2f6fb3}
        .detail{color:#52606d;white-space:nowrap}
        svg{max-width:100%;height:auto;display:block}.map{max-width:34rem}
        dl{font-size:.85rem}dt{font-weight:bold;margin-top:.3rem}dd{margin:0 0 0 1rem}
        .proof{font-size:.8rem;color:#3e4c59;overflow-wrap:anywhere}code{font-size:.95em}
        @page{size:A4;margin:14mm}
        @media print{body{margin:0;max-width:none}h2{break-after:avoid}}
        """

    func escape(_ text: String) -> String { AuditRendering.escape(text) }

    func number(_ row: [String: JSONValue], _ key: String) -> Int64 { Int64(row.cell(key)) ?? 0 }

    /// "+120 (+0.6 %)" against the start, coloured by sign.
    func change(from start: Int64, to end: Int64) -> String {
        let difference = end - start
        let sign = difference > 0 ? "+" : difference < 0 ? "−" : "±"
        let percent = start == 0 ? "" : String(format: " (%@%.1f %%)", sign, abs(Double(difference)) / Double(start) * 100)
        return "<span class=\"change \(difference > 0 ? "up" : difference < 0 ? "down" : "")\">\(sign)\(grouped(String(difference.magnitude)))\(percent) over the period</span>"
    }

    func keyFigures(_ network: [String: JSONValue]) -> String {
        let members = (number(network, "members_start"), number(network, "members_end"))
        let jobs = (number(network, "jobs_start"), number(network, "jobs_end"))
        let clusters = (number(network, "clusters_start"), number(network, "clusters_end"))
        func key(_ figure: Int64, _ label: String, _ detail: String) -> String {
            "<div class=\"key\"><div class=\"figure\">\(grouped(String(figure)))</div><div class=\"label\">\(label)</div>\(detail)</div>"
        }
        return """
            <section class="keys">
            \(key(members.1, "member companies at the end", change(from: members.0, to: members.1) + "<div class=\"label\">\(grouped(String(members.0))) + \(grouped(network.cell("joined"))) joined − \(grouped(network.cell("left"))) left</div>"))
            \(key(jobs.1, "jobs at the end", change(from: jobs.0, to: jobs.1) + "<div class=\"label\">\(escape(AuditRendering.equations(network).jobs))</div>"))
            \(key(number(network, "new_companies"), "new companies", "<div class=\"label\">first membership of any cluster in the period</div>"))
            \(key(number(network, "responses"), "survey responses", "<div class=\"label\">each company and survey once</div>"))
            \(key(clusters.1, "active clusters at the end", change(from: clusters.0, to: clusters.1) + "<div class=\"label\">\(network.cell("clusters_founded")) founded, \(network.cell("clusters_dissolved")) dissolved</div>"))
            </section>
            """
    }

    func surveys() -> String {
        let surveys = report["surveys"]?.arrayValue ?? []
        guard !surveys.isEmpty else { return "<h2>Surveys</h2><p>No survey was open in the period.</p>" }
        var html = "<h2>Surveys</h2>\n"
        for survey in surveys {
            let row = survey.objectValue ?? [:]
            html += "<h3>\(escape(row.cell("title")))</h3><p class=\"sub\">\(escape(row.cell("id"))): \(escape(AuditRendering.surveyStatus(row))); \(plural(row.cell("respondents"), "respondent")), \(row.cell("respondents_in_period")) in the period.</p>\n"
            for question in row["questions"]?.arrayValue ?? [] {
                html += chart(question.objectValue ?? [:])
            }
        }
        return html
    }

    /// Bars per option for yes/no, choice and scale questions; a histogram for number questions.
    func chart(_ question: [String: JSONValue]) -> String {
        var html = "<div class=\"question\"><b>\(escape(question.cell("text")))</b> <span class=\"detail\">(\(plural(question.cell("respondents"), "answer"))\(question["mean"].map { ", mean \($0.cell)" } ?? ""))</span>\n"
        if question.cell("kind") == "number" {
            html += histogram(question["bins"]?.arrayValue?.compactMap(\.objectValue) ?? [])
        } else {
            for option in question["options"]?.arrayValue ?? [] {
                let o = option.objectValue ?? [:]
                let percent = o["percent"]?.doubleValue ?? 0
                let interval = o["ci95"]?.arrayValue?.map(\.cell).joined(separator: "–") ?? ""
                html += "<div class=\"bar-row\"><span>\(escape(o.cell("value")))</span><span class=\"bar\"><span style=\"width:\(String(format: "%.1f", percent))%\"></span></span><span class=\"detail\"><b>\(String(format: "%.1f", percent)) %</b> (\(o.cell("count")); CI \(escape(interval)))</span></div>\n"
            }
        }
        return html + "</div>\n"
    }

    func histogram(_ bins: [[String: JSONValue]]) -> String {
        guard !bins.isEmpty else { return "<p class=\"detail\">No answers.</p>" }
        let highest = max(1, bins.map { number($0, "count") }.max() ?? 1)
        let width = 600.0
        let barWidth = width / Double(bins.count)
        var svg = "<svg viewBox=\"0 0 \(Int(width)) 170\" role=\"img\" aria-label=\"histogram\">"
        for (index, bin) in bins.enumerated() {
            let height = 120 * Double(number(bin, "count")) / Double(highest)
            let x = Double(index) * barWidth
            svg += "<rect x=\"\(String(format: "%.1f", x + 2))\" y=\"\(String(format: "%.1f", 130 - height))\" width=\"\(String(format: "%.1f", barWidth - 4))\" height=\"\(String(format: "%.1f", height))\" fill=\"#2f6fb3\"/>"
            svg += "<text x=\"\(String(format: "%.1f", x + barWidth / 2))\" y=\"\(String(format: "%.1f", 126 - height))\" font-size=\"11\" text-anchor=\"middle\">\(bin.cell("count"))</text>"
            svg += "<text x=\"\(String(format: "%.1f", x + barWidth / 2))\" y=\"148\" font-size=\"10\" text-anchor=\"middle\">\(escape(bin.cell("from")))–\(escape(bin.cell("to")))</text>"
        }
        return svg + "</svg>\n"
    }

    func regions() -> String {
        let rows = (report["regions"]?.arrayValue ?? []).compactMap(\.objectValue)
        let highest = max(1, rows.map { number($0, "members_end") }.max() ?? 1)
        var svg = "<svg class=\"map\" viewBox=\"0 0 516 452\" role=\"img\" aria-label=\"member companies by region at the end of the period\">"
        for row in rows {
            guard let tile = Self.tiles[row.cell("region")] else { continue }
            let share = Double(number(row, "members_end")) / Double(highest)
            let x = 10 + tile.column * 100
            let y = 10 + tile.row * 66
            let dark = share > 0.55
            svg += "<g><title>\(escape(row.cell("name"))): \(grouped(row.cell("members_end"))) member companies</title>"
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"96\" height=\"62\" rx=\"4\" fill=\"rgb(\(Int(230 - 190 * share)),\(Int(238 - 140 * share)),\(Int(246 - 70 * share)))\" stroke=\"#9aa5b1\"/>"
            svg += "<text x=\"\(x + 48)\" y=\"\(y + 22)\" font-size=\"10\" text-anchor=\"middle\" fill=\"\(dark ? "#fff" : "#1f2933")\">\(escape(tile.label))</text>"
            svg += "<text x=\"\(x + 48)\" y=\"\(y + 44)\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"\(dark ? "#fff" : "#1f2933")\">\(grouped(row.cell("members_end")))</text></g>"
        }
        svg += "</svg>"
        return """
            <h2>Regions</h2>
            <p class="sub">Member companies at the end of the period, each in the region of its own department (a schematic map: one tile per region).</p>
            \(svg)
            \(table(rows.map { ($0.cell("region"), $0.cell("name"), $0) }, first: "region", newCompanies: true))
            """
    }

    func clusters() -> String {
        let rows = (report["clusters"]?.arrayValue ?? []).compactMap(\.objectValue)
            .sorted { (number($0, "members_end"), $1.cell("id")) > (number($1, "members_end"), $0.cell("id")) }
        return """
            <h2>Clusters, by size</h2>
            <p class="sub">A company in two clusters counts in both rows; the survey responses of the cluster columns count \(grouped((report["network"]?.objectValue ?? [:]).cell("responses_counted_again"))) responses more than once.</p>
            \(table(rows.map { ($0.cell("id"), $0.cell("name"), $0) }, first: "cluster", newCompanies: false))
            """
    }

    func table(_ rows: [(id: String, name: String, row: [String: JSONValue])], first: String, newCompanies: Bool) -> String {
        let columns = ["members_start", "joined", "left", "members_end", "jobs_start", "jobs_end"] + (newCompanies ? ["new_companies"] : []) + ["responses"]
        let titles = ["members at start", "joined", "left", "members at end", "jobs at start", "jobs at end"] + (newCompanies ? ["new companies"] : []) + ["responses"]
        var html = "<table><thead><tr><th>\(first)</th><th>name</th>" + titles.map { "<th class=\"n\">\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for (id, name, row) in rows {
            html += "<tr><td>\(escape(id))</td><td>\(escape(name))</td>" + columns.map { "<td class=\"n\">\(grouped(row.cell($0)))</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody></table>"
    }

    /// The money of co-investment projects, per funder and per region, with its equations.
    func funding() -> String {
        let units = AuditRendering.fundingUnits(report)
        guard units.count > 1 else { return "" }
        let (committed, disbursed) = AuditRendering.moneyEquations(units[0].row)
        func rows(_ section: String) -> String {
            units.filter { $0.section == section }.map { unit in
                "<tr><td>\(escape(unit.id))</td><td>\(escape(unit.name))</td>"
                    + AuditRendering.fundingColumns.map { "<td class=\"n\">\(escape(Euros.cell(unit.row[$0.0], csv: false)))</td>" }.joined() + "</tr>"
            }.joined(separator: "\n")
        }
        func head(_ first: String) -> String {
            "<thead><tr><th>\(first)</th><th>name</th>" + AuditRendering.fundingColumns.map { "<th class=\"n\">\(escape($0.1))</th>" }.joined() + "</tr></thead>"
        }
        return """
            <h2>Funding of co-investment projects</h2>
            <p>Committed: \(escape(committed)).<br>Disbursed: \(escape(disbursed)).</p>
            <h3>By funder</h3><table>\(head("funder"))<tbody>\(rows("funder"))</tbody></table>
            <h3>By region (a project in several regions counts in each)</h3><table>\(head("region"))<tbody>\(rows("funding_region"))</tbody></table>
            """
    }

    func definitions() -> String {
        "<h2>Definitions</h2><dl>" + AuditReport.definitions.map { "<dt>\(escape($0.key))</dt><dd>\(escape($0.value))</dd>" }.joined(separator: "\n") + "</dl>"
    }

    func provenance() -> String {
        let generated = report["generated"]?.objectValue ?? [:]
        let source = generated["source"]?.objectValue ?? [:]
        return """
            <h2>Provenance</h2>
            <p class="proof">Log <code>\(escape(source.cell("log_path")))</code>, id <code>\(escape(source.cell("log_id")))</code>, records \(escape(source.cell("first_seq")))–\(escape(source.cell("last_seq"))), chain head <code>\(escape(source.cell("head_hash")))</code>.
            Generated \(escape(generated.cell("at"))). The same figures again: <code>\(escape(generated.cell("command")))</code>.
            Check that the log still holds this history: <code>clusterctl verify --log FILE --checkpoint \(escape(source.cell("head_hash")))</code>.</p>
            """
    }
}
