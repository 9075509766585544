import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import EventLog
import Foundation
import Logging
import Testing

/// What a start does with a log that holds people (issue 22, "erasure that holds" and "without
/// the key store"): the log decides who is erased, and a key store that does not fit it is
/// refused with what to do.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 2))))
struct PersonalDataStartTests {
    let tester = PersonID(high: 1, low: 2)
    let contact = PersonID(high: 3, low: 4)

    /// A state directory whose log holds a tester and an erased contact, and the key file.
    func world() async throws -> (directory: TemporaryDirectory, state: String, logID: [UInt8], keyFile: String, wrapping: WrappingKey) {
        let directory = try TemporaryDirectory()
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let log = try EventLog.open(path: state + "/events.log", logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let aero = try Slug("aero", field: "id")
        let siren = try SIREN("732829320")
        let sealed = { (name: PersonalFieldName) in SealedField(name: name, sealed: [1] + [UInt8](repeating: 9, count: 40)) }
        let consent = Consent(purpose: "Tests d’usage", textVersion: "v1", givenOn: try CalendarDate("2020-01-01"), channel: .online)
        let kinds: [EventKind] = [
            .clusterRegistered(ClusterRecord(id: aero, name: "Aero", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)),
            .companyRegistered(CompanyRecord(siren: siren, name: "ACME", naf: try NAFCode("62.01Z"), department: try Department("75"), employees: 3)),
            .testerEnrolled(person: tester, TesterFacts(cluster: aero, department: try Department("94"), enrolledOn: try CalendarDate("2020-01-02"), ageBandAtEnrolment: .from80, consent: consent),
                            fields: [sealed(.name), sealed(.birthYear), sealed(.phone)]),
            .contactAdded(person: contact, siren: siren, fields: [sealed(.name)]),
            .personErased(person: contact, reason: "asked by letter"),
        ]
        _ = try await log.append(kinds.map { EventCodec.encode(Event(kind: $0, recordedAtMicroseconds: 1_600_000_000_000_000, peerUID: 0)) })
        let logID = log.header.logID
        log.close()
        let keyFile = directory.file("wrapping.key")
        let material = (0..<32).map { UInt8($0 * 3 + 5) }
        try Data(material).write(to: URL(fileURLWithPath: keyFile))
        chmod(keyFile, 0o400)
        return (directory, state, logID, keyFile, try WrappingKey(material: material, source: "test"))
    }

    func start(_ state: String, _ directory: TemporaryDirectory, _ extra: [String]) async throws -> ProcessResult {
        try await runToCompletion(
            try BuiltProducts.executable("clusterd"),
            ["--state-dir", state, "--socket", directory.file("refused.sock")] + extra
        )
    }

    @Test func withoutAKeyALogWithPeopleIsRefusedUnlessServedWithoutPersonalData() async throws {
        let world = try await world()
        let refused = try await start(world.state, world.directory, [])
        #expect(refused.status == 78)
        #expect(refused.standardError.contains("the log holds 2 people"), "\(refused.standardError)")
        #expect(refused.standardError.contains("--key-store-key-file") && refused.standardError.contains("--without-personal-data"))
        // With a key but no key store: lost, not to be made anew.
        let lost = try await start(world.state, world.directory, ["--key-store-key-file", world.keyFile])
        #expect(lost.status == 65)
        #expect(lost.standardError.contains("keys.bin does not exist: restore it from a backup"), "\(lost.standardError)")
        #expect(!FileManager.default.fileExists(atPath: world.state + "/" + KeyStore.fileName))
        // Without personal data: it serves, and leaves no key store behind.
        let daemon = try await RunningDaemon(extraArguments: ["--without-personal-data"], directory: world.directory)
        #expect(daemon.process.standardError.contains("serving without personal data"))
        #expect(try await daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: world.state + "/" + KeyStore.fileName))
    }

    /// A key store restored from before the contact's erasure: the start destroys the key again,
    /// for good; the tester's stays.
    @Test func anErasedPersonNeverComesBackFromAnOlderKeyStore() async throws {
        let world = try await world()
        let store = try KeyStore.create(in: try StateDirectory(path: world.state), logID: world.logID, wrappingKey: world.wrapping, nowMicroseconds: 0)
        _ = try store.createKeys(for: [Daemon.subject(tester), Daemon.subject(contact)])
        let path = world.state + "/" + KeyStore.fileName
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let contactEntry = before[(64 + 80)..<(64 + 160)]
        let daemon = try await RunningDaemon(extraArguments: ["--key-store-key-file", world.keyFile], directory: world.directory)
        #expect(daemon.process.standardError.contains("destroyed the keys of people the log says were erased"), "\(daemon.process.standardError)")
        #expect(try await daemon.stop() == 0)
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(after.range(of: contactEntry) == nil)
        #expect(after.range(of: Data(Daemon.subject(contact).bytes)) == nil)
        let reopened = try KeyStore.open(in: try StateDirectory(path: world.state), logID: world.logID, wrappingKey: world.wrapping, logger: nil)
        #expect(reopened.subjects == [Daemon.subject(tester)])
        // And again: nothing left to destroy, nothing said.
        let again = try await RunningDaemon(extraArguments: ["--key-store-key-file", world.keyFile], directory: world.directory)
        #expect(try await again.stop() == 0)
        #expect(!again.process.standardError.contains("destroyed the keys"))
    }

    @Test func aKeyStoreWithoutTheKeyOfALivingPersonIsNotThisLogs() async throws {
        let world = try await world()
        let store = try KeyStore.create(in: try StateDirectory(path: world.state), logID: world.logID, wrappingKey: world.wrapping, nowMicroseconds: 0)
        _ = try store.createKeys(for: [Daemon.subject(contact)])
        let refused = try await start(world.state, world.directory, ["--key-store-key-file", world.keyFile])
        #expect(refused.status == 65)
        #expect(refused.standardError.contains("holds no key for 1 of the 1 people of the log who are not erased (the first: \(tester.text))"), "\(refused.standardError)")
    }
}
