#if canImport(Glibc)
import Glibc
#endif

/// The directory that holds the log and its companion files, opened once; every file in it is
/// opened relative to that descriptor with `O_NOFOLLOW`, and new files are created with `O_EXCL`.
///
/// The daemon's user owns the state directory, so it can plant a symbolic link at any name the
/// daemon will open (`events.log.broken-<offset>`, `clusterd.lock`, a snapshot's temporary file):
/// a `clusterd` started by root (the README's repair step) would then have written where the link
/// points. Here a link at a name is never followed: a name that must exist and is a link is
/// refused, and a temporary name that is taken is removed (the link itself, never its target)
/// before the file is created anew.
public final class StateDirectory: Sendable {
    public let path: String
    let descriptor: Int32

    /// Opens `path`, a directory (a link to a directory there is followed: the path itself is
    /// the administrator's).
    public init(path: String) throws(StorageError) {
        let descriptor = Glibc.open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError(operation: "open", path: path, code: errno) }
        self.path = path
        self.descriptor = descriptor
    }

    /// The directory and file name of `path`.
    public static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    public func full(_ name: String) -> String { path == "." ? name : (path.hasSuffix("/") ? path + name : path + "/" + name) }

    /// Opens the existing file `name` without following a link at it.
    public func open(_ name: String, flags: Int32) throws(StorageError) -> Int32 {
        let descriptor = openat(self.descriptor, name, flags | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError(operation: "open", path: full(name), code: errno) }
        return try requireRegular(descriptor, name)
    }

    /// Opens `name` for reading and writing, creating it (mode 0640) when missing; a link at it is
    /// refused, never followed.
    public func openOrCreate(_ name: String) throws(StorageError) -> Int32 {
        let descriptor = openat(self.descriptor, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw StorageError(operation: "open", path: full(name), code: errno) }
        return try requireRegular(descriptor, name)
    }

    /// Creates `name` anew (mode 0640 unless told), exclusively: whatever was at the name (a file
    /// left by a crash, or a link planted there) is removed first, the link itself and never its
    /// target.
    public func createFresh(_ name: String, mode: mode_t = 0o640) throws(StorageError) -> Int32 {
        while true {
            let descriptor = openat(self.descriptor, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if descriptor >= 0 { return descriptor }
            guard errno == EEXIST else { throw StorageError(operation: "create", path: full(name), code: errno) }
            guard unlinkat(self.descriptor, name, 0) == 0 || errno == ENOENT else {
                throw StorageError(operation: "unlink", path: full(name), code: errno)
            }
        }
    }

    /// Creates a file at the first free name of `name`, `name.1`, `name.2`…, exclusively: an
    /// existing file (or link) keeps its name and is never written.
    public func createUnique(_ name: String) throws(StorageError) -> (descriptor: Int32, name: String) {
        var candidate = name
        for attempt in 1...1000 {
            let descriptor = openat(self.descriptor, candidate, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
            if descriptor >= 0 { return (descriptor, candidate) }
            guard errno == EEXIST else { throw StorageError(operation: "create", path: full(candidate), code: errno) }
            candidate = "\(name).\(attempt)"
        }
        throw StorageError(operation: "create", path: full(name), code: EEXIST)
    }

    /// Renames `from` to `to` inside the directory; a link at `to` is replaced, not followed.
    public func rename(_ from: String, to: String) throws(StorageError) {
        guard renameat(descriptor, from, descriptor, to) == 0 else { throw StorageError(operation: "rename", path: full(from), code: errno) }
    }

    /// Removes `name` (a link itself, never its target); a missing name is no error.
    public func remove(_ name: String) {
        _ = unlinkat(descriptor, name, 0)
    }

    /// Whether `name` exists (a link counts, and is not followed), and its status.
    public func status(_ name: String) throws(StorageError) -> stat? {
        var info = stat()
        if fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return info }
        guard errno == ENOENT else { throw StorageError(operation: "stat", path: full(name), code: errno) }
        return nil
    }

    /// fsync of the directory, so that a created or renamed file survives a crash.
    public func synchronize() throws(StorageError) {
        guard fsync(descriptor) == 0 else { throw StorageError(operation: "fsync", path: path, code: errno) }
    }

    /// The names in the directory.
    public func names() -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else { return [] }
        defer { closedir(stream) }
        var found: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in String(cString: raw.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { found.append(name) }
        }
        return found
    }

    private func requireRegular(_ descriptor: Int32, _ name: String) throws(StorageError) -> Int32 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw StorageError(operation: "fstat", path: full(name), code: code)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(descriptor)
            throw StorageError(operation: "open", path: full(name), code: EINVAL)
        }
        return descriptor
    }

    deinit {
        Glibc.close(descriptor)
    }
}
