#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only into memory, for scanning and replay.
///
/// A scan of a huge file need not hold it: `release(below:)` lets the pages already read go
/// (they are read again from the file if touched), and `holesFrom` says where the file holds only
/// holes, which read as zeros without being read at all (a 16 GB sparse file once took 36 s and
/// 16.8 GB of memory to verify).
final class MappedFile {
    let path: String
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?
    /// From this offset to the end the file has no data, only holes: zeros, without reading them.
    /// The file's size when it ends with data, or when the file system cannot tell.
    let holesFrom: Int

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
            holesFrom = 0
            return
        }
        holesFrom = Self.endOfData(descriptor, size: size)
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw StorageError(operation: "mmap", path: path, code: errno)
        }
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    /// `lseek`'s `SEEK_DATA` and `SEEK_HOLE` (Linux's values, the same on every architecture),
    /// which Glibc's Swift module leaves out: glibc declares them only with `_GNU_SOURCE`.
    private static let seekData: Int32 = 3
    private static let seekHole: Int32 = 4

    /// Where the last data of the first `size` bytes ends (`SEEK_DATA`/`SEEK_HOLE`); `size` when
    /// the file system cannot tell.
    private static func endOfData(_ descriptor: Int32, size: Int) -> Int {
        var position = 0
        var end = 0
        while position < size {
            let data = lseek(descriptor, off_t(position), seekData)
            if data < 0 { return errno == ENXIO ? end : size }
            let hole = lseek(descriptor, data, seekHole)
            guard hole > data else { return size }
            end = min(Int(hole), size)
            position = Int(hole)
        }
        return min(end, size)
    }

    /// Lets the pages wholly below `offset` go from memory: a scan calls it as it moves on.
    func release(below offset: Int) {
        guard let base, offset > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = min(offset, bytes.count) / page * page
        if length > 0 { _ = madvise(base, length, MADV_DONTNEED) }
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}
