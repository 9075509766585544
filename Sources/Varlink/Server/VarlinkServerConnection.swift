import Locking
import Logging
import NIOCore

/// Answers the calls of one connection, in order, until the peer leaves, breaks the protocol,
/// stays idle too long, or the server shuts down.
struct VarlinkServerConnection: Sendable {
    let id: Int
    let channel: any Channel
    /// The channel's event loop as the executor of the task that answers it.
    let executor: EventLoopTaskExecutor
    let peer: VarlinkPeer?
    let inbox: VarlinkConnectionInbox
    /// The bytes the connection holds, against its limit and the server's budget.
    let bytes: VarlinkConnectionBytes
    let service: VarlinkService
    let registry: VarlinkConnectionRegistry
    let configuration: VarlinkServerConfiguration
    let logger: Logger
    /// Touched on the event loop only: by the task that answers the connection and by
    /// `answerImmediately`, both there.
    let idle: IdleClock

    func serve() async {
        defer {
            idle.stop()
            channel.close(promise: nil)
            registry.remove(id)
        }
        do {
            while registry.markIdle(id) {
                idle.startWaiting()
                let event = await inbox.next()
                idle.stopWaiting()
                switch event {
                case nil:
                    return
                case .messageTooLarge(let limit)?:
                    logger.notice("closing a connection that sent a message over the size limit", metadata: ["limit": "\(limit)"])
                    try await write(VarlinkReply(error: configuration.messageTooLargeError(limit)))
                    await closeAfterReply()
                    return
                case .message(let frame)?:
                    let keepOpen = try await answer(frame)
                    bytes.release(frame.readableBytes + 1)
                    guard keepOpen else {
                        await closeAfterReply()
                        return
                    }
                case .answerLater(let reply)?:
                    if let reply = await reply() { try await write(reply) }
                case .replyWaiting(let written)?:
                    try await waitUntilTaken(written)
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Answers a message on the event loop, from the pipeline, when the connection is between calls
    /// and the message is a direct call whose handler can answer without suspending: true when it
    /// took the message. What is left to wait for (the rest of the call, a reply the peer has not
    /// taken) goes to the connection's task as an event, so that the next message waits for it.
    func answerImmediately(_ frame: ByteBuffer) -> Bool {
        guard inbox.isIdle else { return false }
        let direct = frame.withUnsafeReadableBytes { raw in
            service.directCall(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count), peer: peer)
        }
        guard let direct else { return false }
        registry.markBusy(id, streaming: false)
        idle.stopWaiting()
        let reply: VarlinkReply?
        switch service.answerImmediately(direct, peer: peer) {
        case .now(let now)?:
            reply = now
        case .later(let rest)?:
            inbox.yield(.answerLater(rest))
            return true
        case nil:
            inbox.yield(.answerLater { [service, peer] in await service.answer(direct, peer: peer) })
            return true
        }
        if let reply, let waiting = (try? send(reply)) ?? nil {
            inbox.yield(.replyWaiting(waiting))
            return true
        }
        // As the task does between calls; it still waits for the next event.
        if registry.markIdle(id) {
            idle.startWaiting()
        } else {
            inbox.finish()
        }
        return true
    }

    /// Answers one message; returns false when the connection must close (it broke the protocol).
    private func answer(_ frame: ByteBuffer) async throws -> Bool {
        let direct = frame.withUnsafeReadableBytes { raw in
            service.directCall(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count), peer: peer)
        }
        if let direct {
            registry.markBusy(id, streaming: false)
            if let reply = await service.answer(direct, peer: peer) { try await write(reply) }
            return true
        }
        let message: JSONValue
        do {
            message = try JSONParser.parse(frame.readableBytesView)
        } catch {
            logger.info("closing a connection that sent a message that is not JSON", metadata: ["connection": "\(id)", "detail": "\(error)"])
            try await write(VarlinkReply(error: .invalidParameter("message", reason: error.description)))
            return false
        }
        let call: VarlinkCall
        do {
            call = try VarlinkCall(message: message)
        } catch {
            try await write(VarlinkReply(error: error))
            return true
        }
        registry.markBusy(id, streaming: call.more)
        let reply: VarlinkReply?
        if call.more {
            // A streaming call may wait for a long time: cancel it when its connection goes away.
            let handler = Task(executorPreference: executor) { [service, peer] in
                await service.answer(call, peer: peer) { parameters in
                    try await write(VarlinkReply(parameters: parameters, continues: true))
                }
            }
            channel.closeFuture.whenComplete { _ in handler.cancel() }
            reply = await handler.value
        } else {
            reply = await service.answer(call, peer: peer) { parameters in
                try await write(VarlinkReply(parameters: parameters, continues: true))
            }
        }
        if let reply {
            try await write(reply)
        }
        return true
    }

    /// Closes a connection that broke the protocol after its error reply: our side first, then
    /// whatever the peer still sends is read and dropped for a moment. Closing with unread input
    /// would reset the connection, and the peer might lose the reply that says what went wrong.
    private func closeAfterReply() async {
        try? await channel.close(mode: .output).get()
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(2)) { [channel] in
            channel.close(promise: nil)
        }
        while let event = await inbox.next() {
            if case .message(let frame) = event { bytes.release(frame.readableBytes + 1) }
        }
        deadline.cancel()
    }

    /// Writes a reply and waits until the kernel took it, so a peer that does not read slows us
    /// down instead of filling memory; one that takes nothing for the write timeout is dropped.
    private func write(_ reply: VarlinkReply) async throws {
        if let waiting = try send(reply) { try await waitUntilTaken(waiting) }
    }

    /// Writes a reply, from the event loop (where the connection's task runs too): the one writer
    /// of replies. Nil when the channel took it within its high-water mark, the usual case: no
    /// promise, future or timer (they cost more than the rest of the write). Else a future that
    /// completes once the peer has taken what was buffered, until which the reply counts against
    /// the byte budgets and the connection reads no other call. A failed write closes the channel.
    private func send(_ reply: VarlinkReply) throws -> EventLoopFuture<Void>? {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeVarlinkMessage(reply.message)
        let size = buffer.readableBytes
        channel.writeAndFlush(buffer, promise: nil)
        guard !channel.isWritable else { return nil }
        bytes.hold(size)
        let flushed = channel.eventLoop.makePromise(of: Void.self)
        flushed.futureResult.whenComplete { [bytes] _ in bytes.release(size) }
        channel.writeAndFlush(channel.allocator.buffer(capacity: 0), promise: flushed)
        return flushed.futureResult
    }

    /// Waits until the peer takes a reply, dropping it after the write timeout.
    private func waitUntilTaken(_ written: EventLoopFuture<Void>) async throws {
        let timeout = configuration.writeTimeout
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [channel, logger, id] in
            logger.notice(
                "closing a connection whose peer stopped reading its replies",
                metadata: ["connection": "\(id)", "write_timeout": "\(timeout)"]
            )
            channel.close(promise: nil)
        }
        written.whenComplete { _ in timer.cancel() }
        try await written.get()
    }
}

/// Closes a connection that waits for a call longer than the idle timeout.
///
/// One timer per connection, re-armed only when it fires early, instead of scheduling and
/// cancelling a timer around every message (an allocation and two heap operations on the event
/// loop per call). Touched only on the connection's event loop, where its task runs.
final class IdleClock: @unchecked Sendable {
    private let channel: any Channel
    private let timeout: TimeAmount
    private var waitingSince: NIODeadline?
    private var timer: Scheduled<Void>?

    init(channel: any Channel, timeout: TimeAmount) {
        self.channel = channel
        self.timeout = timeout
    }

    func startWaiting() {
        channel.eventLoop.assertInEventLoop()
        let now = NIODeadline.now()
        waitingSince = now
        if timer == nil { arm(at: now + timeout) }
    }

    func stopWaiting() {
        channel.eventLoop.assertInEventLoop()
        waitingSince = nil
    }

    /// The connection is done: the pending timer must not keep it alive until it fires.
    func stop() {
        timer?.cancel()
        timer = nil
        waitingSince = nil
    }

    private func arm(at deadline: NIODeadline) {
        timer = channel.eventLoop.scheduleTask(deadline: deadline) { [self] in fire() }
    }

    private func fire() {
        timer = nil
        guard let since = waitingSince else { return }  // busy with a call: armed again when it waits
        let deadline = since + timeout
        if NIODeadline.now() >= deadline {
            channel.close(promise: nil)
        } else {
            arm(at: deadline)
        }
    }
}
