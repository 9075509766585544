import NIOCore
import Locking

/// What a connection's pipeline hands to the task that answers its calls.
enum VarlinkConnectionEvent: Sendable {
    /// One complete message, without its NUL.
    case message(ByteBuffer)
    /// The peer sent a message longer than the limit; the connection must close.
    case messageTooLarge(limit: Int)
}

/// Stops reading from a peer that sends calls faster than they are answered, so that a client
/// pipelining without end cannot make the daemon buffer without bound.
final class VarlinkReadFlowControl: Sendable {
    static let pauseAbove = 64
    static let resumeBelow = 16

    private struct State {
        var queued = 0
        var paused = false
    }

    private let state = Locked(State())
    private let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    /// A message was queued; pauses reading when too many wait.
    func didQueue() {
        let pause = state.withLock { state -> Bool in
            state.queued += 1
            guard !state.paused, state.queued > Self.pauseAbove else { return false }
            state.paused = true
            return true
        }
        if pause { channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in } }
    }

    /// A message was taken; resumes reading when the queue has drained.
    func didDequeue() {
        let resume = state.withLock { state -> Bool in
            state.queued -= 1
            guard state.paused, state.queued < Self.resumeBelow else { return false }
            state.paused = false
            return true
        }
        if resume {
            channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            channel.read()
        }
    }
}

/// The last handler of a server connection: passes messages to the connection's task.
final class VarlinkConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<VarlinkConnectionEvent>.Continuation
    private let flowControl: VarlinkReadFlowControl

    init(continuation: AsyncStream<VarlinkConnectionEvent>.Continuation, flowControl: VarlinkReadFlowControl) {
        self.continuation = continuation
        self.flowControl = flowControl
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        flowControl.didQueue()
        continuation.yield(.message(unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tooLarge = error as? VarlinkFrameTooLarge {
            continuation.yield(.messageTooLarge(limit: tooLarge.limit))
        } else if case ByteToMessageDecoderError.dataReceivedInErrorState = error {
            // The rest of an oversized message, read only so that closing does not reset the
            // connection before the peer has read our error reply.
        } else {
            continuation.finish()
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
