import Logging

/// A Varlink service: the interfaces it provides, `org.varlink.service` for introspection, and the
/// dispatch of calls to handlers after checking them against the interface definitions.
///
/// Transport-free: the server feeds it calls and writes what it answers, so it can be tested alone.
public struct VarlinkService: Sendable {
    /// Vendor, product, version and URL returned by `GetInfo`.
    public struct Info: Sendable, Hashable {
        public var vendor: String
        public var product: String
        public var version: String
        public var url: String

        public init(vendor: String, product: String, version: String, url: String) {
            self.vendor = vendor
            self.product = product
            self.version = version
            self.url = url
        }
    }

    /// The definition of `org.varlink.service`, as published at varlink.org.
    public static let serviceInterfaceDescription = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()

        """

    public let info: Info
    private let interfaces: [String: VarlinkInterface]
    private let handlers: [String: any VarlinkMethodHandler]
    /// Handlers that decode a method's parameters themselves, by fully qualified method name.
    private let directMethods: [String: (handler: any VarlinkDirectMethodHandler, member: String)]
    private let interfaceOrder: [String]
    private let logger: Logger

    /// A service providing `interfaces`, each with its handler, besides `org.varlink.service`.
    public init(info: Info, interfaces: [(VarlinkInterface, any VarlinkMethodHandler)], logger: Logger) {
        let service = try! VarlinkInterface(parsing: Self.serviceInterfaceDescription)
        var byName: [String: VarlinkInterface] = [service.name: service]
        var handlers: [String: any VarlinkMethodHandler] = [:]
        var order = [service.name]
        for (interface, handler) in interfaces {
            precondition(byName[interface.name] == nil, "interface \(interface.name) provided twice")
            byName[interface.name] = interface
            handlers[interface.name] = handler
            order.append(interface.name)
        }
        self.info = info
        self.interfaces = byName
        self.handlers = handlers
        var directMethods: [String: (handler: any VarlinkDirectMethodHandler, member: String)] = [:]
        for (interface, handler) in interfaces {
            guard let direct = handler as? any VarlinkDirectMethodHandler else { continue }
            for member in direct.directlyDecodedMethods where interface.methods[member] != nil {
                directMethods["\(interface.name).\(member)"] = (direct, member)
            }
        }
        self.directMethods = directMethods
        self.interfaceOrder = order
        self.logger = logger
    }

    /// The names of all interfaces provided, `org.varlink.service` first.
    public var interfaceNames: [String] { interfaceOrder }

    /// Answers `call`. Returns the final reply, or nil for a `oneway` call. Intermediate replies of a
    /// `more` call go through `sendContinuing`.
    public func answer(
        _ call: VarlinkCall,
        peer: VarlinkPeer?,
        sendContinuing: @escaping @Sendable ([String: JSONValue]) async throws -> Void
    ) async -> VarlinkReply? {
        await reply(to: call) {
            try await dispatch(call, peer: peer, sendContinuing: sendContinuing)
        }
    }

    /// Decodes `message` straight into a handler's input when the message is a plain call
    /// (`{"method": …, "parameters": {…}}`, in that order, no flags) of a method whose handler
    /// decodes it directly (see `VarlinkDirectMethodHandler`); nil otherwise, and then the message
    /// takes the general path: `JSONParser`, `VarlinkCall(message:)`, `answer(_:peer:sendContinuing:)`.
    ///
    /// A call the handler refuses to `peer` whatever its parameters (`refusal(method:peer:)`) has
    /// them passed over, checked but not decoded, and is answered with the refusal.
    public func directCall(_ message: UnsafeBufferPointer<UInt8>, peer: VarlinkPeer?) -> VarlinkDirectCall? {
        guard !directMethods.isEmpty else { return nil }
        var cursor = JSONCursor(bytes: message)
        do {
            guard try cursor.beginObject(), try cursor.nextKey(first: true) == "method",
                case .string(let method) = try cursor.readValue(),
                let (handler, member) = directMethods[method],
                try cursor.nextKey(first: false) == "parameters"
            else { return nil }
            if let refusal = handler.refusal(method: member, peer: peer) {
                try cursor.skipValue()
                guard try cursor.nextKey(first: false) == nil, cursor.isAtEnd() else { return nil }
                return VarlinkDirectCall(call: VarlinkCall(method: method), handler: handler, input: (), refusal: refusal)
            }
            guard let input = handler.decodeDirect(method: member, parameters: &cursor),
                try cursor.nextKey(first: false) == nil, cursor.isAtEnd()
            else { return nil }
            return VarlinkDirectCall(call: VarlinkCall(method: method), handler: handler, input: input, refusal: nil)
        } catch {
            return nil
        }
    }

    /// Answers a call decoded by `directCall(_:)`.
    public func answer(_ direct: VarlinkDirectCall, peer: VarlinkPeer?) async -> VarlinkReply? {
        if let refusal = direct.refusal { return reply(to: direct.call, .failure(refusal)) }
        return await reply(to: direct.call) {
            let context = VarlinkCallContext(peer: peer, call: direct.call, sendContinuing: { _ in throw VarlinkError.expectedMore })
            return try await direct.handler.handle(method: direct.call.memberName, decoded: direct.input, context: context)
        }
    }

    /// A direct call's reply given without suspending where its handler can (see
    /// `VarlinkDirectMethodHandler.answerImmediately`): the reply now, or what to await for it.
    /// Nil when the handler leaves it to `answer(_:peer:)`.
    public func answerImmediately(_ direct: VarlinkDirectCall, peer: VarlinkPeer?) -> VarlinkImmediateReply? {
        if let refusal = direct.refusal { return .now(reply(to: direct.call, .failure(refusal))) }
        guard let answer = direct.handler.answerImmediately(method: direct.call.memberName, decoded: direct.input, peer: peer) else {
            return nil
        }
        switch answer {
        case .done(let result):
            return .now(reply(to: direct.call, result))
        case .later(let rest):
            return .later { [self] in await reply(to: direct.call) { try await rest() } }
        }
    }

    private func reply(to call: VarlinkCall, _ answer: () async throws -> [String: JSONValue]) async -> VarlinkReply? {
        do {
            return reply(to: call, .success(try await answer()))
        } catch {
            return reply(to: call, .failure(error))
        }
    }

    private func reply(to call: VarlinkCall, _ result: Result<[String: JSONValue], any Error>) -> VarlinkReply? {
        let reply: VarlinkReply
        do {
            let parameters = try result.get()
            reply = VarlinkReply(parameters: parameters)
        } catch let error as VarlinkError {
            if let detail = error.detail {
                // What the error's declared parameters cannot carry goes to the log instead.
                logger.info("refused a call", metadata: ["method": "\(call.method)", "error": "\(error.name)", "parameters": "\(JSONValue.object(error.parameters))", "detail": "\(detail)"])
            }
            reply = VarlinkReply(error: error)
        } catch let gone as VarlinkPeerGone {
            logger.debug("a streaming call ended because its peer left", metadata: ["method": "\(call.method)", "reason": "\(gone.reason)"])
            return nil
        } catch is CancellationError {
            reply = VarlinkReply(error: VarlinkError("\(call.interfaceName).Cancelled"))
        } catch {
            logger.error(
                "unexpected error from a method handler",
                metadata: ["method": "\(call.method)", "error": "\(error)"]
            )
            reply = VarlinkReply(
                error: VarlinkError("\(call.interfaceName).InternalError", parameters: ["reason": .string("\(error)")])
            )
        }
        return call.oneway ? nil : reply
    }

    private func dispatch(
        _ call: VarlinkCall,
        peer: VarlinkPeer?,
        sendContinuing: @escaping @Sendable ([String: JSONValue]) async throws -> Void
    ) async throws -> [String: JSONValue] {
        let interfaceName = call.interfaceName
        guard let interface = interfaces[interfaceName] else { throw VarlinkError.interfaceNotFound(interfaceName) }
        let member = call.memberName
        guard interface.methods[member] != nil else { throw VarlinkError.methodNotFound(call.method) }
        if call.upgrade { throw VarlinkError.methodNotImplemented(call.method) }
        try interface.validateInput(of: member, call.parameters)
        if interfaceName == VarlinkError.serviceInterface {
            return try answerServiceCall(member, call.parameters)
        }
        guard let handler = handlers[interfaceName] else { throw VarlinkError.methodNotImplemented(call.method) }
        let context = VarlinkCallContext(peer: peer, call: call, sendContinuing: sendContinuing)
        return try await handler.handle(method: member, parameters: call.parameters, context: context)
    }

    private func answerServiceCall(_ member: String, _ parameters: [String: JSONValue]) throws -> [String: JSONValue] {
        switch member {
        case "GetInfo":
            return [
                "vendor": .string(info.vendor),
                "product": .string(info.product),
                "version": .string(info.version),
                "url": .string(info.url),
                "interfaces": .array(interfaceOrder.map { .string($0) }),
            ]
        case "GetInterfaceDescription":
            let name = parameters["interface"]?.stringValue ?? ""
            guard let interface = interfaces[name] else { throw VarlinkError.interfaceNotFound(name) }
            return ["description": .string(interface.description)]
        default:
            throw VarlinkError.methodNotImplemented("\(VarlinkError.serviceInterface).\(member)")
        }
    }
}

/// A reply given without suspending (see `VarlinkService.answerImmediately(_:peer:)`).
public enum VarlinkImmediateReply: Sendable {
    /// The reply (nil for a call that gets none).
    case now(VarlinkReply?)
    /// The reply once this returns.
    case later(@Sendable () async -> VarlinkReply?)
}
