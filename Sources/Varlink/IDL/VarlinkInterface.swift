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
    /// Inputs made only of scalars, checked by a flat fast path (see `FlatInputCheck`).
    private let flatInputs: [String: FlatInputCheck]

    /// Parses and checks an interface definition.
    public init(parsing description: String) throws(VarlinkIDLError) {
        let parsed = try VarlinkIDLParser.parse(description)
        self.name = parsed.name
        self.description = description
        self.types = parsed.types
        self.methods = parsed.methods
        self.errors = parsed.errors
        self.flatInputs = parsed.methods.compactMapValues { FlatInputCheck(fields: $0.input, types: parsed.types) }
    }

    /// Checks `parameters` against the input of `method`; the error names the first offending parameter.
    public func validateInput(of method: String, _ parameters: [String: JSONValue]) throws(VarlinkError) {
        if let flat = flatInputs[method] {
            if flat.accepts(parameters) { return }
            // Rejected: the general checker finds and words the first mismatch.
        }
        guard let signature = methods[method] else { throw .methodNotFound("\(name).\(method)") }
        let checker = VarlinkTypeChecker(types: types)
        if let mismatch = checker.mismatch(in: parameters, fields: signature.input) {
            throw .invalidParameter(mismatch.path, reason: mismatch.reason)
        }
    }

    /// Whether `parameters` certainly match the input of `method`: true only for a method whose
    /// input is flat (see `FlatInputCheck`) and parameters it accepts. False says nothing more:
    /// `validateInput` then decides, and words the error.
    public func acceptsInput(of method: String, _ parameters: some JSONObjectLookup) -> Bool {
        flatInputs[method]?.accepts(parameters) ?? false
    }

    /// Checks reply `parameters` against the output of `method`; returns the first mismatch.
    public func outputMismatch(of method: String, _ parameters: [String: JSONValue]) -> VarlinkTypeMismatch? {
        guard let signature = methods[method] else {
            return VarlinkTypeMismatch(path: method, reason: "no such method")
        }
        return VarlinkTypeChecker(types: types).mismatch(in: parameters, fields: signature.output)
    }
}

/// The input of a method whose every field is a boolean, integer, number, string, enumeration or
/// unchecked object, optional or not: most calls. `accepts` answers yes or no without walking
/// `VarlinkType` values (copying them retained and released their payloads on every call, most of
/// what checking a write cost); on no, the general checker words the error.
struct FlatInputCheck: Sendable {
    enum Kind: Sendable {
        case bool, int, float, string, object
        case enumeration(Set<String>)
    }

    struct Field: Sendable {
        let name: String
        let kind: Kind
        let optional: Bool
    }

    let fields: ContiguousArray<Field>

    /// Nil when a field's type is not flat (arrays, dictionaries, structs).
    init?(fields: [VarlinkField], types: [String: VarlinkType]) {
        var flat = ContiguousArray<Field>()
        for field in fields {
            var type = field.type
            var optional = false
            if case .optional(let wrapped) = type {
                optional = true
                type = wrapped
            }
            if case .named(let name) = type, let resolved = types[name] { type = resolved }
            let kind: Kind
            switch type {
            case .bool: kind = .bool
            case .int: kind = .int
            case .float: kind = .float
            case .string: kind = .string
            case .object: kind = .object
            case .enumeration(let cases): kind = .enumeration(Set(cases))
            default: return nil
            }
            flat.append(Field(name: field.name, kind: kind, optional: optional))
        }
        self.fields = flat
    }

    /// Whether `object` has exactly these fields (absent or null only where optional), each of
    /// its kind. Same verdict as `VarlinkTypeChecker`, which the tests hold it to.
    func accepts(_ object: some JSONObjectLookup) -> Bool {
        var present = 0
        for index in fields.indices {
            guard let value = object[fields[index].name] else {
                if fields[index].optional { continue }
                return false
            }
            present += 1
            switch value {
            case .null:
                if !fields[index].optional { return false }
            case .bool:
                guard case .bool = fields[index].kind else { return false }
            case .int:
                switch fields[index].kind {
                case .int, .float: break
                default: return false
                }
            case .double:
                switch fields[index].kind {
                case .float: break
                case .int: if value.intValue == nil { return false }
                default: return false
                }
            case .string(let text):
                switch fields[index].kind {
                case .string: break
                case .enumeration(let cases): if !cases.contains(text) { return false }
                default: return false
                }
            case .object:
                guard case .object = fields[index].kind else { return false }
            case .array:
                return false
            }
        }
        return present == object.count
    }
}
