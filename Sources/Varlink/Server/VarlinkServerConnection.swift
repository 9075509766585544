import Locking
import Logging
import NIOCore
import NIOConcurrencyHelpers

/// Answers the calls of one connection, in order, until the peer leaves, breaks the protocol,
/// stays idle too long, or the server shuts down.
struct VarlinkServerConnection: Sendable {
    let id: Int
    let channel: any Channel
    /// The channel's event loop as the executor of the task that answers it.
    let executor: EventLoopTaskExecutor
    let peer: VarlinkPeer?
    let inbox: VarlinkConnectionInbox
    let flowControl: VarlinkReadFlowControl
    let service: VarlinkService
    let registry: VarlinkConnectionRegistry
    let configuration: VarlinkServerConfiguration
    let logger: Logger

    func serve() async {
        let idle = IdleClock(channel: channel, timeout: .nanoseconds(configuration.idleTimeout.nanoseconds))
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
                    flowControl.didDequeue()
                    guard try await answer(frame) else {
                        await closeAfterReply()
                        return
                    }
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Answers one message; returns false when the connection must close (it broke the protocol).
    private func answer(_ frame: ByteBuffer) async throws -> Bool {
        let direct = frame.withUnsafeReadableBytes { raw in
            service.directCall(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
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
            if case .message = event { flowControl.didDequeue() }
        }
        deadline.cancel()
    }

    /// Writes a reply and waits until the kernel took it, so a peer that does not read slows us
    /// down instead of filling memory; one that takes nothing for the write timeout is dropped.
    private func write(_ reply: VarlinkReply) async throws {
        var buffer = channel.allocator.buffer(capacity: 256)
        buffer.writeVarlinkMessage(reply.message)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let written = promise.futureResult
        channel.writeAndFlush(buffer, promise: promise)
        // On the event loop a write the socket takes at once completes inside writeAndFlush: only
        // a reply left waiting for the peer needs a timer.
        let outcome = NIOLockedValueBox<Result<Void, any Error>?>(nil)
        written.whenComplete { result in outcome.withLockedValue { $0 = result } }
        // Taken at once (the usual case): no timer, and no suspension waiting for the future.
        if let done = outcome.withLockedValue({ $0 }) { return try done.get() }
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
