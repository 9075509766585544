import ClusterModel
import Testing

/// Every rule of the registry, one rejection each, on a small world.
struct DecideTests {
    static let context = DecisionContext(nowMicroseconds: 1_600_000_000_000_000, peerUID: 1000)
    static let acme = try! SIREN("732829320")
    static let other = try! SIREN("552100554")
    static let unknown = try! SIREN("443061841")

    /// Two clusters (one dissolved), two companies, ACME a member of aero since 2019, a survey.
    static func world() throws -> RegistryState {
        var state = RegistryState()
        let commands: [Command] = [
            .registerCluster(ClusterRecord(id: try Slug("aero", field: "id"), name: "Aero", regions: [try Region("76")], departments: [try Department("31")], nafSection: nil, founded: try CalendarDate("2005-01-01"))),
            .registerCluster(ClusterRecord(id: try Slug("gone", field: "id"), name: "Gone", regions: [try Region("11")], departments: [], nafSection: nil, founded: nil)),
            .dissolveCluster(id: try Slug("gone", field: "id"), date: try CalendarDate("2018-01-01")),
            .registerCompany(CompanyRecord(siren: acme, name: "ACME", naf: try NAFCode("25.62B"), department: try Department("31"), employees: 42)),
            .registerCompany(CompanyRecord(siren: other, name: "Other", naf: try NAFCode("62.01Z"), department: try Department("75"), employees: 7)),
            .joinCluster(cluster: try Slug("aero", field: "id"), siren: acme, date: try CalendarDate("2019-03-01")),
            .defineSurvey(SurveyDefinition(
                id: try Slug("s", field: "id"), title: "S", opensAt: try Timestamp("2020-01-01T00:00:00Z"), closesAt: try Timestamp("2020-12-31T00:00:00Z"),
                questions: [
                    Question(id: try Slug("q1", field: "id"), text: "Yes?", kind: .yesNo),
                    Question(id: try Slug("q2", field: "id"), text: "Which?", kind: .singleChoice, options: ["a", "b"]),
                    Question(id: try Slug("q3", field: "id"), text: "Scale", kind: .scale, minimum: 1, maximum: 5, required: false),
                ])),
        ]
        for event in try decideAll(commands, state: state, context: context) {
            state.apply(event, sequence: state.lastSequence + 1)
        }
        return state
    }

    static let aero = try! Slug("aero", field: "id")

    static func date(_ text: String) -> CalendarDate { try! CalendarDate(text) }

    static let rejections: [(String, Command, String)] = [
        ("cluster exists", .registerCluster(ClusterRecord(id: aero, name: "X", regions: [try! Region("76")], departments: [], nafSection: nil, founded: nil)), "AlreadyExists"),
        ("company exists", .registerCompany(CompanyRecord(siren: acme, name: "X", naf: try! NAFCode("25.62B"), department: try! Department("31"), employees: 1)), "AlreadyExists"),
        ("join unknown cluster", .joinCluster(cluster: try! Slug("nope", field: "id"), siren: acme, date: date("2020-01-01")), "UnknownCluster"),
        ("join unknown company", .joinCluster(cluster: aero, siren: unknown, date: date("2020-01-01")), "UnknownCompany"),
        ("overlapping membership", .joinCluster(cluster: aero, siren: acme, date: date("2021-01-01")), "AlreadyMember"),
        ("backdated overlap", .joinCluster(cluster: aero, siren: acme, date: date("2010-01-01")), "AlreadyMember"),
        ("dissolved cluster", .joinCluster(cluster: try! Slug("gone", field: "id"), siren: other, date: date("2019-01-01")), "InvalidArgument"),
        ("before founding", .joinCluster(cluster: aero, siren: other, date: date("2000-01-01")), "InvalidArgument"),
        ("leave when not a member", .leaveCluster(cluster: aero, siren: other, date: date("2020-01-01"), reason: nil), "NotAMember"),
        ("leave before joining", .leaveCluster(cluster: aero, siren: acme, date: date("2019-01-01"), reason: nil), "NotAMember"),
        ("update unknown company", .updateCompany(CompanyPatch(siren: unknown, employees: 3)), "UnknownCompany"),
        ("respond unknown survey", .submitResponse(survey: try! Slug("nope", field: "id"), siren: acme, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: [:]), "UnknownSurvey"),
        ("respond outside window", .submitResponse(survey: try! Slug("s", field: "id"), siren: acme, submittedAt: try! Timestamp("2021-06-01T00:00:00Z"), answers: ["q1": .text("yes"), "q2": .text("a")]), "SurveyNotOpen"),
        ("respond when no member", .submitResponse(survey: try! Slug("s", field: "id"), siren: other, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .text("yes"), "q2": .text("a")]), "NotAMember"),
        ("answer missing", .submitResponse(survey: try! Slug("s", field: "id"), siren: acme, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .text("yes")]), "InvalidAnswer"),
        ("answer unknown question", .submitResponse(survey: try! Slug("s", field: "id"), siren: acme, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .text("yes"), "q2": .text("a"), "q9": .text("x")]), "InvalidAnswer"),
        ("answer not an option", .submitResponse(survey: try! Slug("s", field: "id"), siren: acme, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .text("yes"), "q2": .text("c")]), "InvalidAnswer"),
        ("yes_no given a number", .submitResponse(survey: try! Slug("s", field: "id"), siren: acme, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .integer(1), "q2": .text("a")]), "InvalidAnswer"),
        ("scale out of range", .submitResponse(survey: try! Slug("s", field: "id"), siren: acme, submittedAt: try! Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .text("no"), "q2": .text("a"), "q3": .integer(6)]), "InvalidAnswer"),
        ("close unknown survey", .closeSurvey(id: try! Slug("nope", field: "id")), "UnknownSurvey"),
    ]

    @Test(arguments: rejections.indices)
    func everyRuleRejectsWithItsError(_ index: Int) throws {
        let (name, command, error) = Self.rejections[index]
        let state = try Self.world()
        #expect("\(name)") { try decide(command, state: state, context: Self.context) } throws: { thrown in
            (thrown as? DomainError)?.name == error
        }
    }

    @Test func aDuplicateResponseIsRejected() throws {
        var state = try Self.world()
        let respond = Command.submitResponse(survey: try Slug("s", field: "id"), siren: Self.acme, submittedAt: try Timestamp("2020-06-01T12:00:00+02:00"), answers: ["q1": .text("yes"), "q2": .text("b")])
        for event in try decide(respond, state: state, context: Self.context) { state.apply(event, sequence: state.lastSequence + 1) }
        #expect { try decide(respond, state: state, context: Self.context) } throws: { ($0 as? DomainError)?.name == "DuplicateResponse" }
    }

    @Test func aClosedSurveyTakesNoAnswers() throws {
        var state = try Self.world()
        for event in try decide(.closeSurvey(id: try Slug("s", field: "id")), state: state, context: Self.context) {
            state.apply(event, sequence: state.lastSequence + 1)
        }
        let respond = Command.submitResponse(survey: try Slug("s", field: "id"), siren: Self.acme, submittedAt: try Timestamp("2020-06-01T00:00:00Z"), answers: ["q1": .text("yes"), "q2": .text("b")])
        #expect { try decide(respond, state: state, context: Self.context) } throws: { ($0 as? DomainError)?.name == "SurveyNotOpen" }
    }

    @Test func leavingAndRejoiningMakesDatedMemberships() throws {
        var state = try Self.world()
        let commands: [Command] = [
            .leaveCluster(cluster: Self.aero, siren: Self.acme, date: Self.date("2020-06-01"), reason: "moved"),
            .joinCluster(cluster: Self.aero, siren: Self.acme, date: Self.date("2021-01-01")),
        ]
        for event in try decideAll(commands, state: state, context: Self.context) { state.apply(event, sequence: state.lastSequence + 1) }
        #expect(try state.members(of: Self.aero, on: Self.date("2020-05-31"), offset: 0, limit: 10).total == 1)
        #expect(try state.members(of: Self.aero, on: Self.date("2020-06-01"), offset: 0, limit: 10).total == 0)
        #expect(try state.members(of: Self.aero, on: Self.date("2021-01-01"), offset: 0, limit: 10).total == 1)
        #expect(try state.company(Self.acme).1.count == 2)
    }

    @Test func anImportIsAllOrNothingAndNamesTheBadCommand() throws {
        let state = try Self.world()
        let commands: [Command] = [
            .joinCluster(cluster: Self.aero, siren: Self.other, date: Self.date("2020-01-01")),
            .dissolveCluster(id: Self.aero, date: Self.date("2004-01-01")),
        ]
        #expect { try decideAll(commands, state: state, context: Self.context) } throws: { error in
            guard let error = error as? DomainError, case .inCommand(1, .invalidArgument(let field, _)) = error else { return false }
            return field == "commands[1].date" && error.parameters["command"] == .int(1)
        }
        // A refusal that is not about a value keeps its name and parameters, and gains `command`.
        let unknown: [Command] = commands.prefix(1) + [.joinCluster(cluster: try Slug("nope", field: "cluster"), siren: Self.other, date: Self.date("2020-01-01"))]
        #expect { try decideAll(unknown, state: state, context: Self.context) } throws: { error in
            let error = error as? DomainError
            return error == .inCommand(index: 1, .unknownCluster("nope")) && error?.name == "UnknownCluster"
                && error?.parameters == ["cluster": .string("nope"), "command": .int(1)]
        }
        // A single command's error has no position.
        #expect(throws: DomainError.unknownCluster("nope")) { try decide(unknown[1], state: state, context: Self.context) }
        #expect(DomainError.unknownCluster("x").inCommand(3).inCommand(5) == .inCommand(index: 3, .unknownCluster("x")))
    }

    @Test func dissolvingEndsOpenMemberships() throws {
        let state = try Self.world()
        let events = try decide(.dissolveCluster(id: Self.aero, date: Self.date("2022-01-01")), state: state, context: Self.context)
        #expect(events.map(\.kind.typeName) == ["ClusterDissolved", "MembershipEnded"])
    }
}
