#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only into memory, for scanning and replay.
final class MappedFile {
    let path: String
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    /// Maps the first `length` bytes of `path` (all of it when nil). A symbolic link at `path`
    /// is refused unless `followingLinks` (a file named by a user, read-only: `clusterctl --log`).
    init(path: String, length: Int? = nil, followingLinks: Bool = false) throws(StorageError) {
        let descriptor: Int32
        if followingLinks {
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw StorageError(operation: "open", path: path, code: errno) }
        } else {
            let (directoryPath, name) = StateDirectory.split(path)
            descriptor = try StateDirectory(path: directoryPath).open(name, flags: O_RDONLY)
        }
        defer { Glibc.close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StorageError(operation: "fstat", path: path, code: errno) }
        let size = min(Int(info.st_size), length ?? Int.max)
        self.path = path
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw StorageError(operation: "mmap", path: path, code: errno)
        }
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}
