import DequeModule
import Locking
import NIOCore

/// What a connection's pipeline hands to the task that answers its calls.
enum VarlinkConnectionEvent: Sendable {
    /// One complete message, without its NUL.
    case message(ByteBuffer)
    /// The peer sent a message longer than the limit; the connection must close.
    case messageTooLarge(limit: Int)
    /// A call answered on the event loop is still under way: its reply, once this returns.
    case answerLater(@Sendable () async -> VarlinkReply?)
    /// A reply written on the event loop that the peer has not taken yet.
    case replyWaiting(EventLoopFuture<Void>)
}

/// The events of one connection, from its pipeline (on the event loop) to the task that answers
/// them, in order; one consumer.
///
/// `AsyncStream` did this before, but its generic storage runs unspecialized from the
/// concurrency library, looking up type metadata on every message (perf: ~5 % of a point query).
final class VarlinkConnectionInbox: Sendable {
    private struct State {
        var queue: Deque<VarlinkConnectionEvent> = []
        var finished = false
        var waiter: UnsafeContinuation<VarlinkConnectionEvent?, Never>?

        /// `.some(event)` when one is queued, `.some(nil)` when finished and drained, nil otherwise.
        mutating func take() -> VarlinkConnectionEvent?? {
            if let event = queue.popFirst() { return .some(event) }
            return finished ? .some(nil) : nil
        }
    }

    private let state = Locked(State())

    /// Hands `event` to the consumer; dropped once the inbox is finished.
    func yield(_ event: VarlinkConnectionEvent) {
        let waiter = state.withLock { state -> UnsafeContinuation<VarlinkConnectionEvent?, Never>? in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// Whether the consumer waits for an event and none is queued: the connection is between
    /// calls, nothing of it in progress.
    var isIdle: Bool {
        state.withLock { $0.waiter != nil && $0.queue.isEmpty }
    }

    /// No more events: the consumer gets nil once the queue is drained.
    func finish() {
        let waiter = state.withLock { state -> UnsafeContinuation<VarlinkConnectionEvent?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next event, or nil when finished and drained. Not cancellable: the connection's task
    /// ends by closing the channel, which finishes the inbox.
    func next() async -> VarlinkConnectionEvent? {
        if let ready = state.withLock({ $0.take() }) { return ready }
        return await withUnsafeContinuation { continuation in
            let ready = state.withLock { state -> VarlinkConnectionEvent?? in
                if let ready = state.take() { return ready }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// The last handler of a server connection: passes messages to the connection's task.
final class VarlinkConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: VarlinkConnectionInbox
    private let bytes: VarlinkConnectionBytes
    /// Answers what it can of a message on the event loop (set once the connection exists).
    var connection: VarlinkServerConnection?

    init(inbox: VarlinkConnectionInbox, bytes: VarlinkConnectionBytes) {
        self.inbox = inbox
        self.bytes = bytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        if let connection, connection.answerImmediately(message) {
            // Taken: what is left of the call no longer holds the message's bytes (and its NUL).
            bytes.release(message.readableBytes + 1)
            return
        }
        inbox.yield(.message(message))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tooLarge = error as? VarlinkFrameTooLarge {
            inbox.yield(.messageTooLarge(limit: tooLarge.limit))
        } else if case ByteToMessageDecoderError.dataReceivedInErrorState = error {
            // The rest of an oversized message, read only so that closing does not reset the
            // connection before the peer has read our error reply.
        } else {
            inbox.finish()
            context.close(promise: nil)
        }
    }
}

/// Answers a connection over the limit with an error as soon as it is active, then closes it.
final class VarlinkRefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let reply: VarlinkReply?

    init(reply: VarlinkReply?) {
        self.reply = reply
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let reply else {
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        buffer.writeVarlinkMessage(reply.message)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
