@testable import ClusterModel
import Testing

/// Survey responses held packed (`ResponseTable`), as a snapshot of payload version 4 loads them:
/// every kind of answer comes back as it was, the projection and its snapshots are the same
/// however the responses are held, and malformed packed rows are refused.
struct ResponseTableTests {
    static let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 1000)
    static let opens = try! Timestamp("2021-03-01T00:00:00+01:00")

    static func survey(_ id: String) -> SurveyDefinition {
        SurveyDefinition(
            id: try! Slug(id, field: "id"), title: "Survey \(id)", opensAt: opens, closesAt: try! Timestamp("2021-03-31T23:59:59+02:00"),
            questions: [
                Question(id: try! Slug("hiring", field: "id"), text: "Hiring?", kind: .yesNo),
                Question(id: try! Slug("sector", field: "id"), text: "Sector", kind: .singleChoice, options: ["industry", "services", "trade"]),
                Question(id: try! Slug("needs", field: "id"), text: "Needs", kind: .multipleChoice, options: ["money", "people", "land", "é-accentué"]),
                Question(id: try! Slug("mood", field: "id"), text: "Mood", kind: .scale, minimum: 1, maximum: 7),
                Question(id: try! Slug("delta", field: "id"), text: "Change in staff", kind: .number, minimum: -1000, maximum: 1000, required: false),
            ]
        )
    }

    /// `companies` members of one cluster answering two surveys (random answers of every
    /// kind, some questions left out), the first closed; from `seed`.
    static func state(seed: UInt64, companies: Int) throws -> RegistryState {
        var random = SplitMix64(seed: seed)
        let cluster = try Slug("pole", field: "id")
        var commands: [Command] = [
            .registerCluster(ClusterRecord(id: cluster, name: "Pôle", regions: [try Region("84")], departments: [try Department("69")], nafSection: nil, founded: nil)),
            .defineSurvey(survey("first")), .defineSurvey(survey("second")),
        ]
        for index in 0..<companies {
            let siren = SIREN.withCheckDigit(prefix: UInt32(31_000_000 + index * 37))!
            commands.append(.registerCompany(CompanyRecord(siren: siren, name: "C\(index)", naf: NAFCode.all[index % 700], department: try Department("69"), employees: 5, turnoverEUR: nil)))
            commands.append(.joinCluster(cluster: cluster, siren: siren, date: CalendarDate(year: 2020, month: 1, day: 1)))
            for id in ["first", "second"] where random.below(5) != 0 {
                var answers: [String: AnswerInput] = [
                    "hiring": .text(random.below(2) == 0 ? "yes" : "no"),
                    "sector": .text(["industry", "services", "trade"][random.below(3)]),
                    "needs": .list(Array(["money", "people", "land", "é-accentué"].shuffled(using: &random).prefix(random.below(5)))),
                    "mood": .integer(Int64(1 + random.below(7))),
                ]
                if random.below(2) == 0 { answers["delta"] = .integer(Int64(random.below(2001)) - 1000) }
                let at = Timestamp(microsecondsSinceEpoch: opens.microsecondsSinceEpoch + Int64(random.below(20 * 86_400)) * 1_000_000, offsetMinutes: random.below(2) == 0 ? 60 : -300)
                commands.append(.submitResponse(survey: try Slug(id, field: "survey"), siren: siren, submittedAt: at, answers: answers))
            }
        }
        commands.append(.closeSurvey(id: try Slug("first", field: "id")))
        return try decideAll(commands, applyingTo: RegistryState(), context: context).state
    }

    @Test func everyKindOfAnswerComesBackAsItWas() throws {
        let state = try Self.state(seed: 1, companies: 200)
        var checked = 0
        for survey in state.surveys.values {
            for (siren, response) in survey.responses {
                var bytes: [UInt8] = []
                response.encodePacked(into: &bytes)
                let decoded = try bytes.withUnsafeBytes { raw throws(EventDecodingError) in try SurveyResponse.decodePacked(raw, siren: siren) }
                #expect(decoded == response)
                checked += 1
            }
        }
        #expect(checked > 250)
    }

    @Test(arguments: [2, 3, 4] as [UInt64])
    func aSnapshotLoadsTheResponsesPackedAndTheSameProjection(seed: UInt64) throws {
        let state = try Self.state(seed: seed, companies: 300)
        let loaded = try RegistryState(snapshot: state.snapshotBytes())
        #expect(loaded == state)
        for survey in loaded.surveys.values {
            #expect(survey.responses.unpackedCount == 0 && survey.responses.count > 150)
        }
        #expect(loaded.snapshotBytes() == state.snapshotBytes(), "one snapshot for one projection, however it is held")
        // Results read from packed rows are the results read from decoded ones.
        let second = try Slug("second", field: "id")
        #expect(try loaded.surveyResults(second, breakdown: .region, weighted: true) == state.surveyResults(second, breakdown: .region, weighted: true))
        // Answers after the load go to the trie; a response twice is still refused.
        var continued = loaded
        var reference = state
        let newcomer = SIREN.withCheckDigit(prefix: 39_000_000)!
        let more: [Command] = [
            .registerCompany(CompanyRecord(siren: newcomer, name: "New", naf: NAFCode.all[3], department: try Department("69"), employees: 9, turnoverEUR: nil)),
            .joinCluster(cluster: try Slug("pole", field: "id"), siren: newcomer, date: CalendarDate(year: 2020, month: 6, day: 1)),
            .submitResponse(survey: second, siren: newcomer, submittedAt: Self.opens, answers: ["hiring": .text("yes"), "sector": .text("trade"), "needs": .list([]), "mood": .integer(4)]),
        ]
        continued = try decideAll(more, applyingTo: continued, context: Self.context).state
        reference = try decideAll(more, applyingTo: reference, context: Self.context).state
        #expect(continued == reference)
        #expect(continued.surveys[second]!.responses.unpackedCount == 1)
        var responses = loaded.surveys[second]!.responses.makeIterator()
        let answered = try #require(responses.next()?.key)
        #expect(throws: DomainError.self) {
            try decide(.submitResponse(survey: second, siren: answered, submittedAt: Self.opens, answers: ["hiring": .text("no"), "sector": .text("trade"), "needs": .list([]), "mood": .integer(2)]), state: continued, context: Self.context)
        }
    }

    @Test func malformedPackedResponsesAreRefused() throws {
        let siren = SIREN.withCheckDigit(prefix: 31_000_000)!
        func decode(_ bytes: [UInt8]) throws -> SurveyResponse {
            try bytes.withUnsafeBytes { raw throws(EventDecodingError) in try SurveyResponse.decodePacked(raw, siren: siren) }
        }
        var good: [UInt8] = []
        SurveyResponse(submittedAt: Self.opens, answers: [try Slug("hiring", field: "id"): .yesNo(true)]).encodePacked(into: &good)
        _ = try decode(good)
        // when (2 bytes of varint), offset, count 1, "hiring" (1 + 6 bytes), tag, value
        let tag = good.count - 2
        var cases: [(String, [UInt8])] = [
            ("cut short", Array(good.dropLast())),
            ("bytes after", good + [0]),
            ("unknown kind", { var bytes = good; bytes[tag] = 9; return bytes }()),
            ("a yes/no that is neither", { var bytes = good; bytes[tag + 1] = 2; return bytes }()),
            ("a question id that is not a slug", { var bytes = good; bytes[tag - 6] = UInt8(ascii: "H"); return bytes }()),
        ]
        var twice = Array(good[..<(tag - 8)])
        twice.append(2)  // two answers, the same question
        twice += Array(good[(tag - 7)...]) + Array(good[(tag - 7)...])
        cases.append(("twice", twice))
        for (label, bytes) in cases {
            #expect(throws: EventDecodingError.self, "\(label)") { try decode(bytes) }
        }
    }
}
