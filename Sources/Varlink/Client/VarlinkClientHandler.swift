import DequeModule
import NIOCore

/// Matches replies to calls on one connection: Varlink answers calls in the order they were sent.
final class VarlinkClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Request
    typealias OutboundOut = ByteBuffer

    /// Who waits for the replies to a call.
    enum Waiter: Sendable {
        case single(EventLoopPromise<VarlinkReply>)
        case stream(AsyncThrowingStream<[String: JSONValue], any Error>.Continuation)
        case none
    }

    struct Request: Sendable {
        var call: VarlinkCall
        var waiter: Waiter
    }

    private var pending = Deque<Waiter>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if case .none = request.waiter {} else { pending.append(request.waiter) }
        var buffer = context.channel.allocator.buffer(capacity: 256)
        buffer.writeVarlinkMessage(request.call.message)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let reply: VarlinkReply
        do {
            reply = try VarlinkReply(message: try JSONParser.parse(frame.readableBytesView))
        } catch {
            failAll(VarlinkClientError.invalidReply(reason: "\(error)"))
            context.close(promise: nil)
            return
        }
        guard let waiter = pending.first else {
            // An unsolicited reply: the server refused the connection (too many connections) before we asked.
            failAll(reply.varlinkError ?? VarlinkClientError.invalidReply(reason: "a reply to no call"))
            return
        }
        switch waiter {
        case .single(let promise):
            pending.removeFirst()
            promise.succeed(reply)
        case .stream(let continuation):
            if let error = reply.varlinkError {
                pending.removeFirst()
                continuation.finish(throwing: error)
            } else {
                continuation.yield(reply.parameters)
                if !reply.continues {
                    pending.removeFirst()
                    continuation.finish()
                }
            }
        case .none:
            pending.removeFirst()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(VarlinkClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let waiter = pending.popFirst() {
            switch waiter {
            case .single(let promise): promise.fail(error)
            case .stream(let continuation): continuation.finish(throwing: error)
            case .none: break
            }
        }
    }
}
