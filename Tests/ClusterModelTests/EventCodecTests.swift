import ClusterModel
import Testing

struct EventCodecTests {
    @Test func everyEventOfTheDemoRoundTrips() throws {
        let fingerprint = RequestFingerprint(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_123_456, peerUID: 4242, requestID: "req-1", requestFingerprint: fingerprint)
        var state = RegistryState()
        let commands = Array(DemoNetwork.defaultCommands.prefix(400)) + Array(DemoNetwork.defaultCommands.suffix(301))
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

    /// The fingerprint rides beside the request id (envelope field 4, 16 bytes); any other length
    /// makes the event undecodable, by both decoders.
    @Test func aRequestFingerprintRoundTripsAndAWrongLengthIsRefused() throws {
        let fingerprint = RequestFingerprint(high: 1, low: 2)
        #expect(fingerprint.description == "00000000000000010000000000000002")
        #expect(RequestFingerprint(bytes: fingerprint.bytes) == fingerprint)
        #expect(RequestFingerprint(bytes: [1, 2, 3]) == nil)
        let record = CompanyRecord(siren: try SIREN("732829320"), name: "A", naf: try NAFCode("62.01Z"), department: try Department("75"), employees: 3)
        for kind in [EventKind.companyRegistered(record), .surveyClosed(survey: try Slug("s", field: "id"))] {
            let event = Event(kind: kind, recordedAtMicroseconds: 5, peerUID: 1, requestID: "r", requestFingerprint: fingerprint)
            let bytes = EventCodec.encode(event)
            for path in [EventCodec.DecodingPath.fastest, .general] {
                #expect(try EventCodec.decode(bytes, path: path) == event)
            }
            // Field 4 (wire type 2) cut to 15 bytes: the envelope is refused, not misread.
            let short = Event(kind: kind, recordedAtMicroseconds: 5, peerUID: 1)
            let tampered = EventCodec.encode(short) + [4 << 3 | 2, 15] + [UInt8](repeating: 7, count: 15)
            for path in [EventCodec.DecodingPath.fastest, .general] {
                #expect(throws: EventDecodingError.self) { try EventCodec.decode(tampered, path: path) }
            }
        }
    }

    /// A fingerprint's input: equal for the same request however it was spelled, different for
    /// any other method, expected sequence or command.
    @Test func theCanonicalFormOfARequestTellsRequestsApart() throws {
        let siren = try SIREN("552 100 554")
        let join = Command.joinCluster(cluster: try Slug("aero", field: "cluster"), siren: siren, date: try CalendarDate("2020-01-01"))
        let same = Command.joinCluster(cluster: try Slug("aero", field: "cluster"), siren: try SIREN("552100554"), date: try CalendarDate("2020-01-01"))
        let base = RequestFingerprint.canonicalBytes(method: "JoinCluster", commands: [join], expectedSequence: nil)
        #expect(RequestFingerprint.canonicalBytes(method: "JoinCluster", commands: [same], expectedSequence: nil) == base)
        let others: [[UInt8]] = [
            RequestFingerprint.canonicalBytes(method: "Import", commands: [join], expectedSequence: nil),
            RequestFingerprint.canonicalBytes(method: "JoinCluster", commands: [join], expectedSequence: 0),
            RequestFingerprint.canonicalBytes(method: "JoinCluster", commands: [join, join], expectedSequence: nil),
            RequestFingerprint.canonicalBytes(
                method: "JoinCluster", commands: [.joinCluster(cluster: try Slug("aero", field: "cluster"), siren: siren, date: try CalendarDate("2020-01-02"))], expectedSequence: nil),
        ]
        #expect(Set(others + [base]).count == others.count + 1)
        // Answers in any order are one request.
        let survey = try Slug("s", field: "survey")
        let at = Timestamp(microsecondsSinceEpoch: 0)
        let first = Command.submitResponse(survey: survey, siren: siren, submittedAt: at, answers: ["a": .text("yes"), "b": .integer(3), "c": .list(["x"])])
        var answers: [String: AnswerInput] = [:]
        for key in ["c", "b", "a"] { answers[key] = ["a": AnswerInput.text("yes"), "b": .integer(3), "c": .list(["x"])][key] }
        let second = Command.submitResponse(survey: survey, siren: siren, submittedAt: at, answers: answers)
        #expect(RequestFingerprint.canonicalBytes(method: "SubmitResponse", commands: [first], expectedSequence: nil)
            == RequestFingerprint.canonicalBytes(method: "SubmitResponse", commands: [second], expectedSequence: nil))
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

    @Test func aMembershipWithAClusterIDThatIsNoSlugIsRefusedByBothDecoders() throws {
        // Found by Scripts/fuzz event once it held the fast decoder to the general one: the fast
        // one took the cluster id of a MembershipStarted on trust ("gl\0\094valley" here).
        let bytes: [UInt8] = [
            0x01, 0x06, 0x08, 0x84, 0xfb, 0xdf, 0x9c, 0x89, 0xce, 0xb0, 0x06, 0x10, 0x00, 0x1a, 0x12, 0x64,
            0x65, 0x6d, 0x6f, 0x2d, 0x6c, 0x6f, 0x61, 0x64, 0x2d, 0x32, 0x30, 0x32, 0x30, 0x31, 0x31, 0x30,
            0x39, 0x42, 0x0c, 0x67, 0x6c, 0x00, 0x00, 0x39, 0x34, 0x76, 0x61, 0x6c, 0x6c, 0x65, 0x79, 0x48,
            0xfb, 0xc8, 0x86, 0x8f, 0x01, 0x50, 0xa0, 0xfc, 0x01,
        ]
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes) }
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes, path: .general) }
    }

    @Test func aMembershipWhoseSIRENFailsTheLuhnCheckIsRefusedByBothDecoders() throws {
        // Found next by the same target: the fast decoder took any number of nine digits as a
        // SIREN; the general one checks the Luhn digit, as the write path does.
        let payload = EventCodec.encode(Event(kind: .membershipStarted(cluster: try Slug("glass-valley", field: "id"), siren: try SIREN("732829320"), date: CalendarDate(daysSinceEpoch: 18_000)), recordedAtMicroseconds: 1, peerUID: 0))
        #expect((try EventCodec.decode(payload)) == (try EventCodec.decode(payload, path: .general)))
        // The same event with 732829321 (the check digit off by one) as its SIREN.
        var bytes = payload
        let encoded: [UInt8] = { var v: UInt64 = 732_829_320, out: [UInt8] = []; repeat { out.append(UInt8(v & 0x7f) | (v >= 0x80 ? 0x80 : 0)); v >>= 7 } while v > 0; return out }()
        let at = try #require(bytes.firstRange(of: [0x48] + encoded)).lowerBound + 1
        bytes[at] += 1
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes) }
        #expect(throws: EventDecodingError.self) { try EventCodec.decode(bytes, path: .general) }
    }
}
