import ArgumentParser
import ClusterDaemon
import ClusterModel
import Varlink

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The demo network of 70 clusters and 20,000 companies.", subcommands: [Load.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the demo network into a running daemon through Import, atomically.", usage: "clusterctl demo load [--seed <n>] [<options>]",
            discussion: "70 clusters, 20,000 companies and 1,000,000 jobs on 15 November 2020, partners, and the survey crisis-2020-11 with 300 respondents; before that, a dated history from 2008: clusters founded, one dissolved, companies joining and leaving, headcounts changing. Then 24 co-investment projects with ANCT and Banque des Territoires as partners, and their money, from 2019 to 2023. With a key store, Silver Valley's people too: 9,000 testers aged 60 to 90, 4,000 entrepreneurs and their innovation campaigns, 50 support actions of the 2020 lockdown (fictitious). Deterministic: the same seed gives the same network." + "\n\n" + Help.examples("clusterctl demo load", "clusterctl demo load --seed 7 --socket /tmp/clusterd.sock")
        )
        @OptionGroup var connection: SocketOptions
        @Option(parsing: .unconditional, help: "The generator's seed.") var seed: UInt64 = DemoNetwork.defaultSeed
        @Flag(help: "Print the Import reply as JSON.") var json = false

        func run() async throws {
            let network = DemoNetwork.commands(seed: seed)
            let commands = network.map(CommandEncoding.importEntry)
            if Progress.isTerminal { Terminal.printError("loading \(commands.count) commands…") }
            let reply = try await connection.with {
                try await $0.call("Import", ["commands": .array(commands), "request_id": .string("demo-load-\(seed)")])
            }
            var replies: [String: JSONValue] = ["network": .object(reply)]
            if reply["events"] == 0 {
                if !json { print("the demo network (seed \(seed)) was already loaded (seq \(reply.cell("seq")))") }
            } else if !json {
                print("loaded the demo network: \(reply.cell("events")) events, seq \(reply.cell("first_seq")) to \(reply.cell("seq"))")
            }
            let projects = DemoProjects.commands(network: network, seed: seed).map(CommandEncoding.importEntry)
            let funded = try await connection.with {
                try await $0.call("Import", ["commands": .array(projects), "request_id": .string("demo-load-\(seed)-projects")])
            }
            replies["projects"] = .object(funded)
            if json {
            } else if funded["events"] == 0 {
                print("the demo's projects were already loaded (seq \(funded.cell("seq")))")
            } else {
                print("loaded \(DemoProjects.projectCount) co-investment projects with ANCT and Banque des Territoires: \(funded.cell("events")) events, seq \(funded.cell("first_seq")) to \(funded.cell("seq"))")
            }
            if let people = try await loadPeople(DemoPeople.plan(seed: seed, network: network)) {
                replies["people"] = .object(people)
                if json {
                } else if people["events"] == 0 {
                    print("Silver Valley's people were already loaded (seq \(people.cell("seq")))")
                } else {
                    print("loaded Silver Valley's people: \(people.cell("testers")) testers, \(people.cell("contacts")) contacts, \(people.cell("campaigns")) campaigns, \(people.cell("participations")) participations (seq \(people.cell("seq")))")
                }
            } else {
                replies["people"] = .null
                if !json { print("Silver Valley's people not loaded: clusterd keeps no personal data (start it with --key-store-key-file PATH, or the credential clusterd-key-store-key)") }
            }
            if json { Terminal.printJSON(replies) }
        }

        /// The people in two imports: testers, contacts and campaigns, then — once the daemon
        /// has given the testers their ids, listed in enrolment order — the participations and
        /// withdrawals. Each with its request id, so that a second run writes nothing. Nil when
        /// the daemon keeps no personal data.
        func loadPeople(_ plan: DemoPeople.Plan) async throws -> [String: JSONValue]? {
            var first: [JSONValue] = plan.campaigns.map { CommandEncoding.importEntry(.openCampaign($0.record)) }
            for tester in plan.testers {
                var parameters: [String: JSONValue] = [
                    "cluster": .string(DemoPeople.clusterID), "department": .string(tester.department), "enrolled_on": .string(tester.enrolledOn.description),
                    "name": .string(tester.name), "birth_year": .int(Int64(tester.birthYear)),
                    "consent": [
                        "purpose": .string(DemoPeople.consentPurpose), "text_version": .string(tester.consentVersion),
                        "given_on": .string(tester.enrolledOn.description), "channel": .string(tester.consentChannel.rawValue),
                    ],
                ]
                if let email = tester.email { parameters["email"] = .string(email) }
                if let phone = tester.phone { parameters["phone"] = .string(phone) }
                first.append(["method": "EnrollTester", "parameters": .object(parameters)])
            }
            for contact in plan.contacts {
                first.append([
                    "method": "AddContact",
                    "parameters": [
                        "siren": .string(contact.siren.description), "name": .string(contact.name), "role": .string(contact.role),
                        "email": .string(contact.email), "phone": .string(contact.phone),
                    ],
                ])
            }
            return try await connection.with { endpoint -> [String: JSONValue]? in
                let firstReply: [String: JSONValue]
                do {
                    firstReply = try await endpoint.call("Import", ["commands": .array(first), "request_id": .string("demo-load-\(seed)-people")])
                } catch let error as VarlinkError where error.name == "org.clusterd.Registry.PersonalDataUnavailable" {
                    return nil
                }
                let listed = try await endpoint.call("ListTesters", ["cluster": .string(DemoPeople.clusterID), "on": .string(DemoNetwork.publishedOn.description)])
                let ids = (listed["testers"]?.arrayValue ?? []).compactMap { $0["id"] }
                guard ids.count == plan.testers.count else {
                    throw Failure(
                        "\(DemoPeople.clusterID) holds \(ids.count) testers, not the demo's \(plan.testers.count)",
                        hint: "load the demo into a registry of its own (clusterd --state-dir on an empty directory)", code: Failure.Code.refused
                    )
                }
                var second: [JSONValue] = []
                for campaign in plan.campaigns {
                    for part in campaign.parts {
                        var parameters: [String: JSONValue] = ["campaign": .string(campaign.record.id.text), "person": ids[part.tester], "on": .string(part.on.description)]
                        if let rating = part.rating { parameters["rating"] = .int(Int64(rating)) }
                        if let comment = part.comment { parameters["comment"] = .string(comment) }
                        second.append(["method": "RecordParticipation", "parameters": .object(parameters)])
                    }
                }
                for withdrawal in plan.withdrawals {
                    second.append([
                        "method": "WithdrawConsent",
                        "parameters": ["person": ids[withdrawal.tester], "on": .string(withdrawal.on.description), "channel": .string(withdrawal.channel.rawValue)],
                    ])
                }
                let reply = try await endpoint.call("Import", ["commands": .array(second), "request_id": .string("demo-load-\(seed)-participations")])
                return [
                    "testers": .int(Int64(plan.testers.count)), "contacts": .int(Int64(plan.contacts.count)), "campaigns": .int(Int64(plan.campaigns.count)),
                    "participations": .int(Int64(second.count - plan.withdrawals.count)), "withdrawals": .int(Int64(plan.withdrawals.count)), "seq": reply["seq"] ?? .null,
                    "events": .int((firstReply["events"]?.intValue ?? 0) + (reply["events"]?.intValue ?? 0)),
                ]
            }
        }
    }
}
