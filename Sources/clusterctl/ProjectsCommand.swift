import ArgumentParser
import ClusterModel
import Varlink

struct Projects: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projects",
        abstract: "Co-investment projects: list, show, propose, and move them through their lifecycle (docs/projects.md).",
        subcommands: [List.self, Show.self, Propose.self, Approve.self, Start.self, Complete.self, Withdraw.self, Reject.self],
        aliases: ["project"]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every project with its lead cluster, status and funders (ListProjects).",
            usage: "clusterctl projects list [--cluster <id>] [--region <code>]\n[--status <status>] [--on <date>] [<options>]",
            discussion: Help.examples("clusterctl projects list", "clusterctl projects list --region 28 --on 2024-12-31", "clusterctl projects list --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var validDate: ValidDateOptions
        @OptionGroup var time: PointInTimeOptions
        @Option(parsing: .unconditional, help: "Only projects of this cluster (lead or other).") var cluster: String?
        @Option(parsing: .unconditional, help: "Only projects in this region (INSEE code).") var region: String?
        @Option(parsing: .unconditional, help: "Only projects in this status on the day: proposed, approved, running, completed, withdrawn, rejected.")
        var status: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let status, ProjectStatus(rawValue: status) == nil {
                throw ValidationError("--status: '\(status)' is not one of \(ProjectStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            var parameters = try time.parameters(validDate: validDate)
            if let cluster { parameters["cluster"] = .string(cluster) }
            if let region { parameters["region"] = .string(region) }
            if let status { parameters["status"] = .string(status) }
            let reply = try await connection.with { try await $0.call("ListProjects", parameters) }
            // The title, lead cluster and funders' names are in `projects show` and --json.
            var table = Table("id", "status", "committed €", "disbursed €", "funders")
            table.rightAligned = [2, 3, 4]
            table.cuttable = [0]
            for project in reply["projects"]?.arrayValue ?? [] {
                let row = project.objectValue ?? [:]
                table.add(
                    row.cell("id"), row.cell("status"), Euros.cell(row["committed_cents"], csv: output.csv), Euros.cell(row["disbursed_cents"], csv: output.csv),
                    String(row["funders"]?.arrayValue?.count ?? 0)
                )
            }
            output.print(reply, table)
            if !output.json, !output.csv { print("\n\(plural(reply.cell("total"), "project")), on \(reply.cell("on"))") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One project: clusters, territory, participants, its dated transitions and its money (GetProject).",
            usage: "clusterctl projects show <id> [--on <date>]\n[--as-recorded-at <time> | --at-seq <n>] [<options>]",
            discussion: Help.examples("clusterctl projects show verre-4-0", "clusterctl projects show verre-4-0 --on 2024-06-30 --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var validDate: ValidDateOptions
        @OptionGroup var time: PointInTimeOptions
        @Argument(help: "The project id.") var id: String
        @Flag(help: "Print the GetProject reply as JSON.") var json = false

        func run() async throws {
            var parameters = try time.parameters(validDate: validDate)
            parameters["id"] = .string(id)
            let reply = try await connection.with { try await $0.call("GetProject", parameters) }
            if json { return Terminal.printJSON(reply) }
            let project = reply["project"]?.objectValue ?? [:]
            var rows: [(String, String)] = [
                ("id", project.cell("id")), ("title", project.cell("title")), ("lead cluster", project.cell("lead_cluster")),
            ]
            if project["clusters"]?.arrayValue?.isEmpty == false { rows.append(("other clusters", project.cell("clusters"))) }
            rows += [
                ("regions", project.cell("regions")), ("departments", project.cell("departments")),
                ("runs", "\(project.cell("starts_on")) to \(project.cell("ends_on"))"), ("status", "\(project.cell("status")) on \(reply.cell("on"))"),
            ]
            if project["description"] != nil { rows.append(("description", project.cell("description"))) }
            for transition in project["transitions"]?.arrayValue ?? [] {
                let row = transition.objectValue ?? [:]
                let reason = row["reason"].map { " — \($0.cell)" } ?? ""
                rows.append((row.cell("status"), "\(row.cell("on")) (recorded \(row.cell("recorded_at")) by uid \(row.cell("peer_uid")), seq \(row.cell("seq")))\(reason)"))
            }
            for company in project["companies"]?.arrayValue ?? [] {
                let row = company.objectValue ?? [:]
                rows.append(("company", "\(row.cell("siren")) \(row["name"]?.cell ?? "") (\(row.cell("role")))"))
            }
            for partner in project["partners"]?.arrayValue ?? [] {
                let row = partner.objectValue ?? [:]
                rows.append(("partner", "\(row.cell("name")) (\(row.cell("kind")), \(row.cell("role")))"))
            }
            rows.append(("committed", Euros.display(project["committed_cents"])))
            rows.append(("disbursed", Euros.display(project["disbursed_cents"])))
            Terminal.printKeyValues(rows)
            let commitments = project["commitments"]?.arrayValue ?? []
            guard !commitments.isEmpty else { return }
            var table = Table("commitment", "funder", "instrument", "agreed", "committed €", "disbursed €", "revisions", "payments")
            table.rightAligned = [4, 5, 6, 7]
            for commitment in commitments {
                let row = commitment.objectValue ?? [:]
                table.add(
                    row.cell("id"), row["grantor"]?.objectValue?.cell("name") ?? "-", row.cell("instrument"), row.cell("agreed_on"),
                    Euros.cell(row["committed_cents"], csv: false), Euros.cell(row["disbursed_cents"], csv: false),
                    String(row["revisions"]?.arrayValue?.count ?? 0), String(row["disbursements"]?.arrayValue?.count ?? 0)
                )
            }
            print("")
            print(table.render())
        }
    }

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Propose a co-investment project (ProposeProject).",
            usage: """
                clusterctl projects propose <id> --title <title> --lead <cluster>
                [--cluster <id> ...] --region <code> ... [--department <code> ...]
                --starts <date> --ends <date> --proposed <date> [--description <text>]
                [--company <siren>=<role> ...] [--partner <partner-id>=<role> ...]
                [<options>]
                """,
            discussion: """
                A partner is one already linked to the lead cluster or another of the
                project's clusters (clusterctl partner link): its name, kind and SIRET come
                from there. Roles: coordinator, partner, subcontractor, beneficiary, funder,
                advisor.
                """ + "\n\n" + Help.examples(
                    "clusterctl projects propose verre-4-0 --title \"Verre 4.0\" \\\n      --lead vallee-bresle --region 28 --department 76 --starts 2024-01-01 \\\n      --ends 2026-12-31 --proposed 2023-09-01 --company 732829320=coordinator \\\n      --partner anct=funder"
                )
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The new project's id (a-z, 0-9, '-').") var id: String
        @Option(parsing: .unconditional, help: "Its title.") var title: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The lead cluster.", valueName: "cluster")) var lead: String
        @Option(parsing: .unconditionalSingleValue, help: "Another cluster taking part; repeat for several.") var cluster: [String] = []
        @Option(parsing: .unconditionalSingleValue, help: "A region of its territory (INSEE code); repeat for several.") var region: [String] = []
        @Option(parsing: .unconditionalSingleValue, help: "A department of its territory; repeat for several.") var department: [String] = []
        @Option(parsing: .unconditional, help: ArgumentHelp("The day it starts (YYYY-MM-DD).", valueName: "date")) var starts: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day it ends.", valueName: "date")) var ends: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day it was proposed (not after today).", valueName: "date")) var proposed: String
        @Option(parsing: .unconditional, help: "What it is about (at most 2000 characters).") var description: String?
        @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("A member company taking part, and its role.", valueName: "siren=role")) var company: [String] = []
        @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("A linked partner taking part, and its role.", valueName: "partner-id=role")) var partner: [String] = []

        func validate() throws {
            if region.isEmpty { throw ValidationError("--region: a project needs at least one region") }
            for date in [("--starts", starts), ("--ends", ends), ("--proposed", proposed)] { try TimeAxes.checkDate(date.1, option: date.0) }
            for pair in company + partner { _ = try Self.role(pair) }
        }

        /// `key=role`, the role checked.
        static func role(_ pair: String) throws -> (String, String) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ProjectRole(rawValue: parts[1]) != nil else {
                throw ValidationError("'\(pair)' is not <id>=<role> with a role among \(ProjectRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return (parts[0], parts[1])
        }

        func run() async throws {
            var parameters: [String: JSONValue] = [
                "id": .string(id), "title": .string(title), "lead_cluster": .string(lead), "clusters": .array(cluster.map { .string($0) }),
                "regions": .array(region.map { .string($0) }), "departments": .array(department.map { .string($0) }),
                "starts_on": .string(starts), "ends_on": .string(ends), "proposed_on": .string(proposed),
                "companies": .array(try company.map { pair in
                    let (siren, role) = try Self.role(pair)
                    return ["siren": .string(siren), "role": .string(role)]
                }),
            ]
            if let description { parameters["description"] = .string(description) }
            let wanted = try partner.map(Self.role)
            try await connection.with { endpoint in
                if !wanted.isEmpty {
                    // Each partner as its cluster holds it: one identity, no retyping.
                    var known: [String: [String: JSONValue]] = [:]
                    for id in [lead] + cluster {
                        let reply = try await endpoint.call("GetCluster", ["id": .string(id)])
                        for linked in reply["cluster"]?["partners"]?.arrayValue ?? [] {
                            if let object = linked.objectValue, let partnerID = object["partner_id"]?.stringValue, known[partnerID] == nil { known[partnerID] = object }
                        }
                    }
                    parameters["partners"] = .array(try wanted.map { partnerID, role in
                        guard var object = known[partnerID] else {
                            throw Failure.data(
                                "--partner \(partnerID): no partner of that id is linked to \(([lead] + cluster).joined(separator: " or "))",
                                hint: "link it first: clusterctl partner link \(lead) \(partnerID) --name <name> --kind <kind> [--siret <siret>]"
                            )
                        }
                        object["role"] = .string(role)
                        return .object(object)
                    })
                }
                let reply = try await endpoint.call("ProposeProject", write.adding(to: parameters))
                if write.json { return Terminal.printJSON(reply) }
                print("proposed project \(id) (seq \(reply.cell("seq")))")
            }
        }
    }

    /// What every lifecycle step takes: the project, the day, a reason.
    struct TransitionOptions: ParsableArguments {
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The project id.") var project: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day it happened (YYYY-MM-DD, not before the last step, not after today).", valueName: "date"))
        var on: String
        @Option(parsing: .unconditional, help: "Why (at most 200 characters).") var reason: String?

        func validate() throws { try TimeAxes.checkDate(on, option: "--on") }

        func perform(_ method: String, _ done: String) async throws {
            var parameters: [String: JSONValue] = ["project": .string(project), "on": .string(on)]
            if let reason { parameters["reason"] = .string(reason) }
            try await performWrite(method, parameters, connection: connection, options: write, done: "\(done) project \(project) on \(on)")
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A proposed project is approved (ApproveProject).", usage: "clusterctl projects approve <project> --on <date> [--reason <text>]\n[<options>]", discussion: Help.examples("clusterctl projects approve verre-4-0 --on 2023-11-15"))
        @OptionGroup var step: TransitionOptions
        func run() async throws { try await step.perform("ApproveProject", "approved") }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An approved project starts running (StartProject).", usage: "clusterctl projects start <project> --on <date> [--reason <text>]\n[<options>]", discussion: Help.examples("clusterctl projects start verre-4-0 --on 2024-01-08"))
        @OptionGroup var step: TransitionOptions
        func run() async throws { try await step.perform("StartProject", "started") }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A running project is completed (CompleteProject).", usage: "clusterctl projects complete <project> --on <date> [--reason <text>]\n[<options>]", discussion: Help.examples("clusterctl projects complete verre-4-0 --on 2026-12-31"))
        @OptionGroup var step: TransitionOptions
        func run() async throws { try await step.perform("CompleteProject", "completed") }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a project before it is completed: what was not disbursed is released (WithdrawProject).", usage: "clusterctl projects withdraw <project> --on <date> [--reason <text>]\n[<options>]", discussion: Help.examples("clusterctl projects withdraw verre-4-0 --on 2024-06-01 --reason \"partner left\""))
        @OptionGroup var step: TransitionOptions
        func run() async throws { try await step.perform("WithdrawProject", "withdrew") }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Its funders reject a project before it is completed (RejectProject).", usage: "clusterctl projects reject <project> --on <date> [--reason <text>]\n[<options>]", discussion: Help.examples("clusterctl projects reject verre-4-0 --on 2023-10-01 --reason budget"))
        @OptionGroup var step: TransitionOptions
        func run() async throws { try await step.perform("RejectProject", "rejected") }
    }
}

/// Amounts in cents from a reply, as people read them.
enum Euros {
    /// `1,234.56` in a text table, `1234.56` in CSV.
    static func cell(_ value: JSONValue?, csv: Bool) -> String {
        guard let cents = value?.intValue else { return "-" }
        return csv ? Money.euros(cents) : String(Money.display(cents).dropLast(2))
    }

    /// `1,234.56 €`.
    static func display(_ value: JSONValue?) -> String {
        value?.intValue.map(Money.display) ?? "-"
    }
}
