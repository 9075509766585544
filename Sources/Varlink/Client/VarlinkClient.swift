import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// An asynchronous Varlink client on one Unix socket connection.
///
/// Calls may be made concurrently; they are pipelined on the connection and each caller gets its
/// own reply. A reply that carries an error is thrown as `VarlinkError`.
public final class VarlinkClient: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to the service listening at `path`.
    public static func connect(
        to path: String,
        maximumMessageSize: Int = 64 * 1024 * 1024,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> VarlinkClient {
        let bootstrap = ClientBootstrap(group: eventLoopGroup).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageSize: maximumMessageSize)),
                    VarlinkClientHandler()
                )
            }
        }
        do {
            let channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            return VarlinkClient(channel: channel)
        } catch let error as IOError {
            throw VarlinkClientError.cannotConnect(path: path, reason: String(cString: strerror(error.errnoCode)))
        } catch {
            throw VarlinkClientError.cannotConnect(path: path, reason: "\(error)")
        }
    }

    /// Calls `method` and returns the parameters of its reply; throws `VarlinkError` if it answers one.
    public func call(_ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        let promise = channel.eventLoop.makePromise(of: VarlinkReply.self)
        let request = VarlinkClientHandler.Request(
            call: VarlinkCall(method: method, parameters: parameters),
            waiter: .single(promise)
        )
        // A call that cannot be written (the service closed the connection) fails as one whose
        // reply never came: with `connectionClosed`, not the transport's error.
        channel.writeAndFlush(request).whenFailure { _ in promise.fail(VarlinkClientError.connectionClosed) }
        let reply = try await promise.futureResult.get()
        if let error = reply.varlinkError { throw error }
        return reply.parameters
    }

    /// Calls `method` with `more` and returns its replies as they arrive.
    public func stream(
        _ method: String,
        _ parameters: [String: JSONValue] = [:]
    ) -> AsyncThrowingStream<[String: JSONValue], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[String: JSONValue], any Error>.makeStream()
        let request = VarlinkClientHandler.Request(
            call: VarlinkCall(method: method, parameters: parameters, more: true),
            waiter: .stream(continuation)
        )
        channel.writeAndFlush(request).whenFailure { _ in continuation.finish(throwing: VarlinkClientError.connectionClosed) }
        return stream
    }

    /// Sends `method` with `oneway`: the service answers nothing.
    public func send(_ method: String, _ parameters: [String: JSONValue] = [:]) async throws {
        let request = VarlinkClientHandler.Request(
            call: VarlinkCall(method: method, parameters: parameters, oneway: true),
            waiter: .none
        )
        do {
            try await channel.writeAndFlush(request).get()
        } catch {
            throw VarlinkClientError.connectionClosed
        }
    }

    /// Closes the connection; calls still waiting fail with `connectionClosed`.
    public func close() async {
        try? await channel.close()
    }
}
