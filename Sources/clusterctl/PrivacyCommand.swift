import ArgumentParser
import ClusterModel
import Varlink

struct Privacy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "People's requests about their data, and the retention of personal data (docs/privacy.md).",
        subcommands: [Requests.self, Request.self, Answer.self, Retention.self]
    )

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The privacy requests and their one-month deadlines (ListPrivacyRequests); root and the privacy group only.",
            usage: "clusterctl privacy requests [--open] [--on <date>] [<options>]",
            discussion: Help.examples("clusterctl privacy requests", "clusterctl privacy requests --open --json")
        )
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Only the requests not answered yet.") var open = false
        @Option(parsing: .unconditional, help: ArgumentHelp("The day (YYYY-MM-DD) that decides which are overdue (default: today).", valueName: "date")) var on: String?

        func validate() throws {
            if let on { try TimeAxes.checkDate(on, option: "--on") }
        }

        func run() async throws {
            var parameters: [String: JSONValue] = ["open": .bool(open)]
            if let on { parameters["on"] = .string(on) }
            let reply = try await connection.with { try await $0.call("ListPrivacyRequests", parameters) }
            var table = Table("request", "person", "right", "received", "deadline", "status", "answered")
            table.rightAligned = [0]
            for request in reply["requests"]?.arrayValue ?? [] {
                let row = request.objectValue ?? [:]
                let answered = row["answered_at"] == nil ? "" : row.cell("answered_at") + (row["reason"].map { " (\($0.cell))" } ?? "")
                table.add(row.cell("request"), row.cell("person"), row.cell("right"), row.cell("received_on"), row.cell("deadline"), row.cell("status"), answered)
            }
            output.print(reply, table)
            if !output.json, !output.csv {
                print("\(plural(reply.cell("open"), "open request")), \(reply.cell("overdue")) overdue")
            }
        }
    }

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a person's request about their data (RecordPrivacyRequest); it is answered within one month.",
            usage: "clusterctl privacy request <person> --right <right>\n--received <date> --channel <channel> [<options>]",
            discussion: Help.examples(
                "clusterctl privacy request p-aaaaaaaaaaaaaaaaaaaaaaaaab \\\n      --right erasure --received 2020-11-20 --channel paper"
            )
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The person's id.") var person: String
        @Option(parsing: .unconditional, help: ArgumentHelp("access, portability, rectification, erasure, restriction or objection.", valueName: "right")) var right: String
        @Option(parsing: .unconditional, help: ArgumentHelp("The day (YYYY-MM-DD) the request was received.", valueName: "date")) var received: String
        @Option(parsing: .unconditional, help: ArgumentHelp("How: paper, online, phone or in_person.", valueName: "channel")) var channel: String

        func validate() throws {
            try TimeAxes.checkDate(received, option: "--received")
            do {
                _ = try PrivacyRight(right, field: "--right")
            } catch {
                throw ValidationError("--right: \(error.parameters["reason"]?.description ?? "\(error)")")
            }
        }

        func run() async throws {
            let parameters: [String: JSONValue] = ["person": .string(person), "right": .string(right), "received_on": .string(received), "channel": .string(channel)]
            let reply = try await connection.with { try await $0.call("RecordPrivacyRequest", write.adding(to: parameters)) }
            if write.json { return Terminal.printJSON(reply) }
            // The deadline as the daemon computes it (`PrivacyRequestRecord.deadline`).
            let deadline = (try? PrivacyRequestRecord(right: PrivacyRight(right), receivedOn: CalendarDate(received), channel: ConsentChannel(channel)))?
                .deadline.description ?? "?"
            print("recorded request \(reply.cell("seq")): \(right) for \(person), to answer by \(deadline)")
        }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a privacy request (AnswerPrivacyRequest): done, or refused with the reason given to the person.",
            usage: "clusterctl privacy answer <request> (--done | --refused <reason>)\n[<options>]",
            discussion: Help.examples(
                "clusterctl privacy answer 1234567 --done",
                "clusterctl privacy answer 1234567 --refused \"identity not confirmed\"",
                "(people export|rectify|erase --request N answer one themselves)"
            )
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: WriteOptions
        @Argument(help: "The request: the seq that recorded it.") var request: UInt64
        @Flag(help: "The right was given effect.") var done = false
        @Option(parsing: .unconditional, help: ArgumentHelp("Refused, and why (never a personal detail: the log keeps it in clear).", valueName: "reason")) var refused: String?

        func validate() throws {
            guard done != (refused != nil) else { throw ValidationError("give one of --done and --refused REASON") }
        }

        func run() async throws {
            var parameters: [String: JSONValue] = ["request": .int(Int64(request)), "outcome": .string(done ? "done" : "refused")]
            if let refused { parameters["reason"] = .string(refused) }
            try await performWrite("AnswerPrivacyRequest", parameters, connection: connection, options: write, done: "answered request \(request)")
        }
    }

    struct Retention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase the people whose retention has run out (ApplyRetention); run daily by clusterd-retention.timer.",
            usage: "clusterctl privacy retention [--dry-run [--on <date>]] [<options>]",
            discussion: Help.examples("clusterctl privacy retention --dry-run", "clusterctl privacy retention")
        )
        @OptionGroup var connection: SocketOptions
        @OptionGroup var write: RetryOptions
        @Flag(help: "List who is due and why; erase nobody.") var dryRun = false
        @Option(parsing: .unconditional, help: ArgumentHelp("With --dry-run: who would be due on this day (YYYY-MM-DD).", valueName: "date")) var on: String?

        func validate() throws {
            if let on {
                try TimeAxes.checkDate(on, option: "--on")
                guard dryRun else { throw ValidationError("--on: only with --dry-run (retention erases what is due today)") }
            }
        }

        func run() async throws {
            var parameters: [String: JSONValue] = ["dry_run": .bool(dryRun)]
            if let on { parameters["on"] = .string(on) }
            let reply = try await connection.with { try await $0.call("ApplyRetention", write.adding(to: parameters)) }
            if write.json { return Terminal.printJSON(reply) }
            let due = reply["due"]?.arrayValue ?? []
            var table = Table("person", "kind", "last activity on", "activity", "due on")
            for item in due {
                let row = item.objectValue ?? [:]
                table.add(row.cell("person"), row.cell("kind"), row.cell("last_activity"), row.cell("activity"), row.cell("due_on"))
            }
            if !due.isEmpty { print(table.render()) }
            let years = reply.cell("retention_years")
            if dryRun {
                print("\(Self.people(String(due.count))) due for erasure after \(years) years; nothing erased (--dry-run)")
            } else {
                print("erased \(Self.people(reply.cell("erased"))) whose retention of \(years) years had run out (seq \(reply.cell("seq")))")
            }
        }

        private static func people(_ count: String) -> String {
            count == "1" ? "1 person" : "\(grouped(count)) people"
        }
    }
}
