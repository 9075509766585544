import EventLog

/// Why the daemon cannot start or go on, with what to do about it. Each case maps to a sysexits code.
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// Another clusterd holds the state directory.
    case alreadyRunning(lockPath: String, holderPID: Int32?)
    /// The state directory cannot be created or used.
    case stateDirectory(path: String, reason: String)
    /// The socket cannot be listened on.
    case cannotListen(endpoint: String, reason: String)
    /// The environment passed by systemd is unusable.
    case invalidEnvironment(reason: String)
    /// The log is damaged, or not a log: the daemon refuses to start rather than lose history.
    case logUnusable(reason: String)
    /// The log cannot be opened or read.
    case logInaccessible(reason: String)
    /// The key store or its wrapping key cannot be used (docs/key-store.md).
    case keyStore(KeyStoreError)
    /// The log holds people, and clusterd was given no key to open the key store.
    case personalDataUnavailable(people: Int)
    /// The key store does not fit the log: missing, or without the key of a person the log holds.
    case keyStoreMismatch(reason: String)

    public var description: String {
        switch self {
        case .alreadyRunning(let lockPath, let pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "another clusterd (\(holder)) is already running on this state directory (lock \(lockPath)); "
                + "stop it first, or give this one its own --state-dir"
        case .stateDirectory(let path, let reason):
            return "state directory \(path): \(reason)"
        case .cannotListen(let endpoint, let reason):
            return "cannot listen on \(endpoint): \(reason); choose another path with --socket PATH"
        case .invalidEnvironment(let reason):
            return "invalid socket activation environment: \(reason)"
        case .logUnusable(let reason), .logInaccessible(let reason):
            return reason
        case .keyStore(let error):
            return error.description
        case .personalDataUnavailable(let people):
            return "the log holds \(people) people, whose personal fields need the key store, but clusterd was given no key to open it: give it --key-store-key-file PATH or the systemd credential \(WrappingKey.credentialName) (docs/key-store.md), or start with --without-personal-data to serve everything else"
        case .keyStoreMismatch(let reason):
            return reason
        }
    }

    /// The process exit code (sysexits.h) for this failure.
    public var exitCode: Int32 {
        switch self {
        case .alreadyRunning: return 75  // EX_TEMPFAIL: try again once the other one is gone
        case .stateDirectory: return 73  // EX_CANTCREAT
        case .cannotListen: return 69  // EX_UNAVAILABLE
        case .invalidEnvironment: return 78  // EX_CONFIG
        case .logUnusable: return 65  // EX_DATAERR
        case .logInaccessible: return 74  // EX_IOERR
        case .keyStore(let error):
            switch error {
            case .wrappingKey: return 78  // EX_CONFIG: the key clusterd was given
            case .storage: return 74  // EX_IOERR
            case .badHeader, .otherLog, .otherWrappingKey, .damaged, .missing: return 65  // EX_DATAERR
            }
        case .personalDataUnavailable: return 78  // EX_CONFIG: a key to give it
        case .keyStoreMismatch: return 65  // EX_DATAERR
        }
    }
}
