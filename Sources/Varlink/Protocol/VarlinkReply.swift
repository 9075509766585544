/// A reply message: `{"parameters": {…}, "continues"?: true}` or `{"error": "name", "parameters": {…}}`.
public struct VarlinkReply: Sendable, Hashable {
    /// The reply's parameters, or the error's parameters.
    public var parameters: [String: JSONValue]
    /// More replies to the same call follow.
    public var continues: Bool
    /// The fully qualified error name when the call failed.
    public var error: String?

    public init(parameters: [String: JSONValue] = [:], continues: Bool = false, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }

    /// The reply that carries `error`.
    public init(error: VarlinkError) {
        self.init(parameters: error.parameters, continues: false, error: error.name)
    }

    /// Decodes a reply from a parsed message.
    public init(message: JSONValue) throws(VarlinkError) {
        guard let object = message.objectValue else { throw .invalidParameter("message") }
        var parameters: [String: JSONValue] = [:]
        switch object["parameters"] {
        case nil, .null?: break
        case .object(let value)?: parameters = value
        default: throw .invalidParameter("parameters")
        }
        var error: String?
        switch object["error"] {
        case nil, .null?: break
        case .string(let name)?: error = name
        default: throw .invalidParameter("error")
        }
        let continues = object["continues"]?.boolValue ?? false
        self.init(parameters: parameters, continues: continues, error: error)
    }

    /// The message object for this reply.
    public var message: JSONValue {
        var object: [String: JSONValue] = ["parameters": .object(parameters)]
        if continues { object["continues"] = true }
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    /// The error this reply carries, if any.
    public var varlinkError: VarlinkError? {
        error.map { VarlinkError($0, parameters: parameters) }
    }
}
