/// Implements the methods of one interface.
///
/// The service has already checked that the method exists and that the parameters match its
/// declared input; the handler returns the final reply's parameters or throws a `VarlinkError`.
public protocol VarlinkMethodHandler: Sendable {
    /// Answers one call of `method` (the member name, without the interface).
    func handle(
        method: String,
        parameters: [String: JSONValue],
        context: VarlinkCallContext
    ) async throws -> [String: JSONValue]
}

/// What a handler knows about the call beyond its parameters, and how it streams replies.
public struct VarlinkCallContext: Sendable {
    /// The caller, when the transport knows it.
    public let peer: VarlinkPeer?
    /// The call as received.
    public let call: VarlinkCall
    private let sendContinuing: @Sendable ([String: JSONValue]) async throws -> Void

    public init(
        peer: VarlinkPeer?,
        call: VarlinkCall,
        sendContinuing: @escaping @Sendable ([String: JSONValue]) async throws -> Void
    ) {
        self.peer = peer
        self.call = call
        self.sendContinuing = sendContinuing
    }

    /// Sends an intermediate reply (`continues: true`). Only allowed when the call was made with `more`.
    public func yield(_ parameters: [String: JSONValue]) async throws {
        guard call.more else { throw VarlinkError.expectedMore }
        do {
            try await sendContinuing(parameters)
        } catch {
            throw VarlinkPeerGone(reason: "\(error)")
        }
    }
}

/// The peer of a streaming call went away: no reply can reach it any more.
public struct VarlinkPeerGone: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "the peer went away: \(reason)" }
}

/// A handler that decodes some methods' parameters straight from the message bytes, without the
/// `JSONValue` tree and the interface's type check over it: for large inputs (an Import of 40,000
/// commands) building and walking the tree cost more than everything else the call does.
public protocol VarlinkDirectMethodHandler: VarlinkMethodHandler {
    /// The methods (member names) `decodeDirect` may decode; other calls take the general path
    /// without trying.
    var directlyDecodedMethods: Set<String> { get }

    /// Decodes the parameters of `method` (the member name) from `cursor`, which stands at the
    /// parameters object, reading all of it. Returns nil whenever the general path (type check
    /// against the interface, then `handle(method:parameters:context:)`) might not accept them or
    /// might decode them differently: the service then parses the message again and takes that
    /// path, which words the error. Nothing may have happened when it returns nil.
    func decodeDirect(method: String, parameters cursor: inout JSONCursor) -> (any Sendable)?

    /// The error that refuses `method` (the member name) to `peer` whatever its parameters, or
    /// nil: asked before `decodeDirect`, so that a refused call's parameters (a reader's Import
    /// of 16 MiB) are passed over, never decoded.
    func refusal(method: String, peer: VarlinkPeer?) -> (any Error)?

    /// Answers a call whose parameters `decodeDirect` decoded into `input`.
    func handle(method: String, decoded input: any Sendable, context: VarlinkCallContext) async throws -> [String: JSONValue]

    /// Answers a call whose parameters `decodeDirect` decoded, on the thread that read it and
    /// without suspending, where it can: its reply (or error) now, or what is left to await.
    /// Nil leaves the call to `handle(method:decoded:context:)`; nothing may have happened then.
    ///
    /// The server asks only when the connection has nothing else in progress, from its event
    /// loop: a call answered here skips the task switches, continuations and futures of the
    /// asynchronous path (10–25 µs of a one-client durable write's ~200 µs, in interleaved runs).
    func answerImmediately(method: String, decoded input: any Sendable, peer: VarlinkPeer?) -> VarlinkImmediateAnswer?
}

extension VarlinkDirectMethodHandler {
    public func refusal(method: String, peer: VarlinkPeer?) -> (any Error)? {
        nil
    }

    public func answerImmediately(method: String, decoded input: any Sendable, peer: VarlinkPeer?) -> VarlinkImmediateAnswer? {
        nil
    }
}

/// A direct call's answer given without suspending (see `VarlinkDirectMethodHandler.answerImmediately`).
public enum VarlinkImmediateAnswer: Sendable {
    /// The reply's parameters, or the error to answer with (a `VarlinkError`, as `handle` throws).
    case done(Result<[String: JSONValue], any Error>)
    /// The call is under way: the reply once this returns. The connection answers nothing else
    /// meanwhile.
    case later(@Sendable () async throws -> [String: JSONValue])
}

/// A call whose parameters a `VarlinkDirectMethodHandler` decoded from the message bytes.
public struct VarlinkDirectCall: Sendable {
    /// The call, without its parameters.
    public let call: VarlinkCall
    let handler: any VarlinkDirectMethodHandler
    let input: any Sendable
    /// The handler's refusal, when the call was refused before its parameters were decoded.
    let refusal: (any Error)?
}
