import Locking
import NIOCore

/// The bytes all connections of a server may hold together beyond their own allowance: partial
/// and queued requests, and replies their peers have not taken.
///
/// A connection holds up to `VarlinkServerConfiguration.connectionByteAllowance` bytes without
/// drawing on it, so that a small call is always read, however busy the others; past that it
/// draws from here, and its reading pauses while this budget is spent. With the defaults, a
/// thousand connections hold at most the budget plus, each, the allowance and one read.
final class VarlinkByteBudget: Sendable {
    private struct State {
        var drawn = 0
        /// Connections paused because this budget was spent, to resume when it has room again.
        var waiting: [ObjectIdentifier: VarlinkConnectionBytes] = [:]
    }

    let limit: Int
    private let state = Locked(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Draws `count` bytes (may be negative, to give them back); returns whether the budget is
    /// spent after that, and the connections to resume if it no longer is.
    fileprivate func draw(_ count: Int) -> (spent: Bool, resume: [VarlinkConnectionBytes]) {
        state.withLock { state in
            state.drawn += count
            let spent = state.drawn > limit
            guard !spent, !state.waiting.isEmpty else { return (spent, []) }
            let resume = Array(state.waiting.values)
            state.waiting.removeAll()
            return (spent, resume)
        }
    }

    /// Notes that `connection` paused for this budget; false if it has room again meanwhile.
    fileprivate func wait(_ connection: VarlinkConnectionBytes) -> Bool {
        state.withLock { state in
            guard state.drawn > limit else { return false }
            state.waiting[ObjectIdentifier(connection)] = connection
            return true
        }
    }

    fileprivate func forget(_ connection: VarlinkConnectionBytes) {
        _ = state.withLock { $0.waiting.removeValue(forKey: ObjectIdentifier(connection)) }
    }
}

/// The bytes one connection holds — received and not yet answered (a partial message included),
/// replies written and not yet taken — and the reading it pauses to keep them within its limit
/// and the server's budget. Replaces a count of queued messages, which let a connection hold 64
/// messages of 16 MiB.
final class VarlinkConnectionBytes: Sendable {
    private struct State {
        var held = 0
        /// What `held` draws from the server's budget: its part above the allowance.
        var drawn = 0
        var paused = false
        var closed = false
    }

    private let state = Locked(State())
    private let channel: any Channel
    private let budget: VarlinkByteBudget
    private let allowance: Int
    private let limit: Int

    init(channel: any Channel, budget: VarlinkByteBudget, allowance: Int, limit: Int) {
        self.channel = channel
        self.budget = budget
        self.allowance = allowance
        self.limit = limit
    }

    /// `count` more bytes are held (read from the peer, or a reply it has not taken).
    func hold(_ count: Int) {
        change(by: count)
    }

    /// `count` bytes are no longer held (a message answered, a reply taken).
    func release(_ count: Int) {
        change(by: -count)
    }

    /// The connection is gone: everything it drew goes back to the budget.
    func close() {
        let drawn = state.withLock { state -> Int in
            state.closed = true
            defer { state.drawn = 0 }
            return state.drawn
        }
        budget.forget(self)
        resume(budget.draw(-drawn).resume)
    }

    private func change(by count: Int) {
        let (others, toggled) = state.withLock { state -> ([VarlinkConnectionBytes], Bool) in
            state.held += count
            guard !state.closed else { return ([], false) }
            let wanted = max(0, state.held - allowance)
            let (spent, others) = budget.draw(wanted - state.drawn)
            state.drawn = wanted
            // Waiting for the budget means being resumed when it has room: only if it is still
            // spent when this connection is noted as waiting.
            let waits = spent && state.held > allowance && state.held <= limit && budget.wait(self)
            let pause = state.held > limit || waits
            defer { state.paused = pause }
            return (others, pause != state.paused)
        }
        if toggled { applyPause() }
        resume(others)
    }

    /// Resumes reading if the connection is within its own limit (the budget has room again).
    private func budgetHasRoom() {
        let toggled = state.withLock { state -> Bool in
            guard state.paused, !state.closed, state.held <= limit else { return false }
            state.paused = false
            return true
        }
        if toggled { applyPause() }
    }

    private func resume(_ connections: [VarlinkConnectionBytes]) {
        for connection in connections where connection !== self { connection.budgetHasRoom() }
    }

    /// Sets the channel's reading to the current decision, on its event loop: whatever order
    /// decisions from several threads arrive in, the last one applied is the current one.
    private func applyPause() {
        guard channel.eventLoop.inEventLoop else {
            channel.eventLoop.execute { self.applyPause() }
            return
        }
        let paused = state.withLock { $0.paused }
        channel.setOption(ChannelOptions.autoRead, value: !paused).whenFailure { _ in }
        if !paused { channel.read() }
    }
}

/// The first inbound handler of a server connection: counts the bytes read before the framing
/// decoder holds them.
final class VarlinkByteCounter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let bytes: VarlinkConnectionBytes

    init(bytes: VarlinkConnectionBytes) {
        self.bytes = bytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        bytes.hold(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        bytes.close()
        context.fireChannelInactive()
    }
}
