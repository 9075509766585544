import ArgumentParser
import ClusterDaemon
import ClusterModel
import Varlink

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The demo network of 70 clusters and 20,000 companies.", subcommands: [Load.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the demo network into a running daemon through Import, atomically.", usage: "clusterctl demo load [--seed <n>] [<options>]",
            discussion: "70 clusters, 20,000 companies and 1,000,000 jobs on 15 November 2020, partners, and the survey crisis-2020-11 with 300 respondents; before that, a dated history from 2008: clusters founded, one dissolved, companies joining and leaving, headcounts changing. Deterministic: the same seed gives the same network." + "\n\n" + Help.examples("clusterctl demo load", "clusterctl demo load --seed 7 --socket /tmp/clusterd.sock")
        )
        @OptionGroup var connection: SocketOptions
        @Option(parsing: .unconditional, help: "The generator's seed.") var seed: UInt64 = DemoNetwork.defaultSeed
        @Flag(help: "Print the Import reply as JSON.") var json = false

        func run() async throws {
            let commands = DemoNetwork.commands(seed: seed).map { command -> JSONValue in
                let (method, parameters) = CommandEncoding.call(command)
                return ["method": .string(method), "parameters": .object(parameters)]
            }
            if Progress.isTerminal { Terminal.printError("loading \(commands.count) commands…") }
            let reply = try await connection.with {
                try await $0.call("Import", ["commands": .array(commands), "request_id": .string("demo-load-\(seed)")])
            }
            if json { return Terminal.printJSON(reply) }
            if reply["events"] == 0 {
                print("the demo network (seed \(seed)) was already loaded (seq \(reply.cell("seq")))")
            } else {
                print("loaded the demo network: \(reply.cell("events")) events, seq \(reply.cell("first_seq")) to \(reply.cell("seq"))")
            }
        }
    }
}
