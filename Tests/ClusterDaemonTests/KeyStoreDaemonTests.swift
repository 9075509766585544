import ClusterdTestSupport
import EventLog
import Foundation
import Testing

/// The daemon and its key store (docs/key-store.md): created for its log when it is given a
/// wrapping key, checked at every start, and a start refused with the reason when it does not fit.
struct KeyStoreDaemonTests {
    func keyFile(in directory: TemporaryDirectory, name: String, byte: UInt8, mode: mode_t = 0o400) throws -> String {
        let path = directory.file(name)
        try Data((0..<32).map { UInt8(truncatingIfNeeded: Int($0) + Int(byte)) }).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
        return path
    }

    @Test func aWrappingKeyGivesTheLogAKeyStoreThatLaterStartsCheck() async throws {
        let keys = try TemporaryDirectory()
        let key = try keyFile(in: keys, name: "key", byte: 1)
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", key])
        let store = daemon.stateDirectory + "/" + KeyStore.fileName
        #expect(daemon.process.standardError.contains("opened the key store"))
        #expect(try await daemon.stop() == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: store)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 64)
        let arguments = ["--state-dir", daemon.stateDirectory, "--socket", daemon.directory.file("again.sock")]

        // Another wrapping key: refused, named, nothing changed.
        let other = try keyFile(in: keys, name: "other", byte: 2)
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let refused = try await runToCompletion(try BuiltProducts.executable("clusterd"), arguments + ["--key-store-key-file", other])
        #expect(refused.status == 65)
        #expect(refused.standardError.contains("was written with another wrapping key"), "\(refused.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)

        // A key file others may read: a configuration error that says how to fix it.
        let open = try keyFile(in: keys, name: "open", byte: 1, mode: 0o644)
        let exposed = try await runToCompletion(try BuiltProducts.executable("clusterd"), arguments + ["--key-store-key-file", open])
        #expect(exposed.status == 78)
        #expect(exposed.standardError.contains("chmod 0400"), "\(exposed.standardError)")

        // A key store altered: refused at start, with its offset.
        var bytes = [UInt8](before)
        bytes[20] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: store))
        let damaged = try await runToCompletion(try BuiltProducts.executable("clusterd"), arguments + ["--key-store-key-file", key])
        #expect(damaged.status == 65)
        #expect(damaged.standardError.contains("is not a clusterd key store"), "\(damaged.standardError)")
        try before.write(to: URL(fileURLWithPath: store))

        // Without a key, the daemon starts and leaves the key store alone, saying so.
        let without = try await RunningDaemon(directory: daemon.directory)
        #expect(without.process.standardError.contains("holds a key store, but clusterd was given no key"))
        #expect(try await without.stop() == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)

        // The systemd credential, when there is one, is the key.
        let credentials = try TemporaryDirectory()
        try Data(contentsOf: URL(fileURLWithPath: key)).write(to: URL(fileURLWithPath: credentials.file(WrappingKey.credentialName)))
        let fromCredential = try ChildProcess(
            try BuiltProducts.executable("clusterd"),
            arguments,
            environment: ProcessInfo.processInfo.environment.merging(["CREDENTIALS_DIRECTORY": credentials.path]) { $1 },
            outputIn: daemon.directory,
            label: "clusterd-credential"
        )
        try await RunningDaemon.waitForSocket(daemon.directory.file("again.sock"), process: fromCredential)
        fromCredential.send(SIGTERM)
        #expect(try await fromCredential.waitForExit() == 0)
        #expect(fromCredential.standardError.contains("opened the key store"))
    }
}
