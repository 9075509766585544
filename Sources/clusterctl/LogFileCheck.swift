import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// What `--log PATH` must name before it is opened: a regular file this user may read. A
/// directory once failed with "mmap: No such device", a FIFO would block the reader for good.
enum LogFileCheck {
    /// Ends the program with a message and exit 66 (EX_NOINPUT) when `path` is no regular file,
    /// 77 (EX_NOPERM) when it may not be read.
    static func requireRegularFile(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let failure = errno
            if failure == EACCES { throw refusal("\(path): permission denied — run as a user who may read it", 77) }
            throw refusal("\(path): \(String(cString: strerror(failure))) — give the path of a clusterd events.log", 66)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw refusal("\(path) is a directory, not a log file — give the path of its events.log", 66)
        default:
            throw refusal("\(path) is not a regular file (a FIFO, a device or a socket) — give the path of a clusterd events.log", 66)
        }
        guard access(path, R_OK) == 0 else {
            throw refusal("\(path): permission denied — run as a user who may read it", 77)
        }
    }

    /// Says `message` and returns the exit code to throw.
    private static func refusal(_ message: String, _ code: Int32) -> ExitCode {
        Terminal.printError("error: \(message)")
        return ExitCode(code)
    }
}
