import ArgumentParser
import Varlink

struct Companies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "companies",
        abstract: "Show, add and update member companies.",
        subcommands: [Show.self, Add.self, Update.self],
        aliases: ["company"]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A company and its memberships (GetCompany).", usage: "clusterctl companies show <siren>\n[--as-recorded-at <time> | --at-seq <n>] [<options>]", discussion: Help.examples("clusterctl companies show 732829320", "clusterctl companies show '732 829 320' --at-seq 100 --json"))
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var time: PointInTimeOptions
        @Argument(help: "The SIREN (9 digits).") var siren: String
        @Flag(help: "Print the GetCompany reply as JSON.") var json = false

        func run() async throws {
            var parameters = try time.parameters(validDate: nil)
            parameters["siren"] = .string(siren)
            let reply = try await connection.with { try await $0.call("GetCompany", parameters) }
            if json { return Terminal.printJSON(reply) }
            let company = reply["company"]?.objectValue ?? [:]
            var rows: [(String, String)] = [
                ("siren", company.cell("siren")), ("name", company.cell("name")),
                ("NAF", "\(company.cell("naf")) (section \(company.cell("naf_section")))"),
                ("department", "\(company.cell("department")) (region \(company.cell("region")))"),
                ("employees", grouped(company.cell("employees"))), ("turnover", company["turnover_eur"].map { grouped($0.cell) + " EUR" } ?? "-"),
                ("category", company.cell("category") + (company["declared_category"].map { " (declared: \($0.cell))" } ?? "")),
            ]
            for membership in reply["memberships"]?.arrayValue ?? [] {
                let row = membership.objectValue ?? [:]
                rows.append(("member of", "\(row.cell("cluster")) (\(row.cell("cluster_name"))) since \(row.cell("since"))" + (row["until"].map { " until \($0.cell)" } ?? "")))
            }
            Terminal.printKeyValues(rows)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a company (RegisterCompany).", usage: "clusterctl companies add <siren> --name <name> --naf <code>\n--department <code> --employees <n> [--turnover <euros>]\n[--category <category>] [<options>]", discussion: Help.examples("clusterctl companies add 732829320 --name ACME --naf 25.62B \\\n      --department 31 --employees 42", "clusterctl companies add 732829320 --name ACME --naf 25.62B \\\n      --department 31 --employees 42 --turnover 2500000 --category pme"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The SIREN (9 digits, spaces allowed).") var siren: String
        @Option(parsing: .unconditional, help: "Its name.") var name: String
        @Option(parsing: .unconditional, help: "Its NAF rév. 2 code (NN.NNL).") var naf: String
        @Option(parsing: .unconditional, help: "Its department.") var department: String
        @Option(parsing: .unconditional, help: "Its number of employees.") var employees: Int64
        @Option(parsing: .unconditional, help: "Its turnover in euros.") var turnover: Int64?
        @Option(parsing: .unconditional, help: "The size category it declares (micro, pme, eti, ge).") var category: String?

        func run() async throws {
            var parameters: [String: JSONValue] = [
                "siren": .string(siren), "name": .string(name), "naf": .string(naf), "department": .string(department), "employees": .int(employees),
            ]
            if let turnover { parameters["turnover_eur"] = .int(turnover) }
            if let category { parameters["declared_category"] = .string(category) }
            try await performWrite("RegisterCompany", parameters, connection: connection, options: write, done: "registered company \(siren)")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a company's details (UpdateCompany).", usage: "clusterctl companies update <siren> [--name <name>] [--naf <code>]\n[--department <code>] [--employees <n> [--effective-on <date>]]\n[--turnover <euros>] [--category <category>] [<options>]", discussion: Help.examples("clusterctl companies update 732829320 --employees 60", "clusterctl companies update 732829320 --employees 55 --effective-on 2020-03-01", "clusterctl companies update 732829320 --turnover -120000"))
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The SIREN.") var siren: String
        @Option(parsing: .unconditional, help: "A new name.") var name: String?
        @Option(parsing: .unconditional, help: "A new NAF code.") var naf: String?
        @Option(parsing: .unconditional, help: "A new department.") var department: String?
        @Option(parsing: .unconditional, help: "The number of employees.") var employees: Int64?
        @Option(parsing: .unconditional, help: ArgumentHelp("The day the new --employees took effect (default: today).", valueName: "date")) var effectiveOn: String?
        @Option(parsing: .unconditional, help: "The turnover in euros.") var turnover: Int64?
        @Option(parsing: .unconditional, help: "The declared size category.") var category: String?

        func validate() throws {
            if let effectiveOn { try TimeAxes.checkDate(effectiveOn, option: "--effective-on") }
            if effectiveOn != nil && employees == nil { throw ValidationError("--effective-on dates a change of headcount: give --employees too") }
        }

        func run() async throws {
            var parameters: [String: JSONValue] = ["siren": .string(siren)]
            if let name { parameters["name"] = .string(name) }
            if let naf { parameters["naf"] = .string(naf) }
            if let department { parameters["department"] = .string(department) }
            if let employees { parameters["employees"] = .int(employees) }
            if let turnover { parameters["turnover_eur"] = .int(turnover) }
            if let category { parameters["declared_category"] = .string(category) }
            if let effectiveOn { parameters["effective_on"] = .string(effectiveOn) }
            try await performWrite("UpdateCompany", parameters, connection: connection, options: write, done: "updated company \(siren)")
        }
    }
}

struct Join: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A company joins a cluster on a date (JoinCluster).", usage: "clusterctl join <cluster> <siren> --date <date> [<options>]", discussion: Help.examples("clusterctl join aero 732829320 --date 2020-01-01", "clusterctl join aero 732829320 --date 2020-01-01 --request-id join-acme-aero"))
    @OptionGroup var connection: SocketOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The cluster id.") var cluster: String
    @Argument(help: "The company's SIREN.") var siren: String
    @Option(parsing: .unconditional, help: "The date (YYYY-MM-DD).") var date: String

    func run() async throws {
        try await performWrite(
            "JoinCluster", ["cluster": .string(cluster), "siren": .string(siren), "date": .string(date)],
            connection: connection, options: write, done: "\(siren) joined \(cluster) on \(date)"
        )
    }
}

struct Leave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A company leaves a cluster on a date (LeaveCluster).", usage: "clusterctl leave <cluster> <siren> --date <date> [--reason <text>]\n[<options>]", discussion: Help.examples("clusterctl leave aero 732829320 --date 2022-06-30", "clusterctl leave aero 732829320 --date 2022-06-30 --reason \"moved away\" \\\n      --expected-seq 41"))
    @OptionGroup var connection: SocketOptions
    @OptionGroup var write: WriteOptions
    @Argument(help: "The cluster id.") var cluster: String
    @Argument(help: "The company's SIREN.") var siren: String
    @Option(parsing: .unconditional, help: "The date (YYYY-MM-DD): from that day on it is no member.") var date: String
    @Option(parsing: .unconditional, help: "Why it left.") var reason: String?

    func run() async throws {
        var parameters: [String: JSONValue] = ["cluster": .string(cluster), "siren": .string(siren), "date": .string(date)]
        if let reason { parameters["reason"] = .string(reason) }
        try await performWrite("LeaveCluster", parameters, connection: connection, options: write, done: "\(siren) left \(cluster) on \(date)")
    }
}
