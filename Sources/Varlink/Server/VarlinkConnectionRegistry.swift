import NIOCore
import Locking

/// The server's open connections: how many, which are between calls, and closing them at shutdown.
///
/// A connection waiting for its next call can be closed at once; one in the middle of a call is
/// closed after its reply, so no caller loses an answer it was promised.
final class VarlinkConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var busy: Bool
        var streaming: Bool
    }

    private struct State {
        var nextID = 0
        var entries: [Int: Entry] = [:]
        var shuttingDown = false
    }

    private let state = Locked(State())

    enum Admission {
        case added(id: Int)
        case refusedOverLimit
        case refusedShuttingDown
    }

    /// Registers a connection unless the limit is reached or shutdown has begun.
    func add(_ channel: any Channel, limit: Int) -> Admission {
        state.withLock { state in
            guard !state.shuttingDown else { return .refusedShuttingDown }
            guard state.entries.count < limit else { return .refusedOverLimit }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, busy: false, streaming: false)
            return .added(id: id)
        }
    }

    /// Takes no more connections; those open are left alone until `beginShutdown`.
    func refuseNew() {
        state.withLock { $0.shuttingDown = true }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Marks the connection as waiting for a call; false when it should close instead.
    func markIdle(_ id: Int) -> Bool {
        state.withLock { state in
            state.entries[id]?.busy = false
            state.entries[id]?.streaming = false
            return !state.shuttingDown
        }
    }

    /// Marks the connection as answering a call.
    func markBusy(_ id: Int, streaming: Bool) {
        state.withLock { state in
            state.entries[id]?.busy = true
            state.entries[id]?.streaming = streaming
        }
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Stops taking connections and closes those between calls and those streaming without end.
    func beginShutdown() {
        let toClose = state.withLock { state -> [any Channel] in
            state.shuttingDown = true
            return state.entries.values.filter { !$0.busy || $0.streaming }.map(\.channel)
        }
        for channel in toClose { channel.close(promise: nil) }
    }

    /// Closes every connection, busy or not: the grace period is over.
    func closeAll() {
        let channels = state.withLock { $0.entries.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
    }
}
