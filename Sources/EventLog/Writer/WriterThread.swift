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
            // Named, or it inherits the name of whichever pool thread opened the log (`top -H`).
            let comm = open("/proc/thread-self/comm", O_WRONLY)
            if comm >= 0 {
                _ = "clusterd-writer".withCString { write(comm, $0, strlen($0)) }
                close(comm)
            }
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
