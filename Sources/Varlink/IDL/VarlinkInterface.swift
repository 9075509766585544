/// A parsed Varlink interface definition: its name, its types, methods and errors, and the text
/// that `org.varlink.service.GetInterfaceDescription` returns.
public struct VarlinkInterface: Sendable {
    /// The reverse-domain interface name, e.g. `org.clusterd.Registry`.
    public let name: String
    /// The definition exactly as written.
    public let description: String
    /// Types declared with `type`.
    public let types: [String: VarlinkType]
    /// Methods by member name.
    public let methods: [String: VarlinkMethodSignature]
    /// Errors by member name, with their parameters.
    public let errors: [String: [VarlinkField]]

    /// Parses and checks an interface definition.
    public init(parsing description: String) throws(VarlinkIDLError) {
        let parsed = try VarlinkIDLParser.parse(description)
        self.name = parsed.name
        self.description = description
        self.types = parsed.types
        self.methods = parsed.methods
        self.errors = parsed.errors
    }

    /// Checks `parameters` against the input of `method`; the error names the first offending parameter.
    public func validateInput(of method: String, _ parameters: [String: JSONValue]) throws(VarlinkError) {
        guard let signature = methods[method] else { throw .methodNotFound("\(name).\(method)") }
        let checker = VarlinkTypeChecker(types: types)
        if let mismatch = checker.mismatch(in: parameters, fields: signature.input) {
            throw .invalidParameter(mismatch.path, reason: mismatch.reason)
        }
    }

    /// Checks reply `parameters` against the output of `method`; returns the first mismatch.
    public func outputMismatch(of method: String, _ parameters: [String: JSONValue]) -> VarlinkTypeMismatch? {
        guard let signature = methods[method] else {
            return VarlinkTypeMismatch(path: method, reason: "no such method")
        }
        return VarlinkTypeChecker(types: types).mismatch(in: parameters, fields: signature.output)
    }
}
