import Foundation

/// Whether these tests run in one of `Scripts/test`'s sanitizer builds, which set `TSAN_OPTIONS`
/// and `ASAN_OPTIONS` for both: everything runs several times slower there.
public enum Sanitizers {
    public static var running: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["TSAN_OPTIONS"] != nil || environment["ASAN_OPTIONS"] != nil
    }
}
