#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time in microseconds since the epoch: the one reader of the wall clock, for commit
/// times and for the daemon's "today".
public enum WallClock {
    public static func nowMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}
