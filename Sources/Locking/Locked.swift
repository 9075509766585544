#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex: `Synchronization.Mutex` with a lock ThreadSanitizer can see.
///
/// On Linux, the standard library's `Mutex` locks with raw futex system calls, which TSan does
/// not intercept: every access it guards is reported as a race (checked with a four-thread
/// counter), which would drown a real report. `pthread_mutex_lock` is intercepted, so with this
/// lock `Scripts/test`'s ThreadSanitizer run reports only what is real. `withLock` is inlinable so
/// that callers in other modules get it specialized (no generic metadata lookups per call).
public final class Locked<Value>: @unchecked Sendable {
    @usableFromInline var value: Value
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
