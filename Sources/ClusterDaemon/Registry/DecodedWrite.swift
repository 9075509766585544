import ClusterModel
import Varlink

/// What a write call asks for, decoded: its commands and the Import's or write's options.
struct DecodedWrite: Sendable, Hashable {
    /// The write method, or `Import`.
    var method: String
    var commands: [Command]
    var requestID: String?
    var expectedSequence: UInt64?

    init(method: String, commands: [Command], requestID: String? = nil, expectedSequence: UInt64? = nil) {
        self.method = method
        self.commands = commands
        self.requestID = requestID
        self.expectedSequence = expectedSequence
    }

    /// A request id is 1 to 200 bytes.
    static func isValidRequestID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 200
    }

    /// A write's parameters, parsed and checked against the interface: the general path, which
    /// words every refusal (`ImportDecoding` decodes an Import's accepted ones directly).
    init<Values: JSONObjectLookup>(_ method: String, _ parameters: Values) throws(DomainError) {
        let p = Parameters(parameters)
        let requestID = try p.optionalString("request_id")
        if let requestID, !DecodedWrite.isValidRequestID(requestID) {
            throw DomainError.invalidArgument(field: "request_id", reason: "must be 1 to 200 bytes")
        }
        let expected = try p.sequence("expected_seq")
        var commands: [Command] = []
        if method == "Import" {
            let list = parameters["commands"]?.arrayValue ?? []
            guard !list.isEmpty else { throw DomainError.invalidArgument(field: "commands", reason: "an import needs at least one command") }
            for (index, item) in list.enumerated() {
                let prefix = "commands[\(index)]."
                do throws(DomainError) {
                    guard let name = item["method"]?.stringValue else {
                        throw DomainError.invalidArgument(field: prefix + "method", reason: "is required")
                    }
                    let itemParameters = item["parameters"]?.objectValue ?? [:]
                    for forbidden in ["request_id", "expected_seq"] where itemParameters[forbidden] != nil {
                        throw DomainError.invalidArgument(field: prefix + "parameters." + forbidden, reason: "belongs to the Import call, not to its commands")
                    }
                    commands.append(try CommandParsing.command(name, itemParameters, prefix: prefix + "parameters."))
                } catch {
                    throw error.inCommand(index)
                }
            }
        } else {
            // CommandParsing reads only the fields of its command: request_id and expected_seq,
            // beside them, need not be removed (which copied the dictionary on every write).
            commands = [try CommandParsing.command(method, parameters)]
        }
        self.init(method: method, commands: commands, requestID: requestID, expectedSequence: expected)
    }
}
