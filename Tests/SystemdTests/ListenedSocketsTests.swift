import Glibc
import Systemd
import Testing

struct ListenedSocketsTests {
    @Test func nothingPassedMeansNoSockets() throws {
        #expect(try ListenedSockets.parse(environment: [:], processID: 42) == nil)
        #expect(try ListenedSockets.parse(environment: ["LISTEN_FDS": "1"], processID: 42) == nil)
    }

    @Test func socketsForAnotherProcessAreNotTaken() throws {
        #expect(try ListenedSockets.parse(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "1"], processID: 42) == nil)
    }

    @Test func descriptorsStartAtThreeWithTheirNames() throws {
        let sockets = try ListenedSockets.parse(
            environment: ["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "varlink:admin"],
            processID: 42
        )
        #expect(sockets?.sockets == [.init(descriptor: 3, name: "varlink"), .init(descriptor: 4, name: "admin")])
    }

    @Test func unnamedDescriptorsAreUnknown() throws {
        let sockets = try ListenedSockets.parse(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "1"], processID: 42)
        #expect(sockets?.sockets == [.init(descriptor: 3, name: "unknown")])
    }

    @Test(arguments: [
        (["LISTEN_PID": "abc", "LISTEN_FDS": "1"], "LISTEN_PID"),
        (["LISTEN_PID": "42", "LISTEN_FDS": "-1"], "LISTEN_FDS"),
        (["LISTEN_PID": "42", "LISTEN_FDS": "x"], "LISTEN_FDS"),
        (["LISTEN_PID": "42", "LISTEN_FDS": "99999"], "LISTEN_FDS"),
        (["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "one"], "LISTEN_FDNAMES"),
    ])
    func malformedVariablesAreNamed(environment: [String: String], variable: String) {
        #expect {
            try ListenedSockets.parse(environment: environment, processID: 42)
        } throws: { error in
            (error as? ListenedSockets.InvalidEnvironment)?.variable == variable
        }
    }
}

/// The process-environment path: descriptors that were promised but are not open are refused.
@Suite(.serialized)
struct ListenedSocketsEnvironmentTests {
    @Test func promisedButMissingDescriptorsAreRefused() {
        setenv("LISTEN_PID", "\(getpid())", 1)
        setenv("LISTEN_FDS", "900", 1)
        setenv("LISTEN_FDNAMES", Array(repeating: "x", count: 900).joined(separator: ":"), 1)
        #expect {
            try ListenedSockets.fromProcessEnvironment()
        } throws: { error in
            guard let error = error as? ListenedSockets.InvalidEnvironment else { return false }
            return error.variable == "LISTEN_FDS" && error.reason.contains("is not open")
        }
        // The variables are consumed either way, so that children do not inherit them.
        #expect(getenv("LISTEN_FDS") == nil)
        #expect(getenv("LISTEN_PID") == nil)
    }

    @Test func anOpenListeningUnixSocketIsRecognized() throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        #expect(!ListenedSockets.isListeningUnixStreamSocket(descriptor))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = "/tmp/clusterd-listen-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        listen(descriptor, 4)
        #expect(ListenedSockets.isListeningUnixStreamSocket(descriptor))
    }
}
