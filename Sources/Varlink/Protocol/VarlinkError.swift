/// A Varlink error: a fully qualified name and its parameters, sent as a reply or received from a peer.
///
/// Method handlers throw it to answer with an error; clients receive it when the service answers one.
public struct VarlinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fully qualified error name, e.g. `org.varlink.service.MethodNotFound`.
    public var name: String
    /// The error's parameters, exactly as declared by its interface: strict clients (typed
    /// decoding, as asyncvarlink's) refuse a reply with a parameter its error does not declare.
    public var parameters: [String: JSONValue]
    /// What the declared parameters cannot say (why a parameter is invalid), for the server's
    /// log and for a caller in the same process; never sent, and not part of equality.
    public var detail: String?

    public init(_ name: String, parameters: [String: JSONValue] = [:], detail: String? = nil) {
        self.name = name
        self.parameters = parameters
        self.detail = detail
    }

    public var description: String {
        (parameters.isEmpty ? name : "\(name) \(JSONValue.object(parameters))") + (detail.map { ": \($0)" } ?? "")
    }

    public static func == (left: VarlinkError, right: VarlinkError) -> Bool {
        left.name == right.name && left.parameters == right.parameters
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(parameters)
    }
}

extension VarlinkError {
    /// The interface of the errors every Varlink service may answer.
    public static let serviceInterface = "org.varlink.service"

    /// The called interface is not provided by this service.
    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }

    /// The called method does not exist in its interface.
    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }

    /// The method is declared but not implemented by this service.
    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotImplemented", parameters: ["method": .string(method)])
    }

    /// A parameter is missing, unknown or of the wrong type. The specification declares
    /// `parameter` alone; `reason` is the error's `detail`, logged by the server, never sent.
    public static func invalidParameter(_ parameter: String, reason: String? = nil) -> VarlinkError {
        VarlinkError("org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)], detail: reason)
    }

    /// The peer may not call this method.
    public static let permissionDenied = VarlinkError("org.varlink.service.PermissionDenied")

    /// The method streams its replies and must be called with `more` set.
    public static let expectedMore = VarlinkError("org.varlink.service.ExpectedMore")
}
