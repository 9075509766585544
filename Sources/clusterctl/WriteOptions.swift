import ArgumentParser
import Varlink

/// What every write command accepts besides its own parameters.
struct WriteOptions: ParsableArguments, WriteReplyOptions {
    @Option(parsing: .unconditional, help: ArgumentHelp("Write only if the log ends at this sequence number.", valueName: "seq"))
    var expectedSeq: UInt64?

    @OptionGroup var retry: RetryOptions

    var json: Bool { retry.json }

    /// Adds request_id and expected_seq to `parameters`.
    func adding(to parameters: [String: JSONValue]) -> [String: JSONValue] {
        var result = retry.adding(to: parameters)
        if let expectedSeq { result["expected_seq"] = .int(Int64(expectedSeq)) }
        return result
    }
}

/// What a write that takes no `expected_seq` accepts (the people's: a person is rectified or
/// erased whatever else was written).
struct RetryOptions: ParsableArguments, WriteReplyOptions {
    @Option(parsing: .unconditional, help: ArgumentHelp("A request id: retrying with the same id never writes twice.", valueName: "id"))
    var requestID: String?

    @Flag(help: "Print the reply as JSON.")
    var json = false

    func adding(to parameters: [String: JSONValue]) -> [String: JSONValue] {
        var result = parameters
        if let requestID { result["request_id"] = .string(requestID) }
        return result
    }
}

protocol WriteReplyOptions {
    var json: Bool { get }
    func adding(to parameters: [String: JSONValue]) -> [String: JSONValue]
}

/// Sends one write method and prints its result.
func performWrite(_ method: String, _ parameters: [String: JSONValue], connection: SocketOptions, options: some WriteReplyOptions, done: String) async throws {
    let reply = try await connection.with { try await $0.call(method, options.adding(to: parameters)) }
    if options.json {
        Terminal.printJSON(reply)
    } else {
        print("\(done) (seq \(reply.cell("seq")))")
    }
}
