/// A method call message: `{"method": "iface.Method", "parameters": {…}, "oneway"?, "more"?, "upgrade"?}`.
public struct VarlinkCall: Sendable, Hashable {
    /// Fully qualified method name, `interface.Method`.
    public var method: String
    /// The call's parameters (an empty object when the message has none).
    public var parameters: [String: JSONValue]
    /// The caller wants no reply.
    public var oneway: Bool
    /// The caller accepts several replies (`continues: true` on all but the last).
    public var more: Bool
    /// The caller asks to leave the Varlink protocol after the reply.
    public var upgrade: Bool

    public init(
        method: String,
        parameters: [String: JSONValue] = [:],
        oneway: Bool = false,
        more: Bool = false,
        upgrade: Bool = false
    ) {
        self.method = method
        self.parameters = parameters
        self.oneway = oneway
        self.more = more
        self.upgrade = upgrade
    }

    /// The interface part of `method` (everything before the last dot).
    public var interfaceName: String {
        guard let dot = method.lastIndex(of: ".") else { return "" }
        return String(method[..<dot])
    }

    /// The member part of `method` (everything after the last dot).
    public var memberName: String {
        guard let dot = method.lastIndex(of: ".") else { return method }
        return String(method[method.index(after: dot)...])
    }

    /// Decodes a call from a parsed message, naming the offending field when it is malformed.
    public init(message: JSONValue) throws(VarlinkError) {
        guard let object = message.objectValue else { throw .invalidParameter("message") }
        guard let method = object["method"]?.stringValue, !method.isEmpty else { throw .invalidParameter("method") }
        var parameters: [String: JSONValue] = [:]
        switch object["parameters"] {
        case nil, .null?: break
        case .object(let value)?: parameters = value
        default: throw .invalidParameter("parameters")
        }
        func flag(_ key: String) throws(VarlinkError) -> Bool {
            switch object[key] {
            case nil, .null?: return false
            case .bool(let value)?: return value
            default: throw .invalidParameter(key)
            }
        }
        self.init(
            method: method,
            parameters: parameters,
            oneway: try flag("oneway"),
            more: try flag("more"),
            upgrade: try flag("upgrade")
        )
    }

    /// The message object for this call.
    public var message: JSONValue {
        var object: [String: JSONValue] = ["method": .string(method)]
        if !parameters.isEmpty { object["parameters"] = .object(parameters) }
        if oneway { object["oneway"] = true }
        if more { object["more"] = true }
        if upgrade { object["upgrade"] = true }
        return .object(object)
    }
}
