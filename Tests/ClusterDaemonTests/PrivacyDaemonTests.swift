import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// People's requests and the retention of their data, through the real daemon and clusterctl
/// (docs/privacy.md): recorded with their one-month deadline, answered by the call that gives
/// them effect, listed; retention erases who is due, logs how many and never who.
extension PeopleDaemonTests {
    func clusterctl(_ arguments: [String]) async throws -> ProcessResult {
        try await runToCompletion(try BuiltProducts.executable("clusterctl"), arguments)
    }

    @Test func privacyRequestsAreRecordedAnsweredAndListedWithTheirDeadlines() async throws {
        let keys = try TemporaryDirectory()
        let arguments = ["--key-store-key-file", try keyFile(keys)]
        let daemon = try await RunningDaemon(extraArguments: arguments)
        let socket = ["--socket", daemon.socketPath]
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        let person = try #require(try await call(client, "EnrollTester", tester("Anne Demande", born: 1950))["person"])
        let erasure = try #require(try await call(client, "RecordPrivacyRequest", ["person": person, "right": "erasure", "received_on": "2020-11-20", "channel": "paper"])["seq"]?.intValue)
        let asked = try await clusterctl(socket + ["privacy", "request", try #require(person.stringValue), "--right", "access", "--received", "2020-01-31", "--channel", "online"])
        #expect(asked.status == 0 && asked.standardOutput.contains("to answer by 2020-02-29"), "\(asked.standardOutput)\(asked.standardError)")
        let access = erasure + 1

        // On 2020-12-01 the access request (due 2020-02-29) is overdue, the erasure (due 2020-12-20) open.
        let listed = try await call(client, "ListPrivacyRequests", ["on": "2020-12-01"])
        #expect(listed["open"] == 2 && listed["overdue"] == 1)
        #expect(listed["requests"]?.arrayValue?.map { $0["status"] } == ["open", "overdue"])
        #expect(listed["requests"]?.arrayValue?.first?["deadline"] == "2020-12-20" && listed["requests"]?.arrayValue?.first?["request"] == .int(erasure))

        // Answered by the call that gives the right effect, and only by one that does.
        await #expect { try await call(client, "ErasePerson", ["person": person, "request": .int(access)]) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "request"
        }
        await #expect { try await call(client, "AnswerPrivacyRequest", ["request": .int(erasure), "outcome": "done"]) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "outcome"
        }
        let exported = try await clusterctl(socket + ["people", "export", try #require(person.stringValue), "--request", String(access)])
        #expect(exported.status == 0 && exported.standardOutput.contains("Anne Demande") && exported.standardError.contains("answered request \(access)"), "\(exported.standardError)")
        let erased = try await clusterctl(socket + ["people", "erase", try #require(person.stringValue), "--request", String(erasure)])
        #expect(erased.status == 0, "\(erased.standardError)")
        await #expect { try await call(client, "AnswerPrivacyRequest", ["request": .int(erasure), "outcome": "refused", "reason": "late"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "AlreadyExists"
        }
        let answered = try await call(client, "ListPrivacyRequests", ["on": "2020-12-01"])
        #expect(answered["open"] == 0 && answered["requests"]?.arrayValue?.map { $0["status"] } == ["done", "done"])
        #expect(try await call(client, "ListPrivacyRequests", ["open": true])["requests"] == [])
        let table = try await clusterctl(socket + ["privacy", "requests"])
        #expect(table.status == 0 && table.standardOutput.contains("0 open requests, 0 overdue"), "\(table.standardOutput)\(table.standardError)")
        await client.close()
        #expect(try await daemon.stop() == 0)

        // Kept across a restart; nothing personal in what the daemon logged.
        let restarted = try await RunningDaemon(extraArguments: arguments, directory: daemon.directory)
        let again = try await VarlinkClient.connect(to: restarted.socketPath)
        #expect(try await call(again, "ListPrivacyRequests", ["on": "2020-12-01"])["requests"] == answered["requests"])
        await again.close()
        #expect(try await restarted.stop() == 0)
        for text in [daemon.process.standardError, restarted.process.standardError] {
            #expect(!text.contains("Anne") && !text.contains("anne.demande"), "\(text)")
        }
    }

    @Test func retentionErasesWhoIsDueAndLogsHowManyNotWho() async throws {
        let keys = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", try keyFile(keys), "--retention-years", "3"])
        let socket = ["--socket", daemon.socketPath]
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        for (siren, name) in [("732829320", "Gone Ltd"), ("552100554", "Still There")] {
            _ = try await call(client, "RegisterCompany", ["siren": .string(siren), "name": .string(name), "naf": "62.01Z", "department": "94", "employees": 12])
            _ = try await call(client, "JoinCluster", ["cluster": "silver-valley", "siren": .string(siren), "date": "2010-01-01"])
        }
        _ = try await call(client, "LeaveCluster", ["cluster": "silver-valley", "siren": "732829320", "date": "2015-06-01"])
        // Enrolled in 2020 with nothing since: due. Enrolled in 2024: not yet.
        let old = try #require(try await call(client, "EnrollTester", tester("Albert Ancien", born: 1950))["person"])
        var recent = tester("Rose Recente", born: 1955)
        recent["enrolled_on"] = "2024-06-01"
        recent["consent"] = ["purpose": "Tests d’usage", "text_version": "v2", "given_on": "2024-05-20", "channel": "online"]
        let young = try #require(try await call(client, "EnrollTester", recent)["person"])
        let gone = try #require(try await call(client, "AddContact", ["siren": "732829320", "name": "Gaston Parti", "email": "gaston@example.org"])["person"])
        let kept = try #require(try await call(client, "AddContact", ["siren": "552100554", "name": "Marie Restee", "email": "marie@example.org"])["person"])

        let dry = try await clusterctl(socket + ["privacy", "retention", "--dry-run", "--json"])
        #expect(dry.status == 0, "\(dry.standardError)")
        let due = try JSONParser.parse(dry.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(due["due"]?.arrayValue?.map { $0["person"] } == [old, gone])
        let contact = due["due"]?.arrayValue?.last
        #expect(contact?["activity"] == "company 732829320 left its last cluster" && contact?["due_on"] == "2018-06-01")
        #expect(due["erased"] == 0 && due["retention_years"] == 3)
        let past = try await clusterctl(socket + ["privacy", "retention", "--dry-run", "--on", "2018-05-31"])
        #expect(past.status == 0 && past.standardOutput.contains("0 people due for erasure after 3 years; nothing erased"), "\(past.standardOutput)")
        await #expect { try await call(client, "ApplyRetention", ["on": "2030-01-01"]) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "on"
        }
        #expect(try liveEntries(daemon) == 4, "the dry runs erased someone")

        let applied = try await clusterctl(socket + ["privacy", "retention"])
        #expect(applied.status == 0 && applied.standardOutput.contains("erased 2 people whose retention of 3 years had run out"), "\(applied.standardOutput)\(applied.standardError)")
        for (person, erased) in [(old, true), (young, false), (gone, true), (kept, false)] {
            #expect(try await call(client, "GetPerson", ["person": person])["person"]?["erased"] == .bool(erased))
        }
        #expect(try liveEntries(daemon) == 2)
        let second = try await clusterctl(socket + ["privacy", "retention"])
        #expect(second.standardOutput.contains("erased 0 people"), "\(second.standardOutput)")
        await client.close()
        #expect(try await daemon.stop() == 0)
        let logged = daemon.process.standardError
        #expect(logged.contains("retention erased 2 people (1 testers, 1 contacts)"), "\(logged)")
        for secret in ["Albert", "Gaston", "gaston@example.org", old.stringValue ?? "-", gone.stringValue ?? "-"] {
            #expect(!logged.contains(secret), "the log names \(secret)")
        }
    }

    /// No personal value in what the daemon logs (at debug level too) or in its errors: every
    /// call here carries the same distinctive values, rightly or wrongly.
    @Test func noPersonalValueInTheLogOrInAnError() async throws {
        let keys = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", try keyFile(keys), "--log-level", "debug"])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        var enrolment = tester("Zéphyrine Quillacq", born: 1950)
        let person = try #require(try await call(client, "EnrollTester", enrolment)["person"])
        var errors: [String] = []
        func refused(_ method: String, _ parameters: [String: JSONValue]) async {
            do {
                _ = try await call(client, method, parameters)
                errors.append("\(method) was accepted")
            } catch {
                errors.append("\(error)")
            }
        }
        enrolment["email"] = "Zéphyrine Quillacq chez elle"
        await refused("EnrollTester", enrolment)
        enrolment["email"] = nil
        enrolment["phone"] = "Quillacq 01 23"
        await refused("EnrollTester", enrolment)
        enrolment["phone"] = nil
        enrolment["name"] = .string(String(repeating: "Quillacq ", count: 40))
        await refused("EnrollTester", enrolment)
        enrolment["birth_year"] = 1990
        await refused("EnrollTester", enrolment)
        await refused("RectifyPerson", ["person": person, "email": "Quillacq@", "name": "Zéphyrine Quillacq"])
        await refused("RectifyPerson", ["person": person, "role": "Quillacq"])
        await refused("AddContact", ["siren": "732829320", "name": "Zéphyrine Quillacq", "email": "zephyrine.quillacq@example.org"])
        await refused("Import", ["commands": [["method": "AddContact", "parameters": ["siren": "732829320", "name": "Zéphyrine Quillacq"]]]])
        _ = try await call(client, "ErasePerson", ["person": person, "reason": "asked by letter"])
        await refused("RectifyPerson", ["person": person, "name": "Zéphyrine Quillacq"])
        #expect(errors.count == 9 && !errors.contains { $0.hasSuffix("was accepted") }, "\(errors.count): \(errors)")
        await client.close()
        #expect(try await daemon.stop() == 0)
        for text in errors + [daemon.process.standardError, daemon.process.standardOutput] {
            for secret in ["Quillacq", "Zéphyrine", "quillacq", "1990"] {
                #expect(!text.contains(secret), "\(secret) in: \(text)")
            }
        }
    }
}
