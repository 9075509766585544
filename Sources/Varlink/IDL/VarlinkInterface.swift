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
    /// Each method's input fields by name (see `VarlinkTypeChecker.mismatch(in:fields:index:path:)`).
    private let inputIndexes: [String: [String: Int]]

    /// Parses and checks an interface definition.
    public init(parsing description: String) throws(VarlinkIDLError) {
        let parsed = try VarlinkIDLParser.parse(description)
        self.name = parsed.name
        self.description = description
        self.types = parsed.types
        self.methods = parsed.methods
        self.errors = parsed.errors
        self.inputIndexes = parsed.methods.mapValues { VarlinkTypeChecker.index(of: $0.input) }
    }

    /// Checks `parameters` against the input of `method`; the error names the first offending parameter.
    public func validateInput(of method: String, _ parameters: some JSONObjectLookup) throws(VarlinkError) {
        guard methods[method] != nil else { throw .methodNotFound("\(name).\(method)") }
        if let mismatch = inputMismatch(of: method, parameters) {
            throw .invalidParameter(mismatch.path, reason: mismatch.reason)
        }
    }

    /// The first mismatch of `parameters` against the input of `method`.
    ///
    /// One checker for every call. A second, flat one for inputs made only of scalars was
    /// measured against it by `clusterd-bench twins` (2026-12-06) and removed: it won 2 and
    /// 3.5 % of what a GetCompany and a RegisterCompany cost the daemon, short of the 20 % a
    /// twin must win to be kept. Most of what it saved came from finding members by scanning;
    /// the one checker now finds them by name (see `VarlinkTypeChecker`).
    public func inputMismatch(of method: String, _ parameters: some JSONObjectLookup) -> VarlinkTypeMismatch? {
        guard let signature = methods[method] else {
            return VarlinkTypeMismatch(path: method, reason: "no such method")
        }
        return VarlinkTypeChecker(types: types).mismatch(in: parameters, fields: signature.input, index: inputIndexes[method])
    }

    /// Checks reply `parameters` against the output of `method`; returns the first mismatch.
    public func outputMismatch(of method: String, _ parameters: [String: JSONValue]) -> VarlinkTypeMismatch? {
        guard let signature = methods[method] else {
            return VarlinkTypeMismatch(path: method, reason: "no such method")
        }
        return VarlinkTypeChecker(types: types).mismatch(in: parameters, fields: signature.output)
    }
}
