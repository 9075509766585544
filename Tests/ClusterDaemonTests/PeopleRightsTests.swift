import ClusterdTestSupport
import Foundation
import Testing
import Varlink

/// The people's other methods through the real daemon and clusterctl: no key spent on a refused
/// or retried call, rectification, export, the list and the statistics of a cluster's testers.
extension PeopleDaemonTests {
    /// The key store's entries that hold a key (an erased slot is all zeros).
    func liveEntries(_ daemon: RunningDaemon) throws -> Int {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin")))
        return stride(from: 64, to: bytes.count, by: 80).filter { bytes[$0..<min($0 + 80, bytes.count)].contains { $0 != 0 } }.count
    }

    func tester(_ name: String, born: Int, department: String = "92") -> [String: JSONValue] {
        var enrolment = Self.enrolment
        enrolment["name"] = .string(name)
        enrolment["email"] = .string(name.lowercased().replacingOccurrences(of: " ", with: ".") + "@example.org")
        enrolment["birth_year"] = .int(Int64(born))
        enrolment["department"] = .string(department)
        return enrolment
    }

    @Test func aRefusedOrRetriedEnrolmentSpendsNoKey() async throws {
        let keys = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", try keyFile(keys)])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        _ = try await call(client, "EnrollTester", tester("Anne Premier", born: 1950))
        let store = try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin"))

        // Refused by the registry's rules: checked before a key is made.
        var elsewhere = tester("Bruno Refus", born: 1950)
        elsewhere["cluster"] = "nowhere"
        await #expect { try await call(client, "EnrollTester", elsewhere) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "UnknownCluster"
        }
        _ = try await call(client, "RegisterCluster", ["id": "gone", "name": "Gone", "regions": ["11"], "departments": ["94"]])
        _ = try await call(client, "DissolveCluster", ["id": "gone", "date": "2020-01-01"])
        var dissolved = tester("Bruno Refus", born: 1950)
        dissolved["cluster"] = "gone"
        await #expect { try await call(client, "EnrollTester", dissolved) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "enrolled_on"
        }
        await #expect { try await call(client, "AddContact", ["siren": "732829320", "name": "Bruno Refus"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "UnknownCompany"
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin")) == store, "a refused call wrote to the key store")

        // A retry returns the first person and leaves one key for them.
        var retried = tester("Chantal Retry", born: 1944)
        retried["request_id"] = "enrol-chantal"
        let first = try await call(client, "EnrollTester", retried)
        let second = try await call(client, "EnrollTester", retried)
        #expect(first["person"] != nil && second["person"] == first["person"] && second["seq"] == first["seq"])
        #expect(try liveEntries(daemon) == 2)
        let status = try await call(client, "GetStatus")
        #expect(status["last_seq"] == first["seq"], "the retry wrote an event")

        // An erasure retried with its request id answers the first erasure.
        let person = try #require(first["person"])
        let erased = try await call(client, "ErasePerson", ["person": person, "request_id": "erase-chantal"])
        #expect(try await call(client, "ErasePerson", ["person": person, "request_id": "erase-chantal"])["seq"] == erased["seq"])
        #expect(try liveEntries(daemon) == 1)
        await client.close()
        #expect(try await daemon.stop() == 0)
    }

    @Test func rectifiedExportedListedAndCounted() async throws {
        let keys = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", try keyFile(keys)])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        // Six in the Hauts-de-Seine, one in Paris; on 2020-11-15 four are 70-74, two 80-84, one 60-64.
        var ids: [JSONValue] = []
        for (name, born, department) in [
            ("Denise Un", 1948, "92"), ("Emile Deux", 1947, "92"), ("Fanny Trois", 1946, "92"), ("Gaston Quatre", 1950, "92"),
            ("Hélène Cinq", 1937, "92"), ("Irène Six", 1936, "92"), ("Jules Sept", 1958, "75"),
        ] {
            ids.append(try #require(try await call(client, "EnrollTester", tester(name, born: born, department: department))["person"]))
        }
        let socket = ["--socket", daemon.socketPath]
        let stats = try await runToCompletion(try BuiltProducts.executable("clusterctl"), socket + ["testers", "stats", "silver-valley", "--on", "2020-11-15", "--json"])
        #expect(stats.status == 0, "\(stats.standardError)")
        let counted = try #require(try JSONParser.parse(stats.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))["stats"])
        #expect(counted["testers"] == 7 && counted["erased"] == 0)
        #expect(counted["by_department"] == [["key": "75", "suppressed": true], ["key": "92", "suppressed": false, "testers": 6]])
        #expect(counted["by_age_band"] == [
            ["key": "60-64", "suppressed": true], ["key": "70-74", "suppressed": true], ["key": "80-84", "suppressed": true],
        ])

        // Rectified: a new e-mail address, and a birth year that moves the band at enrolment.
        let rectify = try await runToCompletion(
            try BuiltProducts.executable("clusterctl"),
            socket + ["people", "rectify", try #require(ids[6].stringValue), "--email", "jules.s@example.net", "--birth-year", "1949", "--department", "92"]
        )
        #expect(rectify.status == 0 && rectify.standardOutput.contains("rectified"), "\(rectify.standardError)")
        let jules = try #require(try await call(client, "GetPerson", ["person": ids[6]])["person"])
        #expect(jules["email"] == "jules.s@example.net" && jules["birth_year"] == 1949 && jules["department"] == "92" && jules["name"] == "Jules Sept")
        await #expect { try await call(client, "RectifyPerson", ["person": ids[6], "birth_year": 1970]) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "birth_year"
        }
        await #expect { try await call(client, "RectifyPerson", ["person": ids[6], "role": "CEO"]) } throws: { error in
            (error as? VarlinkError)?.parameters["field"] == "role"
        }
        let after = try #require(try await call(client, "GetTesterStats", ["cluster": "silver-valley", "on": "2020-11-15"])["stats"])
        #expect(after["by_department"] == [["key": "92", "suppressed": false, "testers": 7]])
        // Jules, born 1949, is now the fifth 70-74: that cell is shown.
        #expect(after["by_age_band"] == [["key": "70-74", "suppressed": false, "testers": 5], ["key": "80-84", "suppressed": true]])

        // The list, in enrolment order, with the fields for root; nobody enrolled before 2020.
        let list = try await call(client, "ListTesters", ["cluster": "silver-valley", "on": "2020-11-15"])
        #expect(list["total"] == 7 && list["testers"]?.arrayValue?.map { $0["id"] } == ids)
        #expect(list["testers"]?.at(0)?["name"] == "Denise Un" && list["testers"]?.at(0)?["age_band"] == "70-74")
        #expect(try await call(client, "ListTesters", ["cluster": "silver-valley", "on": "2019-12-31"])["total"] == 0)

        // The export: the person, why they are held, and their two events, values never in them.
        let exported = try await runToCompletion(try BuiltProducts.executable("clusterctl"), socket + ["people", "export", try #require(ids[6].stringValue)])
        #expect(exported.status == 0, "\(exported.standardError)")
        let export = try JSONParser.parse(exported.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(export["person"]?["email"] == "jules.s@example.net")
        #expect(export["purposes"]?.arrayValue?.count == 2)
        #expect(export["events"]?.arrayValue?.map { $0["type"] } == ["TesterEnrolled", "PersonRectified"])
        #expect(export["events"]?.at(1)?["event"]?["age_band_at_enrolment"] == "70-74")
        #expect(export["events"]?.at(1)?["event"]?["personal_fields"] == ["birth_year", "email"] && export["events"]?.at(1)?["event"]?["email"] == nil)

        // The table for people, and a refusal that says what to do instead.
        let table = try await runToCompletion(try BuiltProducts.executable("clusterctl"), socket + ["testers", "list", "silver-valley", "--on", "2020-11-15"])
        #expect(table.status == 0 && table.standardOutput.contains("Denise Un") && table.standardOutput.contains("age band"), "\(table.standardError)")

        // From the log file alone: the same people and counts, personal fields withheld, every
        // band the one at enrolment (in 2020 the same as on the day); an export needs the daemon.
        let log = ["--log", daemon.stateDirectory + "/events.log"]
        func offline(_ arguments: [String]) async throws -> JSONValue {
            let result = try await runToCompletion(try BuiltProducts.executable("clusterctl"), log + arguments + ["--json"])
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            return try JSONParser.parse(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let first = try #require(ids[0].stringValue)
        let shown = try #require(try await offline(["people", "show", first])["person"])
        #expect(shown["name"] == nil && shown["withheld"] == ["birth_year", "email", "name"] && shown["age_band"] == "70-74" && shown["age_band_basis"] == "enrolment", "\(shown)")
        let replayed = try #require(try await offline(["testers", "stats", "silver-valley", "--on", "2020-11-15"])["stats"])
        #expect(replayed["age_band_basis"] == "enrolment" && after["age_band_basis"] == "birth_year")
        for key in ["testers", "erased", "by_department", "by_campaign", "by_age_band"] {
            #expect(replayed[key] == after[key], "\(key): \(String(describing: replayed[key])) offline, \(String(describing: after[key])) from the daemon")
        }
        let listed = try await offline(["testers", "list", "silver-valley", "--on", "2020-11-15"])
        #expect(listed["total"] == 7 && listed["testers"]?.arrayValue?.allSatisfy { $0["name"] == nil && $0["withheld"] != nil } == true)
        #expect(try await offline(["privacy", "requests"])["requests"] == [])
        // In 2030 the daemon's bands follow the birth years; the log's stay those at enrolment.
        let later = try #require(try await call(client, "GetTesterStats", ["cluster": "silver-valley", "on": "2030-01-01"])["stats"])
        #expect(later["by_age_band"] == [["key": "80-84", "suppressed": false, "testers": 5], ["key": "90+", "suppressed": true]])
        #expect(try await offline(["testers", "stats", "silver-valley", "--on", "2030-01-01"])["stats"]?["by_age_band"] == after["by_age_band"])
        let refused = try await runToCompletion(try BuiltProducts.executable("clusterctl"), log + ["people", "export", first])
        #expect(refused.status == 64 && refused.standardError.contains("exported by the daemon"), "\(refused.standardError)")
        await client.close()
        #expect(try await daemon.stop() == 0)
        try expectNothingInClear(under: daemon.stateDirectory, "after the rectification")
    }
    @Test func campaignsCountTheirTestersAndKeepCommentsSealed() async throws {
        let keys = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", try keyFile(keys)])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        _ = try await call(client, "RegisterCompany", ["siren": "732829320", "name": "Loupe SAS", "naf": "62.01Z", "department": "94", "employees": 12])
        _ = try await call(client, "OpenCampaign", [
            "id": "loupe-2020", "cluster": "silver-valley", "kind": "innovation", "siren": "732829320", "title": "Une loupe connectée",
            "starts_on": "2020-03-17", "ends_on": "2020-05-11",
        ])
        var ids: [JSONValue] = []
        for (index, born) in [1948, 1947, 1946, 1945, 1950, 1936].enumerated() {
            ids.append(try #require(try await call(client, "EnrollTester", tester("Testeur Numéro\(index)", born: born))["person"]))
        }
        for (index, rating) in [4, 5, 3, 4, 5].enumerated() {
            _ = try await call(client, "RecordParticipation", [
                "campaign": "loupe-2020", "person": ids[index], "on": "2020-04-02", "rating": .int(Int64(rating)), "comment": "Très pratique, Zéphyrine",
            ])
        }
        await #expect { try await call(client, "RecordParticipation", ["campaign": "loupe-2020", "person": ids[0], "on": "2020-04-03"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "AlreadyExists"
        }
        // The sixth withdraws, through clusterctl: from that day on, no campaign.
        let withdraw = try await runToCompletion(
            try BuiltProducts.executable("clusterctl"),
            ["--socket", daemon.socketPath, "people", "withdraw", try #require(ids[5].stringValue), "--on", "2020-04-01", "--channel", "phone"]
        )
        #expect(withdraw.status == 0, "\(withdraw.standardError)")
        await #expect { try await call(client, "RecordParticipation", ["campaign": "loupe-2020", "person": ids[5], "on": "2020-04-02"]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "ConsentWithdrawn" && (error as? VarlinkError)?.parameters["on"] == "2020-04-01"
        }
        #expect(try await call(client, "GetPerson", ["person": ids[5]])["person"]?["withdrawn_on"] == "2020-04-01")
        #expect(try await call(client, "GetPerson", ["person": ids[0]])["person"]?["campaigns"] == 1)

        let expected: JSONValue = [[
            "campaign": "loupe-2020", "kind": "innovation", "title": "Une loupe connectée", "testers": 5, "rated": 5, "mean_rating": 4.2, "suppressed": false,
        ]]
        let stats = try await call(client, "GetTesterStats", ["cluster": "silver-valley", "on": "2020-11-15"])
        #expect(stats["stats"]?["by_campaign"] == expected)
        #expect(try await call(client, "GetTesterStats", ["cluster": "silver-valley", "on": "2020-04-01"])["stats"]?["by_campaign"] == [[
            "campaign": "loupe-2020", "kind": "innovation", "title": "Une loupe connectée", "suppressed": true,
        ]])
        // An erased tester's participation still counts; their comment is gone with their key.
        _ = try await call(client, "ErasePerson", ["person": ids[0]])
        #expect(try await call(client, "GetTesterStats", ["cluster": "silver-valley", "on": "2020-11-15"])["stats"]?["by_campaign"] == expected)
        await client.close()
        #expect(try await daemon.stop() == 0)
        for (name, bytes) in try everyFile(under: daemon.stateDirectory) {
            #expect(bytes.range(of: Data("Zéphyrine".utf8)) == nil, "a comment in clear in \(name)")
        }
    }
    @Test func anImportOfPeopleIsAtomicAndSpendsKeysOnlyOnWhatItWrites() async throws {
        let keys = try TemporaryDirectory()
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", try keyFile(keys)])
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        _ = try await call(client, "RegisterCluster", ["id": "silver-valley", "name": "Silver Valley", "regions": ["11"], "departments": ["94"]])
        _ = try await call(client, "EnrollTester", tester("Premier Inscrit", born: 1950))
        let store = try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin"))
        var commands: [JSONValue] = [
            ["method": "RegisterCompany", "parameters": ["siren": "732829320", "name": "Loupe SAS", "naf": "62.01Z", "department": "94", "employees": 12]],
            ["method": "OpenCampaign", "parameters": [
                "id": "loupe", "cluster": "silver-valley", "kind": "innovation", "siren": "732829320", "title": "Loupe",
                "starts_on": "2020-03-17", "ends_on": "2020-05-11",
            ]],
            ["method": "AddContact", "parameters": ["siren": "732829320", "name": "Zoé Fondatrice", "role": "fondatrice", "email": "zoe@example.org"]],
        ]
        for index in 0..<5 { commands.append(["method": "EnrollTester", "parameters": .object(tester("Importé Numéro\(index)", born: 1945 + index))]) }

        // One command refused: nothing written, no key made, the command named.
        var refused = commands
        var stranger = tester("Importé Ailleurs", born: 1950)
        stranger["cluster"] = "nowhere"
        refused.insert(["method": "EnrollTester", "parameters": .object(stranger)], at: 4)
        await #expect { try await call(client, "Import", ["commands": .array(refused)]) } throws: { error in
            (error as? VarlinkError)?.name == Self.registry + "UnknownCluster" && (error as? VarlinkError)?.parameters["command"] == 4
        }
        var malformed = commands
        malformed.append(["method": "EnrollTester", "parameters": ["cluster": "silver-valley"]])
        await #expect { try await call(client, "Import", ["commands": .array(malformed)]) } throws: { error in
            (error as? VarlinkError)?.parameters["command"] == 8
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin")) == store)

        // CheckImport names every refusal, a participation of nobody's included; no key, no event.
        var checked = refused
        checked.append(["method": "RecordParticipation", "parameters": ["campaign": "loupe", "person": "p-aaaaaaaaaaaaaaaaaaaaaaaaab", "on": "2020-04-01"]])
        let check = try await call(client, "CheckImport", ["commands": .array(checked)])
        #expect(check["refused_count"] == 2 && check["events"] == 8, "\(check)")
        #expect(check["refused"]?.arrayValue?.map { $0["command"] } == [4, 9] && check["refused"]?.at(1)?["error"] == .string(Self.registry + "UnknownPerson"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: daemon.stateDirectory + "/keys.bin")) == store)
        #expect(try await call(client, "GetStatus")["last_seq"] == check["seq"])

        // Accepted, then retried: the same result, one key per person.
        let imported = try await call(client, "Import", ["commands": .array(commands), "request_id": "people-1"])
        #expect(imported["events"] == 8)
        #expect(try await call(client, "Import", ["commands": .array(commands), "request_id": "people-1"])["events"] == 0)
        #expect(try liveEntries(daemon) == 7)
        let listed = try await call(client, "ListTesters", ["cluster": "silver-valley"])
        let ids = (listed["testers"]?.arrayValue ?? []).compactMap { $0["id"] }
        #expect(ids.count == 6 && listed["testers"]?.at(5)?["name"] == "Importé Numéro4")

        // Participations by import: the comment sealed, the band computed by the daemon.
        let parts: [JSONValue] = ids.dropFirst().map { ["method": "RecordParticipation", "parameters": ["campaign": "loupe", "person": $0, "on": "2020-04-01", "rating": 5, "comment": "Formidable, Zéphyrine"]] }
        #expect(try await call(client, "Import", ["commands": .array(parts)])["events"] == 5)
        let stats = try await call(client, "GetTesterStats", ["cluster": "silver-valley", "on": "2020-11-15"])
        #expect(stats["stats"]?["by_campaign"]?.at(0)?["testers"] == 5 && stats["stats"]?["by_campaign"]?.at(0)?["mean_rating"] == 5.0)
        await client.close()
        #expect(try await daemon.stop() == 0)
        for (name, bytes) in try everyFile(under: daemon.stateDirectory) {
            for secret in ["Zéphyrine", "Zoé Fondatrice", "Importé"] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in clear in \(name)")
            }
        }
    }
}

extension JSONValue {
    /// The element at `index` of an array, or nil.
    fileprivate func at(_ index: Int) -> JSONValue? {
        arrayValue.flatMap { index < $0.count ? $0[index] : nil }
    }
}
