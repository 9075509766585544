import ClusterModel
import Testing

struct EventCodecTests {
    @Test func everyEventOfTheDemoRoundTrips() throws {
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_123_456, peerUID: 4242, requestID: "req-1")
        var state = RegistryState()
        let commands = Array(DemoNetwork.commands().prefix(400)) + Array(DemoNetwork.commands().suffix(301))
        var kinds = Set<String>()
        for command in commands {
            guard let events = try? decide(command, state: state, context: context) else { continue }
            for event in events {
                #expect(try EventCodec.decode(EventCodec.encode(event)) == event)
                kinds.insert(event.kind.typeName)
                state.apply(event, sequence: state.lastSequence + 1)
            }
        }
        #expect(kinds.count >= 4)
    }

    @Test func allKindsRoundTrip() throws {
        let siren = try SIREN("732829320")
        let cluster = try Slug("c", field: "id")
        let kinds: [EventKind] = [
            .clusterUpdated(ClusterRecord(id: cluster, name: "N", regions: [try Region("11")], departments: [try Department("75")], nafSection: try NAFSection("J"), founded: try CalendarDate("1999-12-31"))),
            .clusterDissolved(cluster: cluster, date: try CalendarDate("2030-01-01")),
            .companyUpdated(CompanyRecord(siren: siren, name: "é\"x", naf: try NAFCode("62.01Z"), department: try Department("2B"), employees: 0, turnoverEUR: 1, declaredCategory: .eti)),
            .membershipEnded(cluster: cluster, siren: siren, date: try CalendarDate("1970-01-01"), reason: "r"),
            .membershipEnded(cluster: cluster, siren: siren, date: try CalendarDate("1900-03-01"), reason: nil),
            .surveyClosed(survey: cluster),
            .surveyDefined(SurveyDefinition(id: cluster, title: "T", opensAt: try Timestamp("2020-01-01T00:00:00-05:30"), closesAt: try Timestamp("2020-02-01T00:00:00Z"), questions: [
                Question(id: try Slug("m", field: "id"), text: "M", kind: .multipleChoice, options: ["a", "b", "c"], required: false),
                Question(id: try Slug("n", field: "id"), text: "N", kind: .number, minimum: -5, maximum: nil),
            ])),
            .responseSubmitted(survey: cluster, siren: siren, submittedAt: try Timestamp("2020-01-05T10:00:00.5+01:00"), answers: [
                try Slug("m", field: "id"): .choices(["a", "c"]), try Slug("n", field: "id"): .integer(-3),
                try Slug("y", field: "id"): .yesNo(false), try Slug("s", field: "id"): .choice("x"),
            ]),
        ]
        for kind in kinds {
            let event = Event(kind: kind, recordedAtMicroseconds: -5, peerUID: UInt32.max, requestID: nil)
            #expect(try EventCodec.decode(EventCodec.encode(event)) == event)
        }
    }

    @Test func unknownFieldsAreSkipped() throws {
        let event = Event(kind: .surveyClosed(survey: try Slug("s", field: "id")), recordedAtMicroseconds: 7, peerUID: 1)
        var bytes = EventCodec.encode(event)
        // Field 99 as a varint and field 100 as bytes: what a newer writer might add.
        bytes += [0x98, 0x06, 0x2A, 0xA2, 0x06, 0x03, 0x61, 0x62, 0x63]
        #expect(try EventCodec.decode(bytes) == event)
    }

    @Test func anUnknownEventTypeIsNamed() {
        #expect { try EventCodec.decode([1, 42, 0x08, 0x02]) } throws: { "\($0)".contains("unknown event type 42") }
        #expect { try EventCodec.decode([9, 1]) } throws: { "\($0)".contains("version 9") }
        #expect { try EventCodec.decode([1, 1, 0x42, 0x30]) } throws: { "\($0)".contains("longer than the event") }
    }
}

/// Inputs the fuzzer found that crashed a decoder; each must now be refused with an error.
struct FuzzRegressionTests {
    @Test func aSnapshotWhoseEventCountDoesNotFitAnIntIsRefused() {
        // Found by Scripts/fuzz event: field 2 held 2^63 or more and Int(_:) trapped.
        let bytes: [UInt8] = [
            0x01, 0x08, 0x08, 0x10, 0x10, 0x10, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0x11,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9,
            0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0xe9, 0x05, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x10, 0x18, 0x18, 0x18,
        ]
        #expect(throws: EventDecodingError.self) { try RegistryState(snapshot: bytes) }
    }

    @Test func anEmployeeCountBeyondInt64IsRefused() throws {
        var bytes = EventCodec.encode(Event(kind: .companyUpdated(CompanyRecord(siren: try SIREN("732829320"), name: "X", naf: try NAFCode("25.62B"), department: try Department("31"), employees: 1)), recordedAtMicroseconds: 0, peerUID: 0))
        // Field 12 again, as a varint of 2^63: the last occurrence counts.
        bytes += [0x60, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes) }
    }
}
