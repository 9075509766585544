import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// What `--log PATH` must name before it is opened: a regular file this user may read. A
/// directory once failed with "mmap: No such device", a FIFO would block the reader for good.
enum LogFileCheck {
    /// Fails with exit 66 (EX_NOINPUT) when `path` is no regular file, 77 (EX_NOPERM) when it may
    /// not be read.
    static func requireRegularFile(_ path: String, what: String = "a clusterd log") throws(Failure) {
        let giveALog = what == "a clusterd log" ? "give the path of a clusterd events.log" : "give the path of \(what)"
        var status = stat()
        guard stat(path, &status) == 0 else {
            let failure = errno
            if failure == EACCES { throw unreadable(path, what: what) }
            throw Failure("\(path): \(String(cString: strerror(failure)))", hint: giveALog, code: Failure.Code.noInput)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw Failure("\(path) is a directory, not \(what)", hint: what == "a clusterd log" ? "give the path of its events.log" : giveALog, code: Failure.Code.noInput)
        default:
            throw Failure("\(path) is not a regular file (a FIFO, a device or a socket)", hint: giveALog, code: Failure.Code.noInput)
        }
        guard access(path, R_OK) == 0 else { throw unreadable(path, what: what) }
    }

    private static func unreadable(_ path: String, what: String) -> Failure {
        guard what == "a clusterd log" else {
            return Failure("\(path): permission denied", hint: "run as a user who may read it", code: Failure.Code.noPermission)
        }
        return Failure(
            "\(path): permission denied",
            hint: "the daemon's log is readable by root and the clusterd group ('sudo usermod -aG clusterd \(DaemonConnection.currentUser)'), or copy it somewhere you may read",
            code: Failure.Code.noPermission
        )
    }
}
