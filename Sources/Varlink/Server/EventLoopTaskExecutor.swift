import NIOCore

/// Runs a task's jobs on one NIO event loop: the thread that already reads and writes its channel.
///
/// A connection's task prefers this executor, so a call travels from the socket to its handler and
/// back without waking another thread: a read answered from memory costs one loop iteration instead
/// of three hops between the event loop and Swift's cooperative pool. Actors without an executor of
/// their own run the task's calls into them here too (SE-0417).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
