import ClusterModel
import Testing

/// People's requests about their data and the retention rules (docs/privacy.md): the deadline's
/// calendar, the events, the rules of an answer, snapshots, and who is due for erasure.
struct PrivacyRequestTests {
    static let tester = PeopleTests.tester
    static let contact = PeopleTests.contact

    func applying(_ commands: [Command], to state: RegistryState) throws -> RegistryState {
        try ClusterModelTests.applying(commands, to: state, context: PeopleTests.context)
    }

    func refusal(_ command: Command, on state: RegistryState) -> String {
        do {
            _ = try decide(command, state: state, context: PeopleTests.context)
            return "accepted"
        } catch {
            return error.description
        }
    }

    static func record(_ right: PrivacyRight, _ day: String) -> PrivacyRequestRecord {
        PrivacyRequestRecord(right: right, receivedOn: try! CalendarDate(day), channel: .paper)
    }

    @Test func aDeadlineIsOneMonthLaterOrTheEndOfAShorterMonth() throws {
        for (received, deadline) in [
            ("2020-01-31", "2020-02-29"), ("2021-01-31", "2021-02-28"), ("2020-11-20", "2020-12-20"), ("2020-12-15", "2021-01-15"),
            ("2020-03-31", "2020-04-30"), ("2020-08-31", "2020-09-30"),
        ] {
            #expect(Self.record(.access, received).deadline.description == deadline, "\(received)")
        }
        #expect(try CalendarDate("2020-03-31").adding(months: -1).description == "2020-02-29")
        #expect(try CalendarDate("2020-05-11").adding(months: 36).description == "2023-05-11")
    }

    @Test func requestEventsRoundTripThroughBothDecoders() throws {
        let kinds: [EventKind] = [
            .privacyRequestReceived(person: Self.tester, Self.record(.erasure, "2020-09-01")),
            .privacyRequestAnswered(person: Self.tester, request: 12, outcome: .done, reason: nil),
            .privacyRequestAnswered(person: Self.tester, request: 12, outcome: .refused, reason: "identity not confirmed"),
        ]
        for kind in kinds {
            let event = Event(kind: kind, recordedAtMicroseconds: 1_600_000_000_000_000, peerUID: 0)
            for path in [EventCodec.DecodingPath.fastest, .general] {
                #expect(try EventCodec.decode(EventCodec.encode(event), path: path) == event)
            }
        }
        let unknownRight = EventCodec.encode(Event(kind: kinds[0], recordedAtMicroseconds: 0, peerUID: 0)).replacing(Array("erasure".utf8), with: Array("erasurf".utf8))
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(unknownRight) }
    }

    @Test func theRulesOfRequestsAndAnswers() throws {
        let world = try PeopleTests.world()
        let stranger = PersonID(high: 5, low: 6)
        #expect(refusal(.recordPrivacyRequest(person: stranger, Self.record(.access, "2020-09-01")), on: world).hasPrefix("UnknownPerson"))
        #expect(refusal(.recordPrivacyRequest(person: Self.tester, Self.record(.access, "2020-09-14")), on: world).contains("on or before today (2020-09-13)"))
        let asked = try applying([.recordPrivacyRequest(person: Self.tester, Self.record(.erasure, "2020-09-01"))], to: world)
        let request = asked.lastSequence
        #expect(asked.privacyRequests[request]?.person == Self.tester)
        #expect(asked.people[Self.tester]?.history.last == request)
        #expect(refusal(.answerPrivacyRequest(request: request + 1, outcome: .done, reason: nil), on: asked).contains("no privacy request was recorded at sequence \(request + 1)"))
        #expect(refusal(.answerPrivacyRequest(request: request, outcome: .refused, reason: nil), on: asked).contains("a refusal says why"))
        #expect(refusal(.answerPrivacyRequest(request: request, outcome: .done, reason: nil), on: asked).contains("done once \(Self.tester) is erased"))
        // Erased and answered in one write, as ErasePerson --request does; then never again.
        let answered = try applying([.erasePerson(person: Self.tester, reason: nil), .answerPrivacyRequest(request: request, outcome: .done, reason: nil)], to: asked)
        let answer = try #require(answered.privacyRequests[request]?.answer)
        #expect(answer.outcome == .done && answer.sequence == answered.lastSequence)
        #expect(refusal(.answerPrivacyRequest(request: request, outcome: .refused, reason: "late"), on: answered).hasPrefix("AlreadyExists"))
        #expect(refusal(.recordPrivacyRequest(person: Self.tester, Self.record(.access, "2020-09-02")), on: answered).hasPrefix("PersonErased"))
        // Snapshots keep requests and answers.
        #expect(try RegistryState(snapshot: answered.snapshotBytes()) == answered)
        let refused = try applying(
            [.recordPrivacyRequest(person: Self.contact, Self.record(.access, "2020-09-02")), .answerPrivacyRequest(request: answered.lastSequence + 1, outcome: .refused, reason: "identity not confirmed")],
            to: answered
        )
        #expect(refused.privacyRequests.count == 2)
        #expect(try RegistryState(snapshot: refused.snapshotBytes()) == refused)
    }

    @Test func retentionCountsFromTheLastActivityAndSparesCurrentMembers() throws {
        var state = try PeopleTests.campaignWorld()
        // The tester took part on 2020-04-02; the contact's company ACME is still a member of aero.
        state = try applying([.recordParticipation(person: Self.tester, campaign: PeopleTests.campaign, PeopleTests.participation())], to: state)
        let day = { (text: String) in try CalendarDate(text) }
        #expect(state.dueForErasure(on: try day("2023-04-01"), afterYears: 3).isEmpty)
        let due = state.dueForErasure(on: try day("2023-04-02"), afterYears: 3)
        #expect(due.map(\.person) == [Self.tester])
        #expect(due.first?.activity == "last participation" && due.first?.dueOn.description == "2023-04-02")
        #expect(state.dueForErasure(on: try day("2025-04-01"), afterYears: 5).isEmpty)
        // A withdrawal later than the participation counts from itself.
        let withdrawn = try applying([.withdrawConsent(person: Self.tester, Withdrawal(on: try day("2020-06-01"), channel: .phone))], to: state)
        #expect(withdrawn.dueForErasure(on: try day("2023-05-31"), afterYears: 3).isEmpty)
        #expect(withdrawn.dueForErasure(on: try day("2023-06-01"), afterYears: 3).first?.activity == "consent withdrawn")
        // Once ACME has left aero, its contact is due three years later.
        let left = try applying([.leaveCluster(cluster: PeopleTests.aero, siren: DecideTests.acme, date: try day("2020-07-01"), reason: nil)], to: state)
        let contact = left.dueForErasure(on: try day("2023-07-01"), afterYears: 3).first { $0.person == Self.contact }
        #expect(contact?.activity == "company 732829320 left its last cluster" && contact?.lastActivity.description == "2020-07-01")
        // The erased are not due again.
        let erased = try applying([.erasePerson(person: Self.tester, reason: "retention")], to: state)
        #expect(erased.dueForErasure(on: try day("2030-01-01"), afterYears: 3).isEmpty)
    }
}
