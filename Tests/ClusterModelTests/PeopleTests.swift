import ClusterModel
import Testing

/// People in the log (docs/event-codec.md, "People"): their ids, age bands, events, rules,
/// projection and snapshots. The model sees personal values only sealed; here a sealed value is
/// the format byte and opaque bytes.
struct PeopleTests {
    static let context = DecideTests.context
    static let aero = DecideTests.aero
    static let tester = PersonID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
    static let contact = PersonID(high: .max, low: .max)

    static func sealed(_ name: PersonalFieldName, _ size: Int = 40, filler: UInt8 = 7) -> SealedField {
        SealedField(name: name, sealed: [1] + [UInt8](repeating: filler, count: size))
    }

    static let consent = Consent(purpose: "Tests d’usage", textVersion: "v2", givenOn: try! CalendarDate("2019-04-01"), channel: .inPerson)

    static func facts(cluster: Slug = aero, enrolledOn: String = "2019-04-14") -> TesterFacts {
        TesterFacts(cluster: cluster, department: try! Department("92"), enrolledOn: try! CalendarDate(enrolledOn), ageBandAtEnrolment: .from70, consent: consent)
    }

    static let testerFields = [sealed(.name), sealed(.birthYear, 32), sealed(.email)]

    /// DecideTests' world with a tester in aero and a contact of ACME.
    static func world() throws -> RegistryState {
        try applying(
            [
                .enrollTester(person: tester, facts(), fields: testerFields),
                .addContact(person: contact, siren: DecideTests.acme, fields: [sealed(.name), sealed(.role)]),
            ],
            to: try DecideTests.world(), context: context
        )
    }

    func refusal(_ command: Command, on state: RegistryState) -> String {
        do {
            _ = try decide(command, state: state, context: Self.context)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func aPersonIDIsItsBitsInBase32AndNothingElseParses() throws {
        #expect(Self.tester.text == "p-abaibqibiga4eascqlbqgq4dyq")
        #expect(Self.contact.text == "p-h7777777777777777777777777")
        for id in [Self.tester, Self.contact, PersonID(high: 0, low: 1), PersonID(high: 1, low: 0)] {
            #expect(try PersonID(id.text) == id)
            #expect(PersonID(bytes: id.bytes) == id)
        }
        #expect(PersonID(bytes: [UInt8](repeating: 0, count: 16)) == nil)
        #expect(PersonID(bytes: [1, 2, 3]) == nil)
        for bad in ["", "p-", "p-abaibqibiga4eascqlbqgq4dy", "p-abaibqibiga4eascqlbqgq4dyqa", "q-abaibqibiga4eascqlbqgq4dyq",
                    "p-Abaibqibiga4eascqlbqgq4dyq", "p-abaibqibiga4eascqlbqgq4dy1", "p-iaaaaaaaaaaaaaaaaaaaaaaaaa", "p-aaaaaaaaaaaaaaaaaaaaaaaaaa"] {
            #expect(throws: DomainError.self, "\(bad)") { try PersonID(bad, field: "person") }
        }
        #expect {
            try PersonID("p-iaaaaaaaaaaaaaaaaaaaaaaaaa", field: "person")
        } throws: { error in
            guard case DomainError.invalidArgument("person", let reason) = error else { return false }
            return reason.contains("range")
        }
    }

    @Test func ageBandsFollowTheBirthYearOnTheDayAsked() throws {
        let day = try CalendarDate("2020-11-15")
        let cases: [(Int, AgeBand?)] = [
            (1961, nil), (1960, .from60), (1956, .from60), (1955, .from65), (1946, .from70), (1931, .from85), (1930, .from90), (1916, .from90),
        ]
        for (year, band) in cases {
            #expect(AgeBand(birthYear: year, on: day) == band, "born \(year)")
        }
        #expect(AgeBand(birthYear: 1960, on: try CalendarDate("2019-12-31")) == nil)
        #expect(try AgeBand("90+") == .from90)
        #expect(throws: DomainError.self) { try AgeBand("59-60") }
        #expect(AgeBand.allCases.sorted() == AgeBand.allCases)
    }

    @Test func peopleEventsRoundTripThroughBothDecoders() throws {
        let kinds: [EventKind] = [
            .testerEnrolled(person: Self.tester, Self.facts(), fields: Self.testerFields),
            .contactAdded(person: Self.contact, siren: DecideTests.acme, fields: [Self.sealed(.name, 1000), Self.sealed(.role, 1)]),
            .personRectified(person: Self.tester, fields: [Self.sealed(.phone)], department: try Department("2A")),
            .personRectified(person: Self.tester, fields: [Self.sealed(.email)], department: nil),
            .personRectified(person: Self.tester, fields: [Self.sealed(.birthYear)], department: nil, ageBand: .from75),
            .personErased(person: Self.contact, reason: "asked by letter"),
            .personErased(person: Self.contact, reason: nil),
        ]
        for kind in kinds {
            let event = Event(kind: kind, recordedAtMicroseconds: 1_600_000_000_000_000, peerUID: 0, requestID: "r")
            for path in [EventCodec.DecodingPath.fastest, .general] {
                #expect(try EventCodec.decode(EventCodec.encode(event), path: path) == event)
            }
        }
        // A person id of another length, an unknown field name, a band or channel not listed: undecodable.
        let good = EventCodec.encode(Event(kind: kinds[0], recordedAtMicroseconds: 0, peerUID: 0))
        let shortID = good.replacing([8 << 3 | 2, 16] + Self.tester.bytes, with: [8 << 3 | 2, 15] + Self.tester.bytes.dropLast())
        let fieldName = good.replacing(Array("birth_year".utf8), with: Array("birth_date".utf8))
        let band = good.replacing(Array("70-74".utf8), with: Array("70-75".utf8))
        let channel = good.replacing(Array("in_person".utf8), with: Array("in_pigeon".utf8))
        for bytes in [shortID, fieldName, band, channel] {
            #expect(bytes != good)
            #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes) }
        }
    }

    @Test func theRulesOfPeople() throws {
        let state = try Self.world()
        let newPerson = PersonID(high: 5, low: 6)
        let gone = try Slug("gone", field: "id")
        let cases: [(Command, String)] = [
            (.enrollTester(person: Self.tester, Self.facts(), fields: Self.testerFields), "AlreadyExists"),
            (.enrollTester(person: newPerson, Self.facts(cluster: try Slug("nope", field: "id")), fields: Self.testerFields), "UnknownCluster"),
            (.enrollTester(person: newPerson, Self.facts(cluster: gone), fields: Self.testerFields), "is not active"),
            (.enrollTester(person: newPerson, Self.facts(enrolledOn: "2019-03-01"), fields: Self.testerFields), "consent must be given on or before"),
            (.enrollTester(person: newPerson, Self.facts(), fields: [Self.sealed(.name), Self.sealed(.email)]), "a name and a birth year"),
            (.enrollTester(person: newPerson, Self.facts(), fields: [Self.sealed(.name), Self.sealed(.birthYear)]), "e-mail address or a phone"),
            (.enrollTester(person: newPerson, Self.facts(), fields: Self.testerFields + [Self.sealed(.role)]), "a tester has no field role"),
            (.enrollTester(person: newPerson, Self.facts(), fields: Self.testerFields + [Self.sealed(.name)]), "name is given twice"),
            (.enrollTester(person: newPerson, Self.facts(), fields: [SealedField(name: .name, sealed: Array("Jeanne Dupont".utf8))] + Self.testerFields.dropFirst()), "not a sealed value"),
            (.addContact(person: newPerson, siren: DecideTests.unknown, fields: [Self.sealed(.name)]), "UnknownCompany"),
            (.addContact(person: newPerson, siren: DecideTests.acme, fields: [Self.sealed(.role)]), "a contact needs a name"),
            (.addContact(person: newPerson, siren: DecideTests.acme, fields: [Self.sealed(.name), Self.sealed(.birthYear)]), "a contact has no field birth_year"),
            (.rectifyPerson(person: newPerson, fields: [Self.sealed(.name)], department: nil), "UnknownPerson"),
            (.rectifyPerson(person: Self.tester, fields: [], department: nil), "nothing to rectify"),
            (.rectifyPerson(person: Self.contact, fields: [], department: try Department("75")), "a contact has no department"),
            (.rectifyPerson(person: Self.contact, fields: [Self.sealed(.name)], department: nil, ageBand: .from60), "a contact has no age band"),
            (.rectifyPerson(person: Self.tester, fields: [Self.sealed(.email)], department: nil, ageBand: .from60), "changes only with a rectified birth year"),
            (.erasePerson(person: newPerson, reason: nil), "UnknownPerson"),
            (.erasePerson(person: Self.contact, reason: " "), "reason"),
        ]
        for (command, expected) in cases {
            #expect(refusal(command, on: state).contains(expected), "\(command)")
        }
        // Accepted ones, and an erased person is out of reach.
        #expect(refusal(.enrollTester(person: newPerson, Self.facts(), fields: [Self.sealed(.name), Self.sealed(.birthYear), Self.sealed(.phone)]), on: state) == "accepted")
        #expect(refusal(.rectifyPerson(person: Self.tester, fields: [Self.sealed(.email, filler: 9)], department: try Department("93")), on: state) == "accepted")
        var erased = state
        for event in try decide(.erasePerson(person: Self.contact, reason: "asked by letter"), state: erased, context: Self.context) {
            erased.apply(event, sequence: erased.lastSequence + 1)
        }
        #expect(refusal(.erasePerson(person: Self.contact, reason: nil), on: erased) == "PersonErased(person=p-h7777777777777777777777777)")
        #expect(refusal(.rectifyPerson(person: Self.contact, fields: [Self.sealed(.name)], department: nil), on: erased).hasPrefix("PersonErased"))
        #expect(refusal(.addContact(person: Self.contact, siren: DecideTests.acme, fields: [Self.sealed(.name)]), on: erased).hasPrefix("AlreadyExists"))
    }

    @Test func theProjectionKeepsSealedFieldsUntilTheErasureAndSnapshotsKeepIt() throws {
        var state = try Self.world()
        let tester = try #require(state.people[Self.tester])
        #expect(tester.fields.keys.sorted() == [.birthYear, .email, .name])
        #expect(tester.history.count == 1)
        #expect(state.clusters[Self.aero]?.history.last == tester.history.first)
        for command in [
            Command.rectifyPerson(person: Self.tester, fields: [Self.sealed(.email, filler: 9), Self.sealed(.phone), Self.sealed(.birthYear)], department: try Department("93"), ageBand: .from85),
            .erasePerson(person: Self.contact, reason: "asked by letter"),
        ] {
            for event in try decide(command, state: state, context: Self.context) { state.apply(event, sequence: state.lastSequence + 1) }
        }
        let rectified = try #require(state.people[Self.tester])
        #expect(rectified.fields[.email] == Self.sealed(.email, filler: 9).sealed)
        #expect(rectified.fields.count == 4)
        guard case .tester(let facts) = rectified.role else { Issue.record("not a tester"); return }
        #expect(facts.department.code == "93" && facts.ageBandAtEnrolment == .from85)
        let contact = try #require(state.people[Self.contact])
        #expect(contact.isErased && contact.fields.isEmpty)
        #expect(contact.erasure?.reason == "asked by letter")
        #expect(contact.erasure?.recordedAtMicroseconds == Self.context.nowMicroseconds)
        let reloaded = try RegistryState(snapshot: state.snapshotBytes())
        #expect(reloaded == state)
        #expect(reloaded.people.count == 2)
    }

    @Test func replayRefusesAPersonEventTheRulesRefuse() throws {
        let state = try Self.world()
        let replayed = Event(kind: .testerEnrolled(person: PersonID(high: 9, low: 9), Self.facts(cluster: try Slug("nope", field: "id")), fields: Self.testerFields), recordedAtMicroseconds: 0, peerUID: 0)
        #expect(throws: DomainError.unknownCluster("nope")) { try checkReplayed(replayed, state: state) }
        let stranger = PersonID(high: 0, low: 9)
        #expect(stranger.text == "p-" + String(repeating: "a", count: 25) + "j")
        let erasure = Event(kind: .personErased(person: stranger, reason: nil), recordedAtMicroseconds: 0, peerUID: 0)
        #expect(throws: DomainError.unknownPerson(stranger.text)) { try checkReplayed(erasure, state: state) }
        try checkReplayed(Event(kind: .personErased(person: Self.tester, reason: nil), recordedAtMicroseconds: 0, peerUID: 0), state: state)
    }

    /// A retry of a request about people is the same request whatever its sealed bytes (fresh
    /// nonces) and the id drawn for a new person; another field or fact is another request.
    @Test func fingerprintsOfPeopleCommandsHoldNoSealedValue() throws {
        func bytes(_ command: Command) -> [UInt8] { RequestFingerprint.canonicalBytes(method: "EnrollTester", commands: [command], expectedSequence: nil) }
        let base = bytes(.enrollTester(person: Self.tester, Self.facts(), fields: Self.testerFields))
        let retry = bytes(.enrollTester(person: PersonID(high: 3, low: 4), Self.facts(), fields: Self.testerFields.map { SealedField(name: $0.name, sealed: $0.sealed.map { $0 ^ 0x55 }) }))
        #expect(base == retry)
        for sealedValue in Self.testerFields.map(\.sealed) where sealedValue.count >= 8 {
            #expect(!base.indices.contains { base[$0...].starts(with: sealedValue.prefix(8)) })
        }
        #expect(bytes(.enrollTester(person: Self.tester, Self.facts(enrolledOn: "2019-04-15"), fields: Self.testerFields)) != base)
        #expect(bytes(.enrollTester(person: Self.tester, Self.facts(), fields: Self.testerFields + [Self.sealed(.phone)])) != base)
    }

    static let campaign = try! Slug("loupe-2020", field: "id")

    static func campaignRecord(id: Slug = campaign, kind: CampaignKind = .innovation, from: String = "2020-03-01", to: String = "2020-06-30") -> CampaignRecord {
        CampaignRecord(id: id, cluster: aero, kind: kind, siren: DecideTests.acme, title: "Une loupe connectée", startsOn: try! CalendarDate(from), endsOn: try! CalendarDate(to))
    }

    static func participation(on day: String = "2020-04-02", rating: Int? = 4, comment: Bool = true) -> Participation {
        Participation(on: try! CalendarDate(day), ageBand: .from70, rating: rating, comment: comment ? sealed(.comment).sealed : nil)
    }

    /// The world with the campaign opened.
    static func campaignWorld() throws -> RegistryState {
        var state = try world()
        for event in try decide(.openCampaign(campaignRecord()), state: state, context: context) { state.apply(event, sequence: state.lastSequence + 1) }
        return state
    }

    @Test func campaignEventsRoundTripThroughBothDecoders() throws {
        let kinds: [EventKind] = [
            .campaignOpened(Self.campaignRecord()),
            .campaignOpened(Self.campaignRecord(kind: .support)),
            .testerParticipated(person: Self.tester, campaign: Self.campaign, Self.participation()),
            .testerParticipated(person: Self.tester, campaign: Self.campaign, Self.participation(rating: nil, comment: false)),
            .consentWithdrawn(person: Self.tester, Withdrawal(on: try CalendarDate("2020-05-01"), channel: .phone)),
        ]
        for kind in kinds {
            let event = Event(kind: kind, recordedAtMicroseconds: 1_600_000_000_000_000, peerUID: 0)
            for path in [EventCodec.DecodingPath.fastest, .general] {
                #expect(try EventCodec.decode(EventCodec.encode(event), path: path) == event)
            }
        }
        // A rating out of 1...5, a personal field other than a comment, an unknown kind: undecodable.
        let rated = EventCodec.encode(Event(kind: kinds[2], recordedAtMicroseconds: 0, peerUID: 0))
        let six = rated.replacing([12 << 3, 4], with: [12 << 3, 6])
        let named = rated.replacing(Array("comment".utf8), with: Array("phone".utf8) + [0, 0])
        let kind = EventCodec.encode(Event(kind: kinds[0], recordedAtMicroseconds: 0, peerUID: 0)).replacing(Array("innovation".utf8), with: Array("innovatiom".utf8))
        for bytes in [six, named, kind] {
            #expect(bytes != rated)
            #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes) }
        }
    }

    @Test func theRulesOfCampaigns() throws {
        let state = try Self.campaignWorld()
        let stranger = PersonID(high: 5, low: 6)
        let cases: [(Command, String)] = [
            (.openCampaign(Self.campaignRecord()), "AlreadyExists"),
            (.openCampaign(CampaignRecord(id: try Slug("x", field: "id"), cluster: try Slug("nope", field: "id"), kind: .support, siren: DecideTests.acme, title: "X", startsOn: try CalendarDate("2020-01-01"), endsOn: try CalendarDate("2020-01-02"))), "UnknownCluster"),
            (.openCampaign(CampaignRecord(id: try Slug("x", field: "id"), cluster: Self.aero, kind: .support, siren: DecideTests.unknown, title: "X", startsOn: try CalendarDate("2020-01-01"), endsOn: try CalendarDate("2020-01-02"))), "UnknownCompany"),
            (.openCampaign(Self.campaignRecord(id: try Slug("x", field: "id"), from: "2020-03-01", to: "2020-02-28")), "ends on or after its start"),
            (.openCampaign(CampaignRecord(id: try Slug("x", field: "id"), cluster: Self.aero, kind: .support, siren: DecideTests.acme, title: " ", startsOn: try CalendarDate("2020-01-01"), endsOn: try CalendarDate("2020-01-02"))), "title"),
            (.recordParticipation(person: Self.tester, campaign: try Slug("nope", field: "id"), Self.participation()), "UnknownCampaign"),
            (.recordParticipation(person: stranger, campaign: Self.campaign, Self.participation()), "UnknownPerson"),
            (.recordParticipation(person: Self.contact, campaign: Self.campaign, Self.participation()), "no tester of cluster aero"),
            (.recordParticipation(person: Self.tester, campaign: Self.campaign, Self.participation(on: "2020-07-01")), "runs from 2020-03-01 to 2020-06-30"),
            (.recordParticipation(person: Self.tester, campaign: Self.campaign, Self.participation(rating: 0)), "a rating is 1 to 5"),
            (.recordParticipation(person: Self.tester, campaign: Self.campaign, Participation(on: try CalendarDate("2020-04-02"), ageBand: .from70, rating: 3, comment: [9, 9])), "not a sealed value"),
            (.withdrawConsent(person: Self.contact, Withdrawal(on: try CalendarDate("2020-05-01"), channel: .paper)), "a contact, who gave no consent"),
            (.withdrawConsent(person: Self.tester, Withdrawal(on: try CalendarDate("2019-03-01"), channel: .paper)), "consent was given on 2019-04-01"),
        ]
        for (command, expected) in cases {
            #expect(refusal(command, on: state).contains(expected), "\(command): \(refusal(command, on: state))")
        }
        // Once, and never after a withdrawal; before it, still.
        var taken = state
        for command in [
            Command.recordParticipation(person: Self.tester, campaign: Self.campaign, Self.participation(on: "2020-04-02")),
            .withdrawConsent(person: Self.tester, Withdrawal(on: try CalendarDate("2020-05-01"), channel: .phone)),
        ] {
            for event in try decide(command, state: taken, context: Self.context) { taken.apply(event, sequence: taken.lastSequence + 1) }
        }
        #expect(refusal(.recordParticipation(person: Self.tester, campaign: Self.campaign, Self.participation()), on: taken).hasPrefix("AlreadyExists"))
        var second = taken
        for event in try decide(.openCampaign(Self.campaignRecord(id: try Slug("lessons", field: "id"), kind: .support)), state: second, context: Self.context) {
            second.apply(event, sequence: second.lastSequence + 1)
        }
        let lessons = try Slug("lessons", field: "id")
        #expect(refusal(.recordParticipation(person: Self.tester, campaign: lessons, Self.participation(on: "2020-05-01")), on: second) == "ConsentWithdrawn(on=2020-05-01, person=p-abaibqibiga4eascqlbqgq4dyq)")
        #expect(refusal(.recordParticipation(person: Self.tester, campaign: lessons, Self.participation(on: "2020-04-30")), on: second) == "accepted")
        #expect(refusal(.withdrawConsent(person: Self.tester, Withdrawal(on: try CalendarDate("2020-06-01"), channel: .paper)), on: second).hasPrefix("ConsentWithdrawn"))
    }

    @Test func anErasureDropsTheCommentsAndKeepsTheCountsAndSnapshotsKeepAll() throws {
        var state = try Self.campaignWorld()
        for command in [
            Command.recordParticipation(person: Self.tester, campaign: Self.campaign, Self.participation()),
            .withdrawConsent(person: Self.tester, Withdrawal(on: try CalendarDate("2020-05-01"), channel: .phone)),
        ] {
            for event in try decide(command, state: state, context: Self.context) { state.apply(event, sequence: state.lastSequence + 1) }
        }
        #expect(state.people[Self.tester]?.campaigns == [Self.campaign])
        #expect(state.people[Self.tester]?.withdrawal?.channel == .phone)
        #expect(state.campaigns[Self.campaign]?.participations[Self.tester]?.comment != nil)
        #expect(try RegistryState(snapshot: state.snapshotBytes()) == state)
        for event in try decide(.erasePerson(person: Self.tester, reason: nil), state: state, context: Self.context) { state.apply(event, sequence: state.lastSequence + 1) }
        let kept = try #require(state.campaigns[Self.campaign]?.participations[Self.tester])
        #expect(kept.comment == nil && kept.rating == 4 && kept.ageBand == .from70)
        #expect(try RegistryState(snapshot: state.snapshotBytes()) == state)
        // The history: enrolment, participation, withdrawal, erasure.
        #expect(state.people[Self.tester]?.history.count == 4)
    }
}
