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
