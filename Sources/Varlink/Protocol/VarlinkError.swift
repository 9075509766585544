/// A Varlink error: a fully qualified name and its parameters, sent as a reply or received from a peer.
///
/// Method handlers throw it to answer with an error; clients receive it when the service answers one.
public struct VarlinkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fully qualified error name, e.g. `org.varlink.service.MethodNotFound`.
    public var name: String
    /// The error's parameters, as declared by its interface.
    public var parameters: [String: JSONValue]

    public init(_ name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        parameters.isEmpty ? name : "\(name) \(JSONValue.object(parameters))"
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

    /// A parameter is missing, unknown or of the wrong type.
    ///
    /// `reason`, when given, travels as an extra parameter that says why; clients that only know the
    /// standard `parameter` field ignore it.
    public static func invalidParameter(_ parameter: String, reason: String? = nil) -> VarlinkError {
        var parameters: [String: JSONValue] = ["parameter": .string(parameter)]
        if let reason { parameters["reason"] = .string(reason) }
        return VarlinkError("org.varlink.service.InvalidParameter", parameters: parameters)
    }

    /// The peer may not call this method.
    public static let permissionDenied = VarlinkError("org.varlink.service.PermissionDenied")

    /// The method streams its replies and must be called with `more` set.
    public static let expectedMore = VarlinkError("org.varlink.service.ExpectedMore")
}
