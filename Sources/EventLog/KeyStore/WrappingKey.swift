import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// The key that wraps every key of the key store (docs/key-store.md, "The wrapping key"): from a
/// systemd credential or a file outside the state directory, never stored beside the keys it
/// protects.
public struct WrappingKey: Sendable {
    /// The name of the systemd credential that holds it (`LoadCredentialEncrypted=`).
    public static let credentialName = "clusterd-key-store-key"

    let key: SymmetricKey
    /// The first 16 bytes of SHA-256("clusterd key-store wrapping key v1" || key): names the key
    /// without revealing it.
    public let id: [UInt8]

    /// From 32 bytes, or 64 hexadecimal digits with an optional final newline.
    public init(material: [UInt8], source: String) throws(KeyStoreError) {
        var bytes = material
        if bytes.count != 32 {
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            guard bytes.count == 64, let decoded = Self.hex(bytes) else {
                throw .wrappingKey(source: source, reason: "it holds \(material.count) bytes; a wrapping key is 32 bytes, or 64 hexadecimal digits")
            }
            bytes = decoded
        }
        guard bytes.contains(where: { $0 != 0 }) else {
            throw .wrappingKey(source: source, reason: "it is all zeros; make one with `head -c 32 /dev/urandom`")
        }
        key = SymmetricKey(data: bytes)
        var hasher = SHA256()
        hasher.update(data: Array("clusterd key-store wrapping key v1".utf8))
        hasher.update(data: bytes)
        id = Array(hasher.finalize().prefix(16))
    }

    /// The wrapping key the daemon was given: the systemd credential when `credentialsDirectory`
    /// (`$CREDENTIALS_DIRECTORY`) holds one, else `file` (`--key-store-key-file`), else nil.
    /// `file` must be a regular file outside `stateDirectory`, owned by root or by the user the
    /// daemon runs as, and readable by nobody else.
    public static func load(credentialsDirectory: String?, file: String?, stateDirectory: String) throws(KeyStoreError) -> WrappingKey? {
        if let credentialsDirectory, !credentialsDirectory.isEmpty {
            let path = credentialsDirectory + "/" + credentialName
            var info = stat()
            if stat(path, &info) == 0 {
                return try WrappingKey(material: read(path, limit: 4096), source: "the systemd credential \(credentialName)")
            }
        }
        guard let file else { return nil }
        let source = "the key store key file \(file)"
        let descriptor = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw .wrappingKey(source: source, reason: code == ELOOP ? "it is a symbolic link; give the file itself" : String(cString: strerror(code)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .wrappingKey(source: source, reason: "it is not a regular file")
        }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .wrappingKey(source: source, reason: "it belongs to uid \(info.st_uid); it must belong to root or to the user clusterd runs as (uid \(geteuid()))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .wrappingKey(source: source, reason: "its mode \(String(info.st_mode & 0o777, radix: 8)) lets others read it; run `chmod 0400 \(file)`")
        }
        var directoryInfo = stat()
        let (parent, _) = StateDirectory.split(file)
        if stat(parent, &directoryInfo) == 0, stat(stateDirectory, &info) == 0, directoryInfo.st_dev == info.st_dev, directoryInfo.st_ino == info.st_ino {
            throw .wrappingKey(source: source, reason: "it is in the state directory, beside the keys it protects; keep it elsewhere (a copy of the state directory must not hold it)")
        }
        return try WrappingKey(material: read(descriptor, path: file, limit: 4096), source: source)
    }

    private static func read(_ path: String, limit: Int) throws(KeyStoreError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .wrappingKey(source: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        return try read(descriptor, path: path, limit: limit)
    }

    private static func read(_ descriptor: Int32, path: String, limit: Int) throws(KeyStoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw .wrappingKey(source: path, reason: String(cString: strerror(errno))) }
            if got == 0 { break }
            count += got
        }
        guard count <= limit else { throw .wrappingKey(source: path, reason: "it is longer than a wrapping key") }
        return Array(bytes[..<count])
    }

    private static func hex(_ digits: [UInt8]) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index + 1 < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
