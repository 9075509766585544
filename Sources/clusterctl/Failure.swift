import ArgumentParser

/// A failure a user can act on: what went wrong, what to do about it, and the exit code. Every
/// command reports its failures as one line on standard error,
/// `clusterctl: error: <what> — <what to do>` (`ClusterctlCommand.main`); only a usage error
/// (64) adds the usage banner.
struct Failure: Error, CustomStringConvertible {
    var what: String
    var hint: String?
    var code: Int32
    /// Lines printed after the error line, as they are (`file:line: reason` of refused rows).
    var details: [String] = []

    init(_ what: String, hint: String? = nil, code: Int32, details: [String] = []) {
        self.what = what
        self.hint = hint
        self.code = code
        self.details = details
    }

    var description: String {
        "error: " + what + (hint.map { " — " + $0 } ?? "")
    }

    /// The exit codes, from sysexits.h.
    enum Code {
        /// The daemon refused the request, or `verify` found damage.
        static let refused: Int32 = 1
        static let usage: Int32 = 64
        /// Bad input data: refused rows, a file that is not a clusterd log.
        static let dataError: Int32 = 65
        /// An input that cannot be opened as a file: missing, a directory, a FIFO, a device.
        static let noInput: Int32 = 66
        static let unavailable: Int32 = 69
        /// An unexpected reply or an internal error.
        static let software: Int32 = 70
        static let ioError: Int32 = 74
        static let noPermission: Int32 = 77
    }

    /// A data error (65): `what` is wrong with an input the user gave.
    static func data(_ what: String, hint: String) -> Failure {
        Failure(what, hint: hint, code: Code.dataError)
    }

    /// A usage error found after parsing (64): printed as parse errors are, with the usage.
    static func usage(_ message: String) -> ValidationError {
        ValidationError(message)
    }
}

/// The exit codes as `clusterctl --help` and the README list them.
enum ExitCodes {
    static let table = """
        Exit codes (sysexits.h):
          0   success
          1   the daemon refused the request, or verify found damage
          64  bad arguments (the usage is printed)
          65  bad input data: refused import rows, a file that is no clusterd log
          66  an input that is no file: missing, a directory, a FIFO, a device
          69  the daemon cannot be reached
          70  an unexpected reply, or an internal error
          74  the output could not be written (| head going away is no error)
          77  permission denied
        """
}
