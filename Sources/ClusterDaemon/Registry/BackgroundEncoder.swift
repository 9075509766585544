import ClusterModel
import Dispatch
import EventLog
import Locking

/// Where large writes' events are freed (see `Registry.decideAndAppend`): freeing tens of
/// thousands of events, their strings one by one, takes milliseconds.
private let discardQueue = DispatchQueue(label: "clusterd.discard", qos: .utility)

/// Values to free on another thread: the last reference, dropped there.
final class Discarded<Value>: @unchecked Sendable {
    private var value: Value?

    private init(_ value: Value) {
        self.value = value
    }

    /// Drops `value` on the discarding queue: the caller must hold no other reference to it.
    static func freeLater(_ value: Value) {
        let discarded = Discarded(value)
        discardQueue.async { discarded.value = nil }
    }
}

/// Encodes events handed to it, part by part in the order they came, on a queue of its own,
/// and builds their records as it goes when the log let it (see `EventLog.recordBuilder`).
/// Building is the larger half and must go in order; so once the deciding thread is done, it
/// encodes the parts the queue has not reached, from the last, while the queue builds.
final class BackgroundEncoder: @unchecked Sendable {
    enum Encoded {
        case records(PreparedRecords)
        case payloads([[UInt8]])
    }

    /// A part's events, encoded by whichever thread claims them first.
    private final class Part: Sendable {
        private enum State {
            case waiting([Event])
            case encoding
            case encoded([[UInt8]])
        }

        private let state: Locked<State>
        private let encoded = DispatchSemaphore(value: 0)

        init(_ events: [Event]) {
            state = Locked(.waiting(events))
        }

        /// Encodes the events unless another thread already took them.
        func encodeIfWaiting() {
            let events = state.withLock { state -> [Event]? in
                guard case .waiting(let events) = state else { return nil }
                state = .encoding
                return events
            }
            guard let events else { return }
            let payloads = events.map(EventCodec.encode)
            state.withLock { $0 = .encoded(payloads) }
            encoded.signal()
        }

        /// The encoded events, encoding them here if nobody has started.
        func payloads() -> [[UInt8]] {
            encodeIfWaiting()
            while true {
                if case .encoded(let payloads) = state.withLock({ $0 }) { return payloads }
                encoded.wait()
            }
        }
    }

    private let queue = DispatchQueue(label: "clusterd.import-encoder")
    private let group = DispatchGroup()
    /// Appended to and read on the deciding thread only.
    private var parts: [Part] = []
    /// Touched on `queue` only.
    private var records: RecordBatchBuilder?
    private var payloads: [[UInt8]] = []

    init(records: RecordBatchBuilder?) {
        self.records = records
    }

    /// Called on the deciding thread only.
    func encode(_ events: [Event]) {
        let part = Part(events)
        parts.append(part)
        queue.async(group: group) { [self] in
            let encoded = part.payloads()
            if records != nil {
                records!.append(encoded)
            } else {
                payloads += encoded
            }
        }
    }

    /// Helps with the parts not yet encoded, then waits for every part.
    func finish() -> Encoded {
        for part in parts.reversed() { part.encodeIfWaiting() }
        group.wait()
        return queue.sync {
            if let prepared = records.take()?.finish() { return .records(prepared) }
            return .payloads(payloads)
        }
    }
}
