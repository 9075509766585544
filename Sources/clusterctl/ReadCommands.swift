import ArgumentParser
import Varlink

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Clusters, member companies and jobs, by size, region and NAF section (GetStats).", usage: "clusterctl stats [--on <date>]\n[--as-recorded-at <time> | --at-seq <n>] [<options>]", discussion: Help.examples("clusterctl stats", "clusterctl stats --on 2020-12-31", "clusterctl stats --csv > stats.csv"))

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var validDate: ValidDateOptions
    @OptionGroup var time: PointInTimeOptions
    @OptionGroup var output: OutputOptions

    static let breakdowns = [("size category", "by_size", "size"), ("region", "by_region", "region"), ("NAF section", "by_section", "section")]

    func run() async throws {
        let parameters = try time.parameters(validDate: validDate)
        let reply = try await connection.with { try await $0.call("GetStats", parameters) }
        if output.json { return Terminal.printJSON(reply) }
        if output.csv {
            // One table: the totals, then each breakdown's rows.
            var table = Table("breakdown", "key", "label", "clusters", "companies", "jobs")
            table.add("total", "", "", reply.cell("clusters"), reply.cell("companies"), reply.cell("jobs"))
            for (_, key, name) in Self.breakdowns {
                for tally in reply[key]?.arrayValue ?? [] {
                    let row = tally.objectValue ?? [:]
                    table.add(name, row.cell("key"), row.cell("label"), row.cell("clusters"), row.cell("companies"), row.cell("jobs"))
                }
            }
            return print(table.csv())
        }
        Terminal.printKeyValues([
            ("on", "\(reply.cell("on")) (as recorded through seq \(reply.cell("seq")))"),
            ("clusters", grouped(reply.cell("clusters"))),
            ("companies", grouped(reply.cell("companies"))),
            ("jobs", grouped(reply.cell("jobs"))),
        ])
        for (title, key, _) in Self.breakdowns {
            var table = Table(title, "", "clusters", "companies", "jobs")
            table.rightAligned = [2, 3, 4]
            table.quantities = [2, 3, 4]
            table.cuttable = [1]
            for tally in reply[key]?.arrayValue ?? [] {
                let row = tally.objectValue ?? [:]
                table.add(row.cell("key"), row.cell("label") == row.cell("key") ? "" : row.cell("label"), row.cell("clusters"), row.cell("companies"), row.cell("jobs"))
            }
            print("\n" + table.render())
        }
    }
}

struct Members: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The members of a cluster on a date (ListMembers).", usage: "clusterctl members <cluster> [--on <date>] [--offset <n>] [--limit <n>]\n[--as-recorded-at <time> | --at-seq <n>] [<options>]", discussion: Help.examples("clusterctl members aero", "clusterctl members aero --on 2020-12-31 --limit 1000 --csv"))

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var validDate: ValidDateOptions
    @OptionGroup var time: PointInTimeOptions
    @Argument(help: "The cluster id.") var cluster: String
    @Option(parsing: .unconditional, help: "Skip this many members.") var offset: Int = 0
    @Option(parsing: .unconditional, help: "Show at most this many members (1 to 10000).") var limit: Int = 100
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var parameters = try time.parameters(validDate: validDate)
        parameters["cluster"] = .string(cluster)
        parameters["offset"] = .int(Int64(offset))
        parameters["limit"] = .int(Int64(limit))
        let reply = try await connection.with { try await $0.call("ListMembers", parameters) }
        if output.json { return Terminal.printJSON(reply) }
        var table = Table("siren", "name", "since", "employees", "category")
        table.rightAligned = [3]
        table.quantities = [3]
        table.cuttable = [1]
        for member in reply["members"]?.arrayValue ?? [] {
            let row = member.objectValue ?? [:]
            table.add(row.cell("siren"), row.cell("name"), row.cell("since"), row.cell("employees"), row.cell("category"))
        }
        if output.csv { return print(table.csv()) }
        print(table.render())
        let shown = reply["members"]?.arrayValue?.count ?? 0
        print("\n\(shown) of \(reply.cell("total")) members of \(cluster) on \(reply.cell("on"))" + (shown < Int(reply.cell("total")) ?? 0 ? " (more: --offset, --limit)" : ""))
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The whole story of a company (SIREN) or a cluster, in order (History).", usage: "clusterctl history <siren-or-cluster> [<options>]", discussion: Help.examples("clusterctl history 732829320", "clusterctl history aero --json"))

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var time: PointInTimeOptions
    @Argument(help: "A SIREN (9 digits) or a cluster id.") var subject: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var parameters = try time.parameters(validDate: nil)
        let digits = subject.filter { $0 != " " }
        if digits.count == 9 && digits.allSatisfy(\.isNumber) {
            parameters["siren"] = .string(digits)
        } else {
            parameters["cluster"] = .string(subject)
        }
        let reply = try await connection.with { try await $0.call("History", parameters) }
        if output.json { return Terminal.printJSON(reply) }
        var table = Table("seq", "committed", "event", "details", "uid")
        table.rightAligned = [0, 4]
        table.cuttable = [3]
        for event in reply["events"]?.arrayValue ?? [] {
            let row = event.objectValue ?? [:]
            table.add(row.cell("seq"), row.cell("commit_time"), row.cell("type"), EventText.summary(row), row.cell("peer_uid"))
        }
        output.print(reply, table)
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stream committed events as they happen (Watch); with --log, print the log's events.", usage: "clusterctl watch [--from-seq <n>] [--json] [<options>]", discussion: Help.examples("clusterctl watch", "clusterctl watch --from-seq 1 --json | head -5", "clusterctl --log events.log watch"))

    @OptionGroup var connection: ConnectionOptions
    @Option(parsing: .unconditional, help: "Start at this sequence number: its event, the ones after it, then each new one (default: only new events). As in `log dump`.") var fromSeq: UInt64?
    @Flag(help: "Print each event as one line of JSON.") var json = false

    func run() async throws {
        var parameters: [String: JSONValue] = [:]
        // Varlink's `from_seq` is the last event not wanted: Watch streams the events after it.
        if let fromSeq { parameters["from_seq"] = .int(Int64(max(fromSeq, 1) - 1)) }
        try await connection.with { endpoint in
            for try await reply in endpoint.stream("Watch", parameters) {
                let event = reply["event"]?.objectValue ?? [:]
                // Each event as it is committed, also into a pipe or a file.
                if json {
                    Terminal.emitLine(JSONValue.object(event).description)
                } else {
                    Terminal.emitLine("\(event.cell("seq"))  \(event.cell("commit_time"))  \(event.cell("type"))  \(EventText.summary(event))")
                }
            }
        }
    }
}

/// One line that says what an event did.
enum EventText {
    static func summary(_ event: [String: JSONValue]) -> String {
        let body = event["event"]?.objectValue ?? [:]
        switch event.cell("type") {
        case "ClusterRegistered", "ClusterUpdated": return "\(body.cell("id")): \(body.cell("name")) (regions \(body.cell("regions")))"
        case "ClusterDissolved": return "\(body.cell("id")) dissolved on \(body.cell("date"))"
        case "CompanyRegistered", "CompanyUpdated":
            return "\(body.cell("siren")) \(body.cell("name")), NAF \(body.cell("naf")), dept \(body.cell("department")), \(body.cell("employees")) employees"
        case "MembershipStarted": return "\(body.cell("siren")) joined \(body.cell("cluster")) on \(body.cell("date"))"
        case "MembershipEnded":
            let reason = body["reason"].map { " (\($0.cell))" } ?? ""
            return "\(body.cell("siren")) left \(body.cell("cluster")) on \(body.cell("date"))\(reason)"
        case "PartnerLinked": return "\(body.cell("cluster")) ↔ \(body.cell("name")) (\(body.cell("kind")))"
        case "SurveyDefined": return "\(body.cell("id")): \(body.cell("title"))"
        case "SurveyClosed": return "\(body.cell("id")) closed"
        case "ResponseSubmitted": return "\(body.cell("siren")) answered \(body.cell("survey")) at \(body.cell("submitted_at"))"
        case "TesterEnrolled":
            return "\(body.cell("person")) enrolled as a tester of \(body.cell("cluster")) on \(body.cell("enrolled_on")), \(body.cell("age_band_at_enrolment")), dept \(body.cell("department"))"
        case "ContactAdded": return "\(body.cell("person")) added as a contact of \(body.cell("siren"))"
        case "PersonRectified": return "\(body.cell("person")) rectified (\(body.cell("personal_fields")))"
        case "PersonErased": return "\(body.cell("person")) erased"
        case "CampaignOpened":
            return "\(body.cell("id")): \(body.cell("kind")) campaign of \(body.cell("cluster")) with \(body.cell("siren")), \(body.cell("starts_on")) to \(body.cell("ends_on"))"
        case "TesterParticipated":
            return "\(body.cell("person")) took part in \(body.cell("campaign")) on \(body.cell("on")), \(body.cell("age_band"))" + (body["rating"].map { ", rated \($0.cell)" } ?? "")
        case "ConsentWithdrawn": return "\(body.cell("person")) withdrew consent on \(body.cell("on")) (\(body.cell("channel")))"
        default: return JSONValue.object(body).description
        }
    }
}
