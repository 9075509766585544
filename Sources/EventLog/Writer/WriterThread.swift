#if canImport(Glibc)
import Glibc
#endif

/// A dedicated OS thread: the writer blocks in write and fdatasync, which must never happen on the
/// cooperative pool that serves requests.
final class WriterThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(body: @escaping () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self)
        let result = pthread_create(&thread, nil, { argument in
            let writer = Unmanaged<WriterThread>.fromOpaque(argument!).takeRetainedValue()
            writer.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    /// Waits until the thread's body returns.
    func join() {
        pthread_join(thread, nil)
    }
}
