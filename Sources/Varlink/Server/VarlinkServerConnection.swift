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
    let events: AsyncStream<VarlinkConnectionEvent>
    let flowControl: VarlinkReadFlowControl
    let service: VarlinkService
    let registry: VarlinkConnectionRegistry
    let configuration: VarlinkServerConfiguration
    let logger: Logger

    func serve() async {
        defer {
            channel.close(promise: nil)
            registry.remove(id)
        }
        let idleTimeout = TimeAmount.nanoseconds(configuration.idleTimeout.nanoseconds)
        var iterator = events.makeAsyncIterator()
        do {
            while registry.markIdle(id) {
                let idleTimer = channel.eventLoop.scheduleTask(in: idleTimeout) { [channel] in
                    channel.close(promise: nil)
                }
                let event = await iterator.next()
                idleTimer.cancel()
                switch event {
                case nil:
                    return
                case .messageTooLarge(let limit)?:
                    logger.notice("closing a connection that sent a message over the size limit", metadata: ["limit": "\(limit)"])
                    try await write(VarlinkReply(error: configuration.messageTooLargeError(limit)))
                    await closeAfterReply(&iterator)
                    return
                case .message(let frame)?:
                    flowControl.didDequeue()
                    guard try await answer(frame) else {
                        await closeAfterReply(&iterator)
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
    private func closeAfterReply(_ iterator: inout AsyncStream<VarlinkConnectionEvent>.Iterator) async {
        try? await channel.close(mode: .output).get()
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(2)) { [channel] in
            channel.close(promise: nil)
        }
        while let event = await iterator.next() {
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
        let completed = NIOLockedValueBox(false)
        written.whenComplete { _ in completed.withLockedValue { $0 = true } }
        if !completed.withLockedValue({ $0 }) {
            let timeout = configuration.writeTimeout
            let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) { [channel, logger, id] in
                logger.notice(
                    "closing a connection whose peer stopped reading its replies",
                    metadata: ["connection": "\(id)", "write_timeout": "\(timeout)"]
                )
                channel.close(promise: nil)
            }
            written.whenComplete { _ in timer.cancel() }
        }
        try await written.get()
    }
}
