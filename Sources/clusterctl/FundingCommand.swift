import ArgumentParser
import ClusterModel
import Foundation
import Varlink

struct Funding: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funding",
        abstract: "Money committed to projects and paid out: commit, revise, disburse, totals and open-data exports (docs/projects.md).",
        subcommands: [Commit.self, Revise.self, Disburse.self, Totals.self, Export.self]
    )

    struct Commit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A funder commits money to a project (CommitFunding).",
            usage: """
                clusterctl funding commit <id> --project <project> --instrument <kind>
                --grantor <name> --grantor-siret <siret> --grantor-kind <kind>
                --amount <euros> --agreed <date> --decision <reference> --object <text>
                [--nature cash|in_kind] [--terms single|staged|<text>]
                --payment <date>[/<date>] [--notified-eu] --beneficiary <who> ...
                [--rae <id>] [--aid-scheme <text>] [<options>]
                """,
            discussion: """
                A beneficiary is company:<siret>, cluster:<id> or association:<rna>:<name>, with \
                :<percent> at the end when a grant is shared (each one's share of it). Amounts are \
                euros (1500, 1500.50 or 1 500,50), never rounded.
                """ + "\n\n" + Help.examples(
                    "clusterctl funding commit anct-verre --project verre-4-0 \\\n      --instrument grant --grantor ANCT --grantor-siret 13002603200016 \\\n      --grantor-kind agency --amount 500000 --agreed 2023-12-01 \\\n      --decision D-2023-12 --object \"Fours hybrides\" --terms staged \\\n      --payment 2024-01-01/2025-12-31 \\\n      --beneficiary company:73282932000017:60 \\\n      --beneficiary cluster:vallee-bresle:40"
                )
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The new commitment's id (a-z, 0-9, '-').") var id: String
        @Option(parsing: .unconditional, help: "The project.") var project: String
        @Option(parsing: .unconditional, help: "grant, loan, equity, guarantee or private_contribution.") var instrument: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The grantor's name.", valueName: "name")) var grantor: String
        @Option(parsing: .unconditional, help: "The grantor's SIRET (its identity: one SIRET, one name).") var grantorSiret: String
        @Option(parsing: .unconditional, help: "The grantor's kind: bank, university, local_authority, agency or other.") var grantorKind: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The amount agreed, in euros.", valueName: "euros")) var amount: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day of the agreement (SCDL dateConvention).", valueName: "date")) var agreed: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The reference of the decision.", valueName: "reference")) var decision: String
        @Option(parsing: .unconditional, help: "What it pays for (at most 256 characters).") var object: String
        @Option(parsing: .unconditional, help: "cash or in_kind.") var nature: String = "cash"
        @Option(parsing: .unconditional, help: ArgumentHelp("single, staged, or other terms described.", valueName: "terms")) var terms: String = "single"
        @Option(parsing: .unconditional, help: ArgumentHelp("The planned payment: a day, or a period from/to.", valueName: "date[/date]")) var payment: String
        @Flag(help: "Notified to the European Commission as state aid (de minimis).") var notifiedEu = false
        @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Who receives it; repeat for several.", valueName: "who")) var beneficiary: [String] = []
        @Option(parsing: .unconditional, help: "The aid's number in the Répertoire des aides aux entreprises.") var rae: String?
        @Option(parsing: .unconditional, help: "The aid scheme (SCDL dispositifAide).") var aidScheme: String?

        func validate() throws {
            _ = try Euros.cents(amount, option: "--amount")
            try TimeAxes.checkDate(agreed, option: "--agreed")
            _ = try Self.period(payment)
            if beneficiary.isEmpty { throw ValidationError("--beneficiary: a commitment has at least one beneficiary") }
            for who in beneficiary { _ = try Self.beneficiary(who) }
            guard FundingInstrument(rawValue: instrument) != nil else {
                throw ValidationError("--instrument: '\(instrument)' is not one of \(FundingInstrument.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        static func period(_ text: String) throws -> (String, String?) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count) else { throw ValidationError("--payment: '\(text)' is not a day or a period <date>/<date>") }
            for part in parts { try TimeAxes.checkDate(part, option: "--payment") }
            return (parts[0], parts.count == 2 ? parts[1] : nil)
        }

        static func beneficiary(_ text: String) throws -> [String: JSONValue] {
            var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            var object: [String: JSONValue] = [:]
            if parts.count >= 3, let share = Int(parts.last!), parts[0] != "association" || parts.count == 4 {
                object["share_percent"] = .int(Int64(share))
                parts.removeLast()
            }
            switch (parts.first, parts.count) {
            case ("company", 2): object["kind"] = "company"; object["siret"] = .string(parts[1])
            case ("cluster", 2): object["kind"] = "cluster"; object["cluster"] = .string(parts[1])
            case ("association", 3): object["kind"] = "association"; object["rna"] = .string(parts[1]); object["name"] = .string(parts[2])
            default:
                throw ValidationError("--beneficiary: '\(text)' is not company:<siret>, cluster:<id> or association:<rna>:<name>, with :<percent> when shared")
            }
            return object
        }

        func run() async throws {
            let (from, to) = try Self.period(payment)
            var parameters: [String: JSONValue] = [
                "id": .string(id), "project": .string(project), "instrument": .string(instrument),
                "grantor": ["name": .string(grantor), "siret": .string(grantorSiret), "kind": .string(grantorKind)],
                "amount_cents": .int(try Euros.cents(amount, option: "--amount")), "agreed_on": .string(agreed), "decision_reference": .string(decision),
                "object": .string(object), "nature": .string(nature), "planned_payment_from": .string(from), "notified_eu": .bool(notifiedEu),
                "beneficiaries": .array(try beneficiary.map { .object(try Self.beneficiary($0)) }),
            ]
            if ["single", "staged"].contains(terms) {
                parameters["payment_terms"] = .string(terms)
            } else {
                parameters["payment_terms"] = "other"
                parameters["payment_terms_text"] = .string(terms)
            }
            if let to { parameters["planned_payment_to"] = .string(to) }
            if let rae { parameters["rae_id"] = .string(rae) }
            if let aidScheme { parameters["aid_scheme"] = .string(aidScheme) }
            try await performWrite("CommitFunding", parameters, connection: connection, options: write, done: "committed \(Euros.display(.int(try Euros.cents(amount, option: "--amount")))) as \(id)")
        }
    }

    struct Revise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A commitment's amount from a day on (ReviseCommitment): never below what was disbursed.",
            usage: "clusterctl funding revise <commitment> --amount <euros> --on <date>\n--reason <text> [<options>]",
            discussion: Help.examples("clusterctl funding revise anct-verre --amount 600000 --on 2024-06-01 \\\n      --reason \"phase 2\"")
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The commitment id.") var commitment: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The new amount, in euros (0 cancels it).", valueName: "euros")) var amount: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day it takes effect.", valueName: "date")) var on: String
        @Option(parsing: .unconditional, help: "Why.") var reason: String

        func validate() throws {
            _ = try Euros.cents(amount, option: "--amount")
            try TimeAxes.checkDate(on, option: "--on")
        }

        func run() async throws {
            let cents = try Euros.cents(amount, option: "--amount")
            try await performWrite(
                "ReviseCommitment", ["commitment": .string(commitment), "amount_cents": .int(cents), "on": .string(on), "reason": .string(reason)],
                connection: connection, options: write, done: "revised \(commitment) to \(Euros.display(.int(cents))) from \(on)"
            )
        }
    }

    struct Disburse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Money paid out against a commitment (DisburseFunding): never more than committed.",
            usage: "clusterctl funding disburse <commitment> --amount <euros> --on <date>\n[--reference <text>] [<options>]",
            discussion: Help.examples("clusterctl funding disburse anct-verre --amount 200000 --on 2024-02-01 \\\n      --reference VIR-2024-0042")
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The commitment id.") var commitment: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The amount paid, in euros.", valueName: "euros")) var amount: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day it was paid.", valueName: "date")) var on: String
        @Option(parsing: .unconditional, help: "The payment's reference.") var reference: String?

        func validate() throws {
            _ = try Euros.cents(amount, option: "--amount")
            try TimeAxes.checkDate(on, option: "--on")
        }

        func run() async throws {
            let cents = try Euros.cents(amount, option: "--amount")
            var parameters: [String: JSONValue] = ["commitment": .string(commitment), "amount_cents": .int(cents), "on": .string(on)]
            if let reference { parameters["reference"] = .string(reference) }
            try await performWrite("DisburseFunding", parameters, connection: connection, options: write, done: "disbursed \(Euros.display(.int(cents))) on \(commitment)")
        }
    }

    struct Totals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Committed and disbursed, by funder, region, lead cluster and year, and the leverage of agency money (GetFundingTotals).",
            usage: "clusterctl funding totals [--on <date>]\n[--as-recorded-at <time> | --at-seq <n>] [<options>]",
            discussion: Help.examples("clusterctl funding totals", "clusterctl funding totals --on 2024-12-31 --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var validDate: ValidDateOptions
        @OptionGroup var time: PointInTimeOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let reply = try await connection.with { try await $0.call("GetFundingTotals", try time.parameters(validDate: validDate)) }
            if output.json { return Terminal.printJSON(reply) }
            let committed = reply["committed_cents"]?.intValue ?? 0
            // CSV: one table with a column for the grouping; text: a table per grouping.
            func table(_ first: String, _ rows: [JSONValue], key: String, name: String, section: String?) -> Table {
                var table = Table(headers: (section == nil ? [] : ["by", "key"]) + [first, "committed €", "share", "disbursed €", "paid", "projects"])
                let offset = section == nil ? 0 : 2
                table.rightAligned = Set((offset + 1)..<(offset + 6))
                table.cuttable = [offset]
                for value in rows {
                    let row = value.objectValue ?? [:]
                    let rowCommitted = row["committed_cents"]?.intValue ?? 0
                    let paid = row["disbursed_cents"]?.intValue ?? 0
                    table.add(
                        (section.map { [$0, row.cell(key)] } ?? [])
                            + [
                                section == nil && key == "key" && name == "label" && first == "region" ? "\(row.cell(key)) \(row.cell(name))" : row.cell(name),
                                Euros.cell(row["committed_cents"], csv: output.csv), Money.percent(rowCommitted, of: committed) ?? "-",
                                Euros.cell(row["disbursed_cents"], csv: output.csv), Money.percent(paid, of: rowCommitted) ?? "-", row.cell("projects"),
                            ]
                    )
                }
                return table
            }
            let groupings: [(String, String, String, String)] = [
                ("funder", "by_funder", "siret", "name"), ("region", "by_region", "key", "label"), ("lead cluster", "by_cluster", "key", "label"),
                ("year", "by_year", "key", "label"),
            ]
            if output.csv {
                var all = Table(headers: ["by", "key", "name", "committed €", "share", "disbursed €", "paid", "projects"])
                for (title, field, key, name) in groupings {
                    for row in table(title, reply[field]?.arrayValue ?? [], key: key, name: name, section: title.components(separatedBy: " ").last!).rows { all.add(row) }
                }
                return print(all.csv())
            }
            print(Terminal.wrapped("Committed \(Euros.display(reply["committed_cents"])) and disbursed \(Euros.display(reply["disbursed_cents"])) in \(plural(reply.cell("projects"), "project")), on \(reply.cell("on")). A project in several regions counts in each; by year, commitments count in the year agreed, payments in the year paid."))
            for (title, field, key, name) in groupings {
                print("")
                print(table(title, reply[field]?.arrayValue ?? [], key: key, name: name, section: nil).render())
            }
            let leverage = reply["leverage"]?.objectValue ?? [:]
            if let ratio = leverage["per_agency_euro"]?.stringValue {
                print("")
                print(Terminal.wrapped("Leverage: \(ratio) € of private and local money per euro of the national agencies' in the \(plural(leverage.cell("projects"), "project")) they fund (private \(Euros.display(leverage["private_cents"])), local \(Euros.display(leverage["local_cents"])), agencies \(Euros.display(leverage["agency_cents"])))."))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Commitments as open data: SCDL Subventions 2.1.1 (CSV) or 360Giving (JSON) (ListCommitments).",
            usage: "clusterctl funding export --format scdl|360giving [--on <date>]\n[--from <date>] [--to <date>] [--output <file>]\n[--as-recorded-at <time> | --at-seq <n>] [<options>]",
            discussion: """
                scdl: the "données essentielles des conventions de subvention" (SCDL Subventions \
                2.1.1): grants only, one row per beneficiary, UTF-8, comma-separated. 360giving: \
                every commitment as a grant with its commitmentTransaction and \
                disbursementTransaction lists; amountDisbursed is the sum of the latter. Each \
                commitment at its latest revision as of --on (default today); --from and --to \
                select the agreement dates. Amounts in euros with two decimals.
                """ + "\n\n" + Help.examples(
                    "clusterctl funding export --format scdl --output subventions.csv",
                    "clusterctl funding export --format 360giving --from 2024-01-01 --to 2024-12-31"
                )
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var validDate: ValidDateOptions
        @OptionGroup var time: PointInTimeOptions
        @Option(parsing: .unconditional, help: "scdl or 360giving.") var format: String
        @Option(parsing: .unconditional, help: ArgumentHelp("Only commitments agreed on or after this day.", valueName: "date")) var from: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("Only commitments agreed on or before this day.", valueName: "date")) var to: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("Write to this file (replaced whole, never half-written) instead of standard output.", valueName: "file"))
        var output: String?

        func validate() throws {
            guard ["scdl", "360giving"].contains(format) else { throw ValidationError("--format: '\(format)' is not one of scdl, 360giving") }
            if let from { try TimeAxes.checkDate(from, option: "--from") }
            if let to { try TimeAxes.checkDate(to, option: "--to") }
            if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
        }

        func run() async throws {
            var parameters = try time.parameters(validDate: validDate)
            if let from { parameters["from"] = .string(from) }
            if let to { parameters["to"] = .string(to) }
            let reply = try await connection.with { try await $0.call("ListCommitments", parameters) }
            let commitments = (reply["commitments"]?.arrayValue ?? []).compactMap(\.objectValue)
            let text = format == "scdl" ? FundingExport.scdl(commitments) : FundingExport.threeSixtyGiving(commitments, on: reply.cell("on"))
            guard let output else { return print(text, terminator: "") }
            try FundingExport.write(text, to: output)
            Terminal.printError("wrote \(commitments.count) commitments to \(output) (\(format), on \(reply.cell("on")))")
        }
    }
}

extension Euros {
    /// An amount in euros from the command line, in cents; a usage error naming the option.
    static func cents(_ text: String, option: String) throws -> Int64 {
        do {
            return try Money.cents(euros: text, field: option)
        } catch {
            throw ValidationError("\(option): \(error.parameters["reason"]?.description ?? "\(error)")")
        }
    }
}
