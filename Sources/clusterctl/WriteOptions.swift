import ArgumentParser
import Varlink

/// What every write command accepts besides its own parameters.
struct WriteOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("A request id: retrying with the same id never writes twice.", valueName: "id"))
    var requestID: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Write only if the log ends at this sequence number.", valueName: "seq"))
    var expectedSeq: UInt64?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    /// Adds request_id and expected_seq to `parameters`.
    func adding(to parameters: [String: JSONValue]) -> [String: JSONValue] {
        var result = parameters
        if let requestID { result["request_id"] = .string(requestID) }
        if let expectedSeq { result["expected_seq"] = .int(Int64(expectedSeq)) }
        return result
    }
}

/// Sends one write method and prints its result.
func performWrite(_ method: String, _ parameters: [String: JSONValue], connection: SocketOptions, options: WriteOptions, done: String) async throws {
    let reply = try await connection.with { try await $0.call(method, options.adding(to: parameters)) }
    if options.json {
        Terminal.printJSON(reply)
    } else {
        print("\(done) (seq \(reply.cell("seq")))")
    }
}
