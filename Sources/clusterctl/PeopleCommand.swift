import ArgumentParser
import Varlink

/// The daemon's socket for a person's export, which only the daemon answers: it holds the keys of
/// their personal fields. `--log` is refused with a message that says why (hidden from the help).
/// The other reads about people also answer from a log file, with personal fields withheld.
struct PeopleReadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("The daemon's socket (default: $CLUSTERD_SOCKET, else /run/clusterd.sock).", valueName: "path"))
    var socket: String?

    @Option(parsing: .unconditional, help: .hidden) var log: String?

    func validate() throws {
        if log != nil {
            throw ValidationError("--log: a person is exported by the daemon, which holds their keys (a log file holds their personal fields sealed); give --socket PATH (or nothing), or see them without personal fields with clusterctl people show ID --log PATH")
        }
    }

    func with<Result>(_ body: (any RegistryEndpoint) async throws -> Result) async throws -> Result {
        try await DaemonConnection.with(socketPath: SocketOptions.resolve(socket)) { client in try await body(DaemonEndpoint(client: client)) }
    }
}

struct People: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "people",
        abstract: "Testers and contacts: show, export, rectify and erase a person (docs/privacy.md).",
        subcommands: [Show.self, Export.self, Rectify.self, Withdraw.self, Erase.self],
        aliases: ["person"]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One person (GetPerson); personal fields for root and the privacy group only.", usage: "clusterctl people show <id> [<options>]",
            discussion: Help.examples("clusterctl people show p-aaaaaaaaaaaaaaaaaaaaaaaaab", "clusterctl people show p-aaaaaaaaaaaaaaaaaaaaaaaaab --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The person's id (p- and 26 letters).") var id: String
        @Flag(help: "Print the GetPerson reply as JSON.") var json = false

        func run() async throws {
            let reply = try await connection.with { try await $0.call("GetPerson", ["person": .string(id)]) }
            if json { return Terminal.printJSON(reply) }
            let person = reply["person"]?.objectValue ?? [:]
            var rows: [(String, String)] = [("id", person.cell("id")), ("kind", person.cell("kind"))]
            if person["erased"]?.boolValue == true { rows.append(("erased", "at \(person.cell("erased_at")): nothing personal is left")) }
            for key in ["name", "role", "email", "phone", "birth_year", "age_band", "cluster", "department", "enrolled_on", "siren"] where person[key] != nil {
                let atEnrolment = key == "age_band" && person["age_band_basis"]?.stringValue == "enrolment"
                rows.append((key.replacingOccurrences(of: "_", with: " "), person.cell(key) + (atEnrolment ? " (at enrolment)" : "")))
            }
            if let consent = person["consent"]?.objectValue {
                rows.append(("consent", "\(consent.cell("purpose")) (text \(consent.cell("text_version")), given on \(consent.cell("given_on")), \(consent.cell("channel")))"))
            }
            if let withheld = person["withheld"]?.arrayValue, !withheld.isEmpty {
                rows.append(("withheld", withheld.map(\.cell).joined(separator: ", ") + " (sealed: root and the privacy group read them from the daemon)"))
            }
            Terminal.printKeyValues(rows)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything held about a person, as JSON (ExportPerson): their rights of access and portability.",
            usage: "clusterctl people export <id> [<options>]",
            discussion: Help.examples(
                "clusterctl people export p-aaaaaaaaaaaaaaaaaaaaaaaaab > person.json",
                "clusterctl people export p-aaaaaaaaaaaaaaaaaaaaaaaaab --request 1234567 \\\n      > person.json"
            )
        )
        @OptionGroup var connection: PeopleReadOptions
        @Argument(help: "The person's id.") var id: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The access or portability request this answers (its seq): answered done once exported.", valueName: "seq"))
        var request: UInt64?

        func run() async throws {
            try await connection.with { endpoint in
                let reply = try await endpoint.call("ExportPerson", ["person": .string(id)])
                Terminal.printJSON(reply["export"]?.objectValue ?? [:])
                guard let request else { return }
                let answer = try await endpoint.call("AnswerPrivacyRequest", ["request": .int(Int64(request)), "outcome": .string("done")])
                Terminal.printError("answered request \(request) (seq \(answer.cell("seq")))")
            }
        }
    }

    struct Rectify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Correct a person's fields (RectifyPerson): each one given replaces the one held.",
            usage: "clusterctl people rectify <id> [--name <name>] [--email <address>]\n[--phone <number>] [--birth-year <year>] [--role <role>]\n[--department <code>] [<options>]",
            discussion: Help.examples(
                "clusterctl people rectify p-aaaaaaaaaaaaaaaaaaaaaaaaab \\\n      --email j.martin@example.org",
                "clusterctl people rectify p-aaaaaaaaaaaaaaaaaaaaaaaaab \\\n      --birth-year 1951 --department 92"
            )
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: RetryOptions
        @Argument(help: "The person's id.") var id: String
        @Option(parsing: .unconditional, help: "The name.") var name: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("The e-mail address.", valueName: "address")) var email: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("The phone number.", valueName: "number")) var phone: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("A tester's birth year.", valueName: "year")) var birthYear: Int64?
        @Option(parsing: .unconditional, help: "A contact's role in their company.") var role: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("A tester's department of residence.", valueName: "code")) var department: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("The rectification request this answers (its seq).", valueName: "seq")) var request: UInt64?

        func validate() throws {
            if [name, email, phone, role, department].allSatisfy({ $0 == nil }) && birthYear == nil {
                throw ValidationError("nothing to rectify: give at least one of --name, --email, --phone, --birth-year, --role, --department")
            }
        }

        func run() async throws {
            var parameters: [String: JSONValue] = ["person": .string(id)]
            for (key, value) in [("name", name), ("email", email), ("phone", phone), ("role", role), ("department", department)] {
                if let value { parameters[key] = .string(value) }
            }
            if let birthYear { parameters["birth_year"] = .int(birthYear) }
            if let request { parameters["request"] = .int(Int64(request)) }
            try await performWrite("RectifyPerson", parameters, connection: connection, options: write, done: "rectified \(id)")
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A tester withdraws their consent (WithdrawConsent): from that day on they take part in no campaign.",
            usage: "clusterctl people withdraw <id> --on <date>\n--channel <channel> [<options>]",
            discussion: Help.examples("clusterctl people withdraw p-aaaaaaaaaaaaaaaaaaaaaaaaab \\\n      --on 2020-12-01 --channel paper")
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The tester's id.") var id: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day (YYYY-MM-DD) the consent is withdrawn.", valueName: "date")) var on: String
        @Option(parsing: .unconditional, help: ArgumentHelp("How: paper, online, phone or in_person.", valueName: "channel")) var channel: String

        func validate() throws {
            try TimeAxes.checkDate(on, option: "--on")
        }

        func run() async throws {
            try await performWrite(
                "WithdrawConsent", ["person": .string(id), "on": .string(on), "channel": .string(channel)],
                connection: connection, options: write, done: "\(id) withdrew their consent on \(on)"
            )
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a person (ErasePerson): their key is destroyed, nothing personal about them can be read again. No prompt.",
            usage: "clusterctl people erase <id> [--reason <text>] [<options>]",
            discussion: Help.examples("clusterctl people erase p-aaaaaaaaaaaaaaaaaaaaaaaaab \\\n      --reason \"request of 2020-11-20\"")
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: RetryOptions
        @Argument(help: "The person's id.") var id: String
        @Option(parsing: .unconditional, help: ArgumentHelp("Why (never a personal detail: the log keeps it in clear).", valueName: "text")) var reason: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("The erasure request this answers (its seq).", valueName: "seq")) var request: UInt64?

        func run() async throws {
            var parameters: [String: JSONValue] = ["person": .string(id)]
            if let reason { parameters["reason"] = .string(reason) }
            if let request { parameters["request"] = .int(Int64(request)) }
            try await performWrite("ErasePerson", parameters, connection: connection, options: write, done: "erased \(id)")
        }
    }
}

/// What `testers list` and `testers stats` ask about: a cluster's testers enrolled by a day.
struct TestersQuery: ParsableArguments {
    @Argument(help: "The cluster id.") var cluster: String
    @Option(parsing: .unconditional, help: ArgumentHelp("The day (YYYY-MM-DD) of enrolment and age bands (default: today).", valueName: "date")) var on: String?

    func validate() throws {
        if let on { try TimeAxes.checkDate(on, option: "--on") }
    }

    var parameters: [String: JSONValue] {
        var parameters: [String: JSONValue] = ["cluster": .string(cluster)]
        if let on { parameters["on"] = .string(on) }
        return parameters
    }
}

struct Testers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testers",
        abstract: "A cluster's testers: the list, and statistics by age band and department.",
        subcommands: [List.self, Stats.self],
        aliases: ["tester"]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every tester of a cluster enrolled by a date (ListTesters); personal fields for the privacy group only.",
            usage: "clusterctl testers list <cluster> [--on <date>] [<options>]",
            discussion: Help.examples("clusterctl testers list silver-valley", "clusterctl testers list silver-valley --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var query: TestersQuery

        func run() async throws {
            let reply = try await connection.with { try await $0.call("ListTesters", query.parameters) }
            var table = Table("id", "age band", "department", "enrolled", "name", "email", "phone")
            table.cuttable = [4, 5]
            for tester in reply["testers"]?.arrayValue ?? [] {
                let row = tester.objectValue ?? [:]
                let withheld = row["withheld"]?.arrayValue?.contains("name") == true
                let name = row["erased"]?.boolValue == true ? "(erased)" : withheld ? "(withheld)" : row.cell("name")
                table.add(row.cell("id"), row.cell("age_band"), row.cell("department"), row.cell("enrolled_on"), name, row.cell("email"), row.cell("phone"))
            }
            output.print(reply, table)
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A cluster's testers by age band and department (GetTesterStats); cells under 5 people withheld.",
            usage: "clusterctl testers stats <cluster> [--on <date>] [<options>]",
            discussion: Help.examples("clusterctl testers stats silver-valley", "clusterctl testers stats silver-valley --on 2020-11-15 --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var query: TestersQuery

        func run() async throws {
            let reply = try await connection.with { try await $0.call("GetTesterStats", query.parameters) }
            let stats = reply["stats"]?.objectValue ?? [:]
            var table = Table("by", "group", "testers")
            table.rightAligned = [2]
            table.quantities = [2]
            table.add("all", "\(stats.cell("cluster")) on \(stats.cell("on"))", stats.cell("testers"))
            if stats["erased"]?.intValue ?? 0 > 0 { table.add("of whom", "erased", stats.cell("erased")) }
            // Without keys (a log file, --without-personal-data) every band is the one at enrolment.
            let bands = stats["age_band_basis"]?.stringValue == "enrolment" ? "band at enrolment" : "age band"
            for (by, key) in [(bands, "by_age_band"), ("department", "by_department")] {
                for cell in stats[key]?.arrayValue ?? [] {
                    let row = cell.objectValue ?? [:]
                    table.add(by, row.cell("key"), row["suppressed"]?.boolValue == true ? "<5" : row.cell("testers"))
                }
            }
            // Campaigns can be thousands: the table sums them up, --json and --csv list each.
            let campaigns = stats["by_campaign"]?.arrayValue ?? []
            if output.csv || campaigns.count <= 20 {
                for cell in campaigns {
                    let row = cell.objectValue ?? [:]
                    let mean = row["mean_rating"].map { ", rated \($0.cell)" } ?? ""
                    table.add("campaign", row.cell("campaign") + (output.csv ? "" : mean), row["suppressed"]?.boolValue == true ? "<5" : row.cell("testers"))
                }
            } else {
                let shown = campaigns.filter { $0["suppressed"]?.boolValue == false }
                let testers = shown.compactMap { $0["testers"]?.intValue }.reduce(0, +)
                table.add("campaigns", "\(grouped(String(campaigns.count))), \(grouped(String(shown.count))) of 5+ (--json for each)", String(testers))
            }
            output.print(reply, table)
        }
    }
}
