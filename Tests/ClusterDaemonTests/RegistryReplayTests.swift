import ClusterDaemon
import Foundation
import ClusterModel
import ClusterdTestSupport
import EventLog
import Logging
import Testing
import Varlink

/// Replay of a large log runs on two threads; it must build exactly the state that applying the
/// events one by one builds.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 3))))
struct RegistryReplayTests {
    @Test func thePipelinedReplayOfALargeLogEqualsApplyingEveryEvent() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("events.log")
        let log = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        var expected = RegistryState()
        var events: [Event] = [Event(kind: .clusterRegistered(ClusterRecord(id: try Slug("c", field: "id"), name: "C", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)), recordedAtMicroseconds: 1, peerUID: 0)]
        for index in 0..<15_000 {
            let siren = SIREN.withCheckDigit(prefix: UInt32(10_000_000 + index))!
            events.append(Event(kind: .companyRegistered(CompanyRecord(siren: siren, name: "Company \(index)", naf: NAFCode.all[index % 732], department: Department.all[index % 101], employees: Int64(index % 300))), recordedAtMicroseconds: 2, peerUID: 0))
            events.append(Event(kind: .membershipStarted(cluster: try Slug("c", field: "id"), siren: siren, date: CalendarDate(daysSinceEpoch: Int32(15000 + index % 900))), recordedAtMicroseconds: 3, peerUID: 0, requestID: index % 1000 == 0 ? "r\(index)" : nil))
        }
        var sequence: UInt64 = 0
        for chunk in stride(from: 0, to: events.count, by: 10_000) {
            let slice = Array(events[chunk..<min(chunk + 10_000, events.count)])
            let result = try await log.append(slice.map(EventCodec.encode))
            for event in slice {
                sequence += 1
                expected.apply(event, sequence: sequence, commitTimeMicroseconds: result.commitTimeMicroseconds)
            }
        }
        // Pipelined above 10,000 records here (100,000 in the daemon): a size the sanitizer runs
        // replay in seconds, with the reading thread several batches of 4,096 ahead.
        #expect(log.head.recordCount > 30_000)
        let replayed = try RegistryReplay.replay(log, verifyingChecksums: true, pipeliningAbove: 10_000)
        #expect(replayed == expected)
        let partial = try RegistryReplay.replay(log, through: 27_500, verifyingChecksums: false, pipeliningAbove: 10_000)
        #expect(partial.lastSequence == 27_500)
        log.close()
    }
}

/// A log that holds people (written here through the log itself: no method writes them yet).
struct PeopleLogTests {
    static let secret = Array("SECRET-JEANNE".utf8)

    static func sealed(_ name: PersonalFieldName) -> SealedField {
        SealedField(name: name, sealed: [1] + [UInt8](repeating: 0x42, count: 12) + secret + [UInt8](repeating: 0x43, count: 16))
    }

    @Test func theDaemonAndClusterctlReadPeopleAndNeverShowASealedValue() async throws {
        let directory = try TemporaryDirectory()
        let stateDirectory = directory.file("state")
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let path = stateDirectory + "/events.log"
        let log = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let aero = try Slug("aero", field: "id")
        let siren = try SIREN("732829320")
        let tester = PersonID(high: 1, low: 2)
        let contact = PersonID(high: 3, low: 4)
        let consent = Consent(purpose: "Tests d’usage", textVersion: "v1", givenOn: try CalendarDate("2020-01-01"), channel: .paper)
        let kinds: [EventKind] = [
            .clusterRegistered(ClusterRecord(id: aero, name: "Aero", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)),
            .companyRegistered(CompanyRecord(siren: siren, name: "ACME", naf: try NAFCode("62.01Z"), department: try Department("75"), employees: 3)),
            .testerEnrolled(person: tester, TesterFacts(cluster: aero, department: try Department("92"), enrolledOn: try CalendarDate("2020-01-02"), ageBandAtEnrolment: .from75, consent: consent),
                            fields: [Self.sealed(.name), Self.sealed(.birthYear), Self.sealed(.email)]),
            .contactAdded(person: contact, siren: siren, fields: [Self.sealed(.name)]),
            .personErased(person: contact, reason: "asked by letter"),
        ]
        _ = try await log.append(kinds.map { EventCodec.encode(Event(kind: $0, recordedAtMicroseconds: 1_600_000_000_000_000, peerUID: 0)) })
        log.close()

        // No key store here: the daemon serves it without personal data (PersonalDataStartTests).
        let daemon = try await RunningDaemon(extraArguments: ["--without-personal-data"], directory: directory)
        let client = try await VarlinkClient.connect(to: daemon.socketPath)
        let status = try await client.call("org.clusterd.Registry.GetStatus")
        await client.close()
        #expect(status["last_seq"]?.intValue == 5)
        #expect(try await daemon.stop() == 0)

        let clusterctl = try BuiltProducts.executable("clusterctl")
        let dump = try await runToCompletion(clusterctl, ["log", "dump", "--log", path])
        #expect(dump.status == 0, "\(dump.standardError)")
        #expect(dump.standardOutput.contains(#""personal_fields":["birth_year","email","name"]"#))
        #expect(dump.standardOutput.contains(tester.text) && dump.standardOutput.contains(#""type":"PersonErased""#))
        #expect(!dump.standardOutput.contains("SECRET"))
        #expect(!dump.standardOutput.lowercased().contains(ChainHash.hexString(Self.secret)))
        let history = try await runToCompletion(clusterctl, ["--log", path, "history", "aero"])
        #expect(history.standardOutput.contains("\(tester.text) enrolled as a tester of aero"), "\(history.standardOutput)\(history.standardError)")
        #expect(try await runToCompletion(clusterctl, ["verify", "--log", path]).status == 0)

        // An erasure of nobody, written after them (as a resealed log would hold): the start stops
        // and names the record.
        let again = try EventLog.open(path: path, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        _ = try await again.append([EventCodec.encode(Event(kind: .personErased(person: contact, reason: nil), recordedAtMicroseconds: 1_600_000_000_000_001, peerUID: 0))])
        again.close()
        let refused = try await runToCompletion(
            try BuiltProducts.executable("clusterd"), ["--state-dir", stateDirectory, "--socket", directory.file("again.sock"), "--without-personal-data"]
        )
        #expect(refused.status == 65)
        #expect(refused.standardError.contains("record 6 (PersonErased) breaks a rule of the registry: PersonErased(person=\(contact.text))"), "\(refused.standardError)")
    }
}
