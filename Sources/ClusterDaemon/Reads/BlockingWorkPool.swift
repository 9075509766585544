import Foundation
import Locking

#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads for work that may block or run long: replaying the log for a
/// historical read, deciding a large import. Event loops hand such work here and await it, so
/// that no connection on their loop waits for it.
///
/// Jobs run in the order they came, at most `threads` at a time; the rest wait in the queue.
public final class BlockingWorkPool: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    public let name: String
    private let queue = Locked(Queue())
    private let available = DispatchSemaphore(value: 0)
    private let threadCount: Int

    /// Starts `threads` threads named `name` (as `top -H` shows them). With `idlePriority`, they
    /// run under Linux's `SCHED_IDLE`: only when no other thread of the machine wants the CPU, so
    /// that a long replay for a historical read takes nothing from the event loops and the log's
    /// writer (Scripts/bench measures GetCompany and write p99 with and without historical reads).
    public init(name: String, threads: Int, idlePriority: Bool = false) {
        precondition(threads >= 1, "a pool needs at least one thread")
        self.name = name
        self.threadCount = threads
        for index in 0..<threads {
            let thread = Thread { [self] in
                if idlePriority { Self.lowerToIdlePriority() }
                work()
            }
            thread.name = threads == 1 ? name : "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on one of the pool's threads and returns what it returned.
    ///
    /// The outcome comes back through a lock, not in the continuation: when the pool finishes
    /// before the caller has suspended (a refused import fails at its first command), the caller
    /// goes on by the concurrency runtime's own atomics, which ThreadSanitizer does not see, and
    /// it reported the caller's read of the error the pool had built as a race. The lock orders
    /// the two for any observer.
    public func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        let outcome = Locked<Swift.Result<Result, any Error>?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let accepted = queue.withLock { queue -> Bool in
                guard !queue.stopped else { return false }
                queue.jobs.append {
                    let result = Swift.Result { try body() }
                    outcome.withLock { $0 = result }
                    continuation.resume()
                }
                return true
            }
            if accepted {
                available.signal()
            } else {
                continuation.resume(throwing: CancellationError())
            }
        }
        guard let result = outcome.withLock({ $0.take() }) else { preconditionFailure("a pool job resumed its caller without an outcome") }
        return try result.get()
    }

    /// Jobs waiting for a thread.
    public var queuedJobs: Int { queue.withLock { $0.jobs.count - $0.head } }

    /// Lets the threads finish the queued jobs, then end. Later jobs are refused.
    public func shutdown() {
        queue.withLock { $0.stopped = true }
        for _ in 0..<threadCount { available.signal() }
    }

    /// Moves the calling thread to `SCHED_IDLE`; where that fails (not Linux), it stays as it was.
    private static func lowerToIdlePriority() {
        #if os(Linux)
        var parameters = sched_param()
        parameters.sched_priority = 0
        let schedIdle: Int32 = 5  // SCHED_IDLE of <linux/sched.h>, which Glibc's module leaves out
        _ = sched_setscheduler(0, schedIdle, &parameters)
        #endif
    }

    private func work() {
        while true {
            available.wait()
            let job = queue.withLock { queue -> (@Sendable () -> Void)? in
                guard queue.head < queue.jobs.count else { return nil }
                let job = queue.jobs[queue.head]
                queue.head += 1
                if queue.head > 64 && queue.head * 2 > queue.jobs.count {
                    queue.jobs.removeFirst(queue.head)
                    queue.head = 0
                }
                return job
            }
            guard let job else {
                if queue.withLock({ $0.stopped }) { return }
                continue
            }
            job()
        }
    }
}
