/// Why the key store cannot be used. Every case names the file or the source and the reason; none
/// holds a key or a personal field.
public enum KeyStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The wrapping key could not be read or is not one.
    case wrappingKey(source: String, reason: String)
    /// The file cannot be opened, read, written or synced.
    case storage(StorageError)
    /// The header is not a key store header, or not this version's.
    case badHeader(path: String, reason: String)
    /// The key store holds the keys of another log.
    case otherLog(path: String, keyStoreLog: String, log: String)
    /// The key store was written with another wrapping key.
    case otherWrappingKey(path: String)
    /// An entry before the last is damaged, or an entry's wrapping does not open: damage or
    /// tampering. Nothing was changed.
    case damaged(path: String, offset: Int, reason: String)
    /// There is no key store file.
    case missing(path: String)

    public var description: String {
        switch self {
        case .wrappingKey(let source, let reason):
            return "cannot use \(source) as the key store's wrapping key: \(reason)"
        case .storage(let error):
            return "the key store could not be used: \(error)"
        case .badHeader(let path, let reason):
            return "\(path) is not a clusterd key store: \(reason)"
        case .otherLog(let path, let keyStoreLog, let log):
            return "\(path) holds the keys of log \(keyStoreLog), not of this log (\(log)); restore the key store that belongs to this log"
        case .otherWrappingKey(let path):
            return "\(path) was written with another wrapping key than the one clusterd was given; give it the key it was written with (docs/key-store.md)"
        case .damaged(let path, let offset, let reason):
            return "\(path) is damaged at byte offset \(offset): \(reason); nothing was changed. Restore it from a backup: the log then erases again whoever it says was erased"
        case .missing(let path):
            return "the key store \(path) does not exist"
        }
    }
}
