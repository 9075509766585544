import Foundation

/// Finds the executables that `swift build` put beside the running test bundle.
public enum BuiltProducts {
    /// The directory of the running test binary (`.build/<triple>/<configuration>`).
    public static var directory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }

    /// The path of the executable product `name`; fails loudly when it was not built.
    public static func executable(_ name: String) throws -> String {
        let path = directory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(name) was not built next to the tests (looked at \(path)); run `swift build` first")
        }
        return path
    }
}
