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
        /// Counted in `perUser` under this uid; nil for root and the server's own, which are not.
        var countedUID: UInt32?
    }

    private struct State {
        var nextID = 0
        var entries: [Int: Entry] = [:]
        /// Open connections of each unprivileged uid.
        var perUser: [UInt32: Int] = [:]
        var shuttingDown = false
    }

    private let state = Locked(State())

    enum Admission {
        case added(id: Int)
        /// All `limit` slots are taken, or all but the reserved ones for an unprivileged peer.
        case refusedOverLimit(limit: Int)
        /// The peer's uid holds its `perUser` connections.
        case refusedOverUserLimit(limit: Int)
        case refusedShuttingDown
    }

    /// What `add` admits: every connection up to `total`; an unprivileged peer only while fewer
    /// than `total - reserved` are open; a uid other than root's and the server's only while it
    /// holds fewer than `perUser`.
    struct Limits {
        var total: Int
        var reserved: Int
        var perUser: Int
    }

    /// Registers a connection unless a limit is reached or shutdown has begun. `uid` is the
    /// peer's (nil when unknown: counted as one unknown user). A `privileged` peer may take the
    /// reserved slots; an `unlimited` one (root, the server's own uid, privileged too) is not
    /// counted per user.
    func add(_ channel: any Channel, uid: UInt32?, privileged: Bool, unlimited: Bool, limits: Limits) -> Admission {
        state.withLock { state in
            guard !state.shuttingDown else { return .refusedShuttingDown }
            guard state.entries.count < limits.total else { return .refusedOverLimit(limit: limits.total) }
            if !privileged {
                guard state.entries.count < limits.total - limits.reserved else { return .refusedOverLimit(limit: limits.total - limits.reserved) }
            }
            var counted: UInt32?
            if !unlimited {
                let user = uid ?? UInt32.max
                guard state.perUser[user, default: 0] < limits.perUser else { return .refusedOverUserLimit(limit: limits.perUser) }
                state.perUser[user, default: 0] += 1
                counted = user
            }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, busy: false, streaming: false, countedUID: counted)
            return .added(id: id)
        }
    }

    /// Takes no more connections; those open are left alone until `beginShutdown`.
    func refuseNew() {
        state.withLock { $0.shuttingDown = true }
    }

    func remove(_ id: Int) {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: id), let uid = entry.countedUID else { return }
            let left = state.perUser[uid, default: 1] - 1
            state.perUser[uid] = left > 0 ? left : nil
        }
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
