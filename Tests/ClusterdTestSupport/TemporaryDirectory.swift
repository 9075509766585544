import Foundation

/// A fresh directory under /tmp, removed when the value is released.
///
/// Paths stay short on purpose: a Unix socket path must fit in 107 bytes.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "clusterd-test") throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestSupportError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: result)
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A failure of the test harness itself (not of the code under test).
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
