import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// The registry through the real daemon: rules, exactly-once, concurrency, atomic imports, rights.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct RegistryDaemonTests {
    static let registry = "org.clusterd.Registry."

    func call(_ client: VarlinkClient, _ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        try await client.call(Self.registry + method, parameters)
    }

    func lastSequence(_ client: VarlinkClient) async throws -> JSONValue? {
        try await call(client, "GetStatus")["last_seq"]
    }

    func seed(_ client: VarlinkClient) async throws {
        _ = try await call(client, "RegisterCluster", ["id": "aero", "name": "Aerospace Valley", "regions": ["76", "75"], "departments": ["31", "33"], "naf_section": "C"])
        _ = try await call(client, "RegisterCompany", ["siren": "732 829 320", "name": "ACME", "naf": "25.62B", "department": "31", "employees": 42])
        _ = try await call(client, "JoinCluster", ["cluster": "aero", "siren": "732829320", "date": "2020-01-01"])
    }

    static let badCalls: [(String, [String: JSONValue], String, String?)] = [
        ("RegisterCompany", ["siren": "732829321", "name": "X", "naf": "25.62B", "department": "31", "employees": 1], "InvalidArgument", "siren"),
        ("RegisterCompany", ["siren": "552100554", "name": "X", "naf": "25.62Q", "department": "31", "employees": 1], "InvalidArgument", "naf"),
        ("RegisterCompany", ["siren": "552100554", "name": "X", "naf": "25.62B", "department": "20", "employees": 1], "InvalidArgument", "department"),
        ("RegisterCompany", ["siren": "552100554", "name": "X", "naf": "25.62B", "department": "31", "employees": -1], "InvalidArgument", "employees"),
        ("RegisterCompany", ["siren": "552100554", "name": " ", "naf": "25.62B", "department": "31", "employees": 1], "InvalidArgument", "name"),
        ("RegisterCluster", ["id": "b", "name": "B", "regions": ["32"], "departments": ["76"]], "InvalidArgument", "departments[0]"),
        ("RegisterCluster", ["id": "Bad Id", "name": "B", "regions": ["32"], "departments": []], "InvalidArgument", "id"),
        ("RegisterCluster", ["id": "aero", "name": "B", "regions": ["32"], "departments": []], "AlreadyExists", nil),
        ("JoinCluster", ["cluster": "nope", "siren": "732829320", "date": "2020-01-01"], "UnknownCluster", nil),
        ("JoinCluster", ["cluster": "aero", "siren": "552100554", "date": "2020-01-01"], "UnknownCompany", nil),
        ("JoinCluster", ["cluster": "aero", "siren": "732829320", "date": "2021-01-01"], "AlreadyMember", nil),
        ("JoinCluster", ["cluster": "aero", "siren": "732829320", "date": "2021-02-30"], "InvalidArgument", "date"),
        ("LeaveCluster", ["cluster": "aero", "siren": "732829320", "date": "2019-01-01"], "NotAMember", nil),
        ("LinkPartner", ["cluster": "aero", "partner_id": "p", "name": "P", "kind": "church"], "InvalidArgument", "kind"),
        ("SubmitResponse", ["survey": "nope", "siren": "732829320", "submitted_at": "2020-11-10T10:00:00+01:00", "answers": [:]], "UnknownSurvey", nil),
        ("DefineSurvey", ["id": "s", "title": "S", "opens_at": "2020-11-09T00:00:00+01:00", "closes_at": "2020-11-01T00:00:00+01:00", "questions": [["id": "q", "text": "Q", "kind": "yes_no"]]], "InvalidArgument", "closes_at"),
        ("DefineSurvey", ["id": "s", "title": "S", "opens_at": "2020-11-09T00:00:00+01:00", "closes_at": "2020-11-15T00:00:00+01:00", "questions": [["id": "q", "text": "Q", "kind": "scale", "max": 9]]], "InvalidArgument", "questions[0]"),
    ]

    @Test func everyRejectionNamesItsErrorAndLeavesTheLogUnchanged() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        try await seed(client)
        let before = try await lastSequence(client)
        for (method, parameters, error, field) in Self.badCalls {
            do {
                _ = try await call(client, method, parameters)
                Issue.record("\(method) \(parameters) was accepted")
            } catch let thrown as VarlinkError {
                #expect(thrown.name == Self.registry + error, "\(method) \(parameters)")
                if let field { #expect(thrown.parameters["field"] == .string(field), "\(method): \(thrown)") }
            }
            #expect(try await lastSequence(client) == before)
        }
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func aRepeatedRequestIDReturnsTheFirstResultAlsoAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        var daemon = try await RunningDaemon(directory: directory)
        var client = try await VarlinkClient.connect(to: daemon.socketPath)
        try await seed(client)
        let parameters: [String: JSONValue] = ["siren": "552100554", "name": "Other", "naf": "62.01Z", "department": "33", "employees": 5, "request_id": "r-1"]
        let first = try await call(client, "RegisterCompany", parameters)
        let again = try await call(client, "RegisterCompany", parameters)
        #expect(first == again)
        await client.close()
        #expect(try await daemon.stop() == 0)

        daemon = try await RunningDaemon(directory: directory)
        client = try await VarlinkClient.connect(to: daemon.socketPath)
        #expect(try await call(client, "RegisterCompany", parameters) == first)
        // The same request written differently is the same request.
        var respelled = parameters
        respelled["siren"] = "552 100 554"
        #expect(try await call(client, "RegisterCompany", respelled) == first)
        // Other content under the same id is refused, after the restart too, and writes nothing.
        var other = parameters
        other["employees"] = 6
        let reused = VarlinkError(Self.registry + "RequestIdReused", parameters: ["request_id": "r-1", "seq": first["seq"]!])
        await #expect(throws: reused) { try await call(client, "RegisterCompany", other) }
        await #expect(throws: reused) { try await call(client, "UpdateCompany", ["siren": "552100554", "employees": 6, "request_id": "r-1"]) }
        await #expect(throws: reused) {
            try await call(client, "Import", ["commands": [["method": "RegisterCompany", "parameters": .object(parameters.filter { $0.key != "request_id" })]], "request_id": "r-1"])
        }
        #expect(try await lastSequence(client) == first["seq"])
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func expectedSeqRefusesAWriteOnAMovedLog() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        try await seed(client)
        await #expect(throws: VarlinkError(Self.registry + "ConcurrencyConflict", parameters: ["expected": 1, "actual": 3])) {
            try await call(client, "LeaveCluster", ["cluster": "aero", "siren": "732829320", "date": "2022-01-01", "expected_seq": 1])
        }
        #expect(try await call(client, "LeaveCluster", ["cluster": "aero", "siren": "732829320", "date": "2022-01-01", "expected_seq": 3]) == ["seq": 4])
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func anImportIsAtomic() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        try await seed(client)
        let good: JSONValue = ["method": "RegisterCompany", "parameters": ["siren": "552100554", "name": "Other", "naf": "62.01Z", "department": "33", "employees": 5]]
        let join: JSONValue = ["method": "JoinCluster", "parameters": ["cluster": "aero", "siren": "552100554", "date": "2020-01-01"]]
        let bad: JSONValue = ["method": "JoinCluster", "parameters": ["cluster": "aero", "siren": "552100554", "date": "2019-12-01"]]
        // Every error about one command names its position: `command`, and the field's prefix.
        await #expect { try await call(client, "Import", ["commands": [good, join, bad]]) } throws: { error in
            let error = error as? VarlinkError
            return error?.name == Self.registry + "AlreadyMember" && error?.parameters["command"] == 2
        }
        #expect(try await lastSequence(client) == 3)
        await #expect {
            try await call(client, "Import", ["commands": [good, ["method": "JoinCluster", "parameters": ["cluster": "aero", "siren": "552100554", "date": "nope"]]]])
        } throws: { error in
            let error = error as? VarlinkError
            return error?.parameters["field"] == "commands[1].parameters.date" && error?.parameters["command"] == 1
        }
        let unknown: JSONValue = ["method": "JoinCluster", "parameters": ["cluster": "nope", "siren": "552100554", "date": "2020-01-01"]]
        await #expect { try await call(client, "Import", ["commands": [good, join, unknown]]) } throws: { error in
            (error as? VarlinkError) == VarlinkError(Self.registry + "UnknownCluster", parameters: ["cluster": "nope", "command": 2])
        }
        await #expect { try await call(client, "JoinCluster", ["cluster": "nope", "siren": "732829320", "date": "2020-01-01"]) } throws: { error in
            (error as? VarlinkError) == VarlinkError(Self.registry + "UnknownCluster", parameters: ["cluster": "nope"])
        }
        #expect(try await lastSequence(client) == 3)
        let reply = try await call(client, "Import", ["commands": [good, join]])
        #expect(reply == ["seq": 5, "first_seq": 4, "events": 2])
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func watchStreamsTheBacklogThenNewEvents() async throws {
        let daemon = try await RunningDaemon()
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let watcher = try await VarlinkClient.connect(to: daemon.socketPath)
        try await seed(client)
        var iterator = watcher.stream(Self.registry + "Watch", ["from_seq": 1]).makeAsyncIterator()
        #expect(try await iterator.next()?["event"]?["seq"] == 2)
        #expect(try await iterator.next()?["event"]?["type"] == "MembershipStarted")
        _ = try await call(client, "LeaveCluster", ["cluster": "aero", "siren": "732829320", "date": "2022-01-01", "reason": "moved"])
        let live = try await iterator.next()?["event"]
        #expect(live?["seq"] == 4)
        #expect(live?["event"]?["reason"] == "moved")
        await watcher.close()
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func onlyRootTheDaemonsUserAndTheWritersGroupMayWrite() async throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            Issue.record("needs root and setpriv to act as another user")
            return
        }
        // nogroup (65534) plays the writers group; a peer outside it may only read.
        let daemon = try await RunningDaemon(extraArguments: ["--writers-group", "nogroup"])
        chmod(daemon.directory.path, 0o755)
        chmod(daemon.socketPath, 0o666)
        let clusterctl = try BuiltProducts.executable("clusterctl")
        chmod(BuiltProducts.directory, 0o755)
        func asNobody(groups: String, _ arguments: [String]) async throws -> ProcessResult {
            try await runToCompletion("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", groups, clusterctl, "--socket", daemon.socketPath] + arguments)
        }
        let add = ["cluster", "add", "x", "--name", "X", "--region", "11"]
        let outsider = try await asNobody(groups: "--clear-groups", ["stats", "--json"])
        #expect(outsider.status == 0, "\(outsider.standardError)")
        let refused = try await runToCompletion("/usr/bin/setpriv", ["--reuid=65534", "--regid=1", "--clear-groups", clusterctl, "--socket", daemon.socketPath] + add)
        #expect(refused.status == 77)
        #expect(refused.standardError.hasPrefix("clusterctl: error: PermissionDenied: "), "\(refused.standardError)")
        #expect(refused.standardError.contains("— writing needs membership of the group 'nogroup'"), "\(refused.standardError)")
        let writer = try await asNobody(groups: "--clear-groups", add)
        #expect(writer.status == 0, "\(writer.standardError)")
        #expect(try await daemon.stop() == 0)
    }
}
