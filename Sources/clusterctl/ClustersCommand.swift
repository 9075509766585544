import ArgumentParser
import Varlink

struct Clusters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusters",
        abstract: "List, show, add, update and dissolve clusters.",
        subcommands: [List.self, Show.self, Add.self, Update.self, Dissolve.self],
        aliases: ["cluster"]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Clusters with their members and jobs (ListClusters).", usage: "clusterctl clusters list [--region <code>] [--section <letter>]\n[--on <date>] [--offset <n>] [--limit <n>] [<options>]", discussion: Help.examples("clusterctl clusters list --region 76", "clusterctl clusters list --section C --limit 10", "clusterctl clusters list --on 2020-12-31 --csv"))
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var validDate: ValidDateOptions
        @OptionGroup var time: PointInTimeOptions
        @Option(parsing: .unconditional, help: "Only clusters in this region (INSEE code).") var region: String?
        @Option(parsing: .unconditional, help: "Only clusters of this NAF section (A to U).") var section: String?
        @Option(parsing: .unconditional, help: "Skip this many clusters.") var offset: Int = 0
        @Option(parsing: .unconditional, help: "Show at most this many (1 to 10000).") var limit: Int = 100
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var parameters = try time.parameters(validDate: validDate)
            if let region { parameters["region"] = .string(region) }
            if let section { parameters["naf_section"] = .string(section) }
            parameters["offset"] = .int(Int64(offset))
            parameters["limit"] = .int(Int64(limit))
            let reply = try await connection.with { try await $0.call("ListClusters", parameters) }
            if output.json { return Terminal.printJSON(reply) }
            var table = Table("id", "name", "regions", "section", "members", "jobs")
            table.rightAligned = [4, 5]
            table.quantities = [4, 5]
            table.cuttable = [1]
            for cluster in reply["clusters"]?.arrayValue ?? [] {
                let row = cluster.objectValue ?? [:]
                table.add(row.cell("id"), row.cell("name"), row.cell("regions"), row.cell("naf_section"), row.cell("members"), row.cell("jobs"))
            }
            if output.csv { return print(table.csv()) }
            print(table.render())
            print("\n\(reply["clusters"]?.arrayValue?.count ?? 0) of \(reply.cell("total")) clusters, on \(reply.cell("on"))")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One cluster: territory, sector, partners, members and jobs (GetCluster).", usage: "clusterctl clusters show <id> [--on <date>]\n[--as-recorded-at <time> | --at-seq <n>] [<options>]", discussion: Help.examples("clusterctl clusters show aero", "clusterctl clusters show aero --on 2020-12-31 --json"))
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var validDate: ValidDateOptions
        @OptionGroup var time: PointInTimeOptions
        @Argument(help: "The cluster id.") var id: String
        @Flag(help: "Print the GetCluster reply as JSON.") var json = false

        func run() async throws {
            var parameters = try time.parameters(validDate: validDate)
            parameters["id"] = .string(id)
            let reply = try await connection.with { try await $0.call("GetCluster", parameters) }
            if json { return Terminal.printJSON(reply) }
            let cluster = reply["cluster"]?.objectValue ?? [:]
            var rows: [(String, String)] = [
                ("id", cluster.cell("id")), ("name", cluster.cell("name")), ("regions", cluster.cell("regions")),
                ("departments", cluster.cell("departments")), ("NAF section", cluster.cell("naf_section")), ("founded", cluster.cell("founded")),
            ]
            if cluster["dissolved_on"] != nil { rows.append(("dissolved", cluster.cell("dissolved_on"))) }
            if cluster["siret"] != nil { rows.append(("SIRET", cluster.cell("siret"))) }
            rows.append(("members", "\(grouped(cluster.cell("members"))) on \(reply.cell("on"))"))
            rows.append(("jobs", grouped(cluster.cell("jobs"))))
            for partner in cluster["partners"]?.arrayValue ?? [] {
                let row = partner.objectValue ?? [:]
                let siret = row["siret"].map { ", SIRET \($0.cell)" } ?? ""
                rows.append(("partner", "\(row.cell("name")) (\(row.cell("kind")), \(row.cell("partner_id"))\(siret))"))
            }
            Terminal.printKeyValues(rows)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a cluster (RegisterCluster).", usage: "clusterctl clusters add <id> --name <name> --region <code> ...\n[--department <code> ...] [--section <letter>] [--founded <date>]\n[--siret <siret>] [<options>]", discussion: Help.examples("clusterctl clusters add aero --name \"Aerospace Valley\" \\\n      --region 76 --region 75 --department 31", "clusterctl clusters add aero --name Aero --region 76 --section C \\\n      --founded 2005-07-12"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The new cluster's id (a-z, 0-9, '-').") var id: String
        @Option(parsing: .unconditional, help: "Its name.") var name: String
        @Option(parsing: .unconditionalSingleValue, help: "A region it covers (INSEE code); repeat for several.") var region: [String] = []
        @Option(parsing: .unconditionalSingleValue, help: "A department it covers; repeat for several.") var department: [String] = []
        @Option(parsing: .unconditional, help: "Its NAF section (A to U).") var section: String?
        @Option(parsing: .unconditional, help: "When it was founded (YYYY-MM-DD).") var founded: String?
        @Option(parsing: .unconditional, help: "The SIRET of its legal entity (what a commitment to it names).") var siret: String?

        func validate() throws {
            if region.isEmpty { throw ValidationError("--region: a cluster needs at least one region") }
        }

        func run() async throws {
            var parameters: [String: JSONValue] = [
                "id": .string(id), "name": .string(name), "regions": .array(region.map { .string($0) }),
                "departments": .array(department.map { .string($0) }),
            ]
            if let section { parameters["naf_section"] = .string(section) }
            if let founded { parameters["founded"] = .string(founded) }
            if let siret { parameters["siret"] = .string(siret) }
            try await performWrite("RegisterCluster", parameters, connection: connection, options: write, done: "registered cluster \(id)")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a cluster's name, territory or sector (UpdateCluster).", usage: "clusterctl clusters update <id> [--name <name>] [--region <code> ...]\n[--department <code> ...] [--section <letter>] [--founded <date>]\n[--siret <siret>] [<options>]", discussion: Help.examples("clusterctl clusters update aero --name \"Aerospace Valley\"", "clusterctl clusters update aero --region 76 --region 75 \\\n      --department 31 --department 33"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The cluster id.") var id: String
        @Option(parsing: .unconditional, help: "A new name.") var name: String?
        @Option(parsing: .unconditionalSingleValue, help: "The regions it covers, replacing the old list; repeat for several.") var region: [String] = []
        @Option(parsing: .unconditionalSingleValue, help: "The departments it covers, replacing the old list; repeat for several.") var department: [String] = []
        @Option(parsing: .unconditional, help: "Its NAF section.") var section: String?
        @Option(parsing: .unconditional, help: "When it was founded.") var founded: String?
        @Option(parsing: .unconditional, help: "The SIRET of its legal entity.") var siret: String?

        func run() async throws {
            var parameters: [String: JSONValue] = ["id": .string(id)]
            if let name { parameters["name"] = .string(name) }
            if !region.isEmpty { parameters["regions"] = .array(region.map { .string($0) }) }
            if !department.isEmpty { parameters["departments"] = .array(department.map { .string($0) }) }
            if let section { parameters["naf_section"] = .string(section) }
            if let founded { parameters["founded"] = .string(founded) }
            if let siret { parameters["siret"] = .string(siret) }
            try await performWrite("UpdateCluster", parameters, connection: connection, options: write, done: "updated cluster \(id)")
        }
    }

    struct Dissolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dissolve a cluster on a date, ending its memberships (DissolveCluster).", usage: "clusterctl clusters dissolve <id> --date <date> [<options>]", discussion: Help.examples("clusterctl clusters dissolve aero --date 2026-12-31"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The cluster id.") var id: String
        @Option(parsing: .unconditional, help: "The date (YYYY-MM-DD).") var date: String

        func run() async throws {
            try await performWrite("DissolveCluster", ["id": .string(id), "date": .string(date)], connection: connection, options: write, done: "dissolved cluster \(id)")
        }
    }
}

struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partner", abstract: "Partners of clusters.", subcommands: [Link.self])

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link a partner to a cluster (LinkPartner).", usage: "clusterctl partner link <cluster> <partner-id> --name <name>\n--kind <kind> [--siret <siret>] [<options>]", discussion: Help.examples("clusterctl partner link aero bpifrance --name Bpifrance --kind bank", "clusterctl partner link aero anct --name ANCT --kind agency \\\n      --siret 13002603200016"))
        @OptionGroup var inner: LinkPartnerOptions

        func run() async throws {
            var parameters: [String: JSONValue] = [
                "cluster": .string(inner.cluster), "partner_id": .string(inner.partnerID), "name": .string(inner.name), "kind": .string(inner.kind),
            ]
            if let siret = inner.siret { parameters["siret"] = .string(siret) }
            try await performWrite("LinkPartner", parameters, connection: inner.connection, options: inner.write, done: "linked \(inner.name) to \(inner.cluster)")
        }
    }
}

struct LinkPartnerOptions: ParsableArguments {
    @OptionGroup var connection: SocketOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The cluster id.") var cluster: String
    @Argument(help: "The partner's id within the cluster.") var partnerID: String
    @Option(parsing: .unconditional, help: "The partner's name.") var name: String
    @Option(parsing: .unconditional, help: "bank, university, local_authority, agency or other.") var kind: String
    @Option(parsing: .unconditional, help: "Its establishment's SIRET: its one identity across clusters and projects.") var siret: String?
}
