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
