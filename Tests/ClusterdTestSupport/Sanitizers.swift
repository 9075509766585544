import Foundation

/// Whether these tests run in one of `Scripts/test`'s sanitizer builds, which set `TSAN_OPTIONS`
/// and `ASAN_OPTIONS` for both: everything runs several times slower there.
public enum Sanitizers {
    public static var running: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["TSAN_OPTIONS"] != nil || environment["ASAN_OPTIONS"] != nil
    }

    /// The minutes after which a suite's test is taken for hung, for `.timeLimit(.minutes(…))`.
    /// A limit only catches hangs: under a sanitizer every test runs several times slower and
    /// Swift Testing starts them all at once on two cores, so a test's clock runs while it waits
    /// for a thread; a limit that fits the plain run failed healthy tests there on a slower machine.
    public static func hangLimit(minutes: Int) -> Int {
        running ? minutes * 4 : minutes
    }
}
