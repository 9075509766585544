import ClusterdTestSupport
import EventLog
import Foundation
import Testing
import Varlink

/// People through the real daemon (issue 22): enrolled with their fields sealed, read back by
/// root, erased for good — nothing of them left in clear under the state directory, before or
/// after, and the chain intact.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct PeopleDaemonTests {
    static let registry = "org.clusterd.Registry."
    static let name = "Jeanne Testeuse-Unique"
    static let email = "jeanne.unique-7Q@example.org"

    func call(_ client: VarlinkClient, _ method: String, _ parameters: [String: JSONValue] = [:]) async throws -> [String: JSONValue] {
        try await client.call(Self.registry + method, parameters)
    }

    func keyFile(_ directory: TemporaryDirectory) throws -> String {
        let path = directory.file("wrapping.key")
        try Data((0..<32).map { UInt8($0 * 5 + 1) }).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o400)
        return path
    }

    /// Every byte of every file under `directory`.
    func everyFile(under directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: directory) {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    func expectNothingInClear(under directory: String, _ comment: String) throws {
        for (name, bytes) in try everyFile(under: directory) {
            for secret in [Self.name, Self.email, "Testeuse", "7Q@example"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(comment): \(secret) in \(name)")
            }
        }
    }

    static let enrolment: [String: JSONValue] = [
        "cluster": "silver-valley", "department": "92", "enrolled_on": "2020-03-01", "name": .string(name), "birth_year": 1948,
        "email": .string(email), "consent": ["purpose": "Tests d’usage", "text_version": "v1", "given_on": "2020-02-20", "channel": "paper"],
    ]

    @Test func aTesterIsEnrolledReadAndErasedWithNothingLeftInClear() async throws {
        let keys = try TemporaryDirectory()
        let key = try keyFile(keys)
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", key])
        var client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        let enrolled = try await call(client, "EnrollTester", Self.enrolment)
        let person = try #require(enrolled["person"]?.stringValue)
        #expect(person.hasPrefix("p-") && person.count == 28)

        // Root reads the fields; the age band is today's (born 1948).
        let read = try #require(try await call(client, "GetPerson", ["person": .string(person)])["person"]?.objectValue)
        #expect(read["name"] == .string(Self.name) && read["email"] == .string(Self.email) && read["birth_year"] == 1948)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let lower = min((utc.component(.year, from: Date()) - 1948 - 60) / 5 * 5 + 60, 90)
        #expect(read["age_band"] == .string(lower == 90 ? "90+" : "\(lower)-\(lower + 4)") && read["age_band_basis"] == "birth_year")
        #expect(read["erased"] == false && read["kind"] == "tester")
        try expectNothingInClear(under: daemon.stateDirectory, "after the enrolment")

        // A reader outside the privacy group (nobody) gets the person without personal fields.
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
            chmod(daemon.directory.path, 0o755)
            chmod(daemon.socketPath, 0o666)
            let script = """
                import json, socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
                s.sendall(json.dumps({"method": "org.clusterd.Registry.GetPerson", "parameters": {"person": sys.argv[2]}}).encode() + b"\\0")
                reply = b""
                while not reply.endswith(b"\\0"):
                    reply += s.recv(65536)
                print(json.dumps(json.loads(reply[:-1])["parameters"]["person"], sort_keys=True))
                """
            let reader = try await runToCompletion(
                "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, daemon.socketPath, person]
            )
            #expect(reader.status == 0, "\(reader.standardError)")
            #expect(reader.standardOutput.contains("\"age_band\"") && reader.standardOutput.contains("\"cluster\": \"silver-valley\""), "\(reader.standardOutput)")
            let shown = try JSONParser.parse(reader.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
            for key in ["name", "email", "phone", "birth_year"] {
                #expect(shown[key] == nil, "\(key) shown to a reader: \(reader.standardOutput)")
            }
            #expect(shown["withheld"] == ["birth_year", "email", "name"])
            #expect(!reader.standardOutput.contains(Self.name) && !reader.standardOutput.contains(Self.email))
        }

        // Refusals that name their field.
        var young = Self.enrolment
        young["birth_year"] = 1970
        await #expect { try await call(client, "EnrollTester", young) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "birth_year"
        }
        var unreachable = Self.enrolment
        unreachable["email"] = nil
        await #expect { try await call(client, "EnrollTester", unreachable) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "email"
        }

        // Erased: the key is gone, the fields too, the chain intact.
        let storeBefore = try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin"))
        _ = try await call(client, "ErasePerson", ["person": .string(person), "reason": "asked by letter"])
        let erased = try #require(try await call(client, "GetPerson", ["person": .string(person)])["person"]?.objectValue)
        #expect(erased["erased"] == true && erased["name"] == nil && erased["email"] == nil && erased["erased_at"] != nil)
        #expect(erased["age_band"] == "70-74" && erased["age_band_basis"] == "enrolment", "the band at enrolment, the birth year being unreadable")
        await #expect { try await call(client, "ErasePerson", ["person": .string(person)]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "PersonErased"
        }
        let storeAfter = try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin"))
        #expect(storeBefore.count > 64 && storeBefore[64...].contains { $0 != 0 })
        #expect(!storeAfter.dropFirst(64).contains { $0 != 0 }, "the one entry overwritten with zeros")
        await client.close()
        #expect(try await daemon.stop() == 0)
        try expectNothingInClear(under: daemon.stateDirectory, "after the erasure")
        let verify = try await runToCompletion(try BuiltProducts.executable("clusterctl"), ["verify", "--log", daemon.stateDirectory + "/events.log"])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")

        // A restart, with the key store from before the erasure put back: still erased.
        try storeBefore.write(to: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin"))
        let again = try await RunningDaemon(extraArguments: ["--key-store-key-file", key], directory: daemon.directory)
        client = try await VarlinkClient.connect(to: again.socketPath)
        let restarted = try #require(try await call(client, "GetPerson", ["person": .string(person)])["person"]?.objectValue)
        #expect(restarted["erased"] == true && restarted["name"] == nil)
        await #expect { try await call(client, "GetPerson", ["person": "p-aaaaaaaaaaaaaaaaaaaaaaaaab"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "UnknownPerson"
        }
        await client.close()
        #expect(try await again.stop() == 0)
        #expect(again.process.standardError.contains("destroyed the keys of people the log says were erased"))
        // Nothing personal in what the daemon logged.
        for output in [daemon.process.standardError, again.process.standardError] {
            #expect(!output.contains("Testeuse") && !output.contains("7Q@example"))
        }
    }

    @Test func withoutPersonalDataNobodyIsEnrolled() async throws {
        let daemon = try await RunningDaemon(extraArguments: ["--without-personal-data"])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        await #expect { try await call(client, "EnrollTester", Self.enrolment) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "PersonalDataUnavailable"
        }
        await client.close()
        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.stateDirectory + "/keys.bin"))
    }
}
