import ClusterModel
import EventLog
import Logging
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// The people's write methods (`EnrollTester`, `AddContact`, `RectifyPerson`, `ErasePerson`):
/// where personal values are sealed, and keys made and destroyed (docs/key-store.md); the reads
/// are in `PeopleQueries`.
///
/// A new person's key is made durable on `clusterd-people` (an `fdatasync` of the key store),
/// then the fields are sealed with it and the command goes through `Registry.write`, the one
/// write path; an erasure is written first and the key destroyed after (the log is the authority:
/// a stop in between is finished at the next start). Personal values are never logged, never in
/// an error. Every write takes a `request_id`: a retry returns the first result, the first
/// person id included.
struct PeopleService: Sendable {
    let registry: Registry
    /// Nil when clusterd serves without personal data, or was given no wrapping key.
    let keyStore: KeyStore?
    let pool: BlockingWorkPool
    /// Years after which `ApplyRetention` erases a person (`--retention-years`).
    var retentionYears = 3
    var logger = Logger(label: "clusterd")

    static let writeMethods: Set<String> = ["EnrollTester", "AddContact", "RectifyPerson", "ErasePerson", "RecordParticipation", "ApplyRetention"]

    func write(_ method: String, _ parameters: [String: JSONValue], peerUID: UInt32) async throws -> [String: JSONValue] {
        let p = Parameters(parameters)
        let requestID = try p.optionalString("request_id")
        if let requestID, !DecodedWrite.isValidRequestID(requestID) { throw p.invalid("request_id", "must be 1 to 200 bytes") }
        switch method {
        case "EnrollTester":
            let input = try TesterInput(p)
            let facts = input.facts
            return try await writeNewPerson(method, input.fields, requestID: requestID, peerUID: peerUID) { .enrollTester(person: $0, facts, fields: $1) }
        case "AddContact":
            let siren = try p.siren()
            let fields = try ContactDetails.contactFields(p)
            return try await writeNewPerson(method, fields, requestID: requestID, peerUID: peerUID) { .addContact(person: $0, siren: siren, fields: $1) }
        case "RectifyPerson":
            let person = try PersonID(try p.string("person"))
            guard let keyStore else { throw PeopleError.unavailable }
            let found = try PeopleQueries.living(person, in: registry.view)
            let input = try RectificationInput(p, of: found)
            guard let key = PeopleQueries.key(of: found, in: keyStore) else { throw PeopleError.unavailable }
            let command = Command.rectifyPerson(person: person, fields: key.seal(input.fields, of: person), department: input.department, ageBand: input.ageBand)
            let commands = [command] + (try Self.answering(p, person: person, rights: [.rectification], view: registry.view))
            let result = try await registry.write(commands, request: Self.request(requestID, method, commands), expectedSequence: nil, peerUID: peerUID)
            return ["seq": .int(Int64(result.lastSequence))]
        case "RecordParticipation":
            let (_, result) = try await writeSealed([.participation(try ParticipationInput(p))], method: method, requestID: requestID, expectedSequence: nil, peerUID: peerUID)
            return ["seq": .int(Int64(result.lastSequence))]
        case "ErasePerson":
            let person = try PersonID(try p.string("person"))
            guard let keyStore else { throw PeopleError.unavailable }
            let answer = try Self.answering(p, person: person, rights: [.erasure, .objection], view: registry.view)
            let commands = [Command.erasePerson(person: person, reason: try p.optionalText("reason"))] + answer
            let result = try await registry.write(commands, request: Self.request(requestID, method, commands), expectedSequence: nil, peerUID: peerUID)
            // Also on a retry: a stop between the erasure and the key's destruction left the key.
            _ = try await pool.run { try keyStore.destroy([Daemon.subject(person)]) }
            return ["seq": .int(Int64(result.lastSequence))]
        case "ApplyRetention":
            return try await applyRetention(p, requestID: requestID, peerUID: peerUID)
        default:
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    private static func request(_ id: String?, _ method: String, _ commands: [Command]) -> RequestKey? {
        id.map { RequestKey(id: $0, method: method, commands: commands, expectedSequence: nil) }
    }

    /// The answer to the privacy request a `RectifyPerson` or `ErasePerson` gives effect to, if
    /// it names one: written with it, in the same batch. Checked here against the view so that
    /// an error names `request`; the writer checks again.
    private static func answering(
        _ p: Parameters<[String: JSONValue]>, person: PersonID, rights: Set<PrivacyRight>, view: RegistryState
    ) throws(DomainError) -> [Command] {
        guard let request = try p.sequence("request") else { return [] }
        guard let found = view.privacyRequests[request] else { throw p.invalid("request", "no privacy request was recorded at sequence \(request)") }
        guard found.person == person else { throw p.invalid("request", "request \(request) is \(found.person)'s, not \(person)'s") }
        guard rights.contains(found.record.right) else {
            throw p.invalid("request", "request \(request) asks for \(found.record.right.rawValue), which this call does not give (clusterctl privacy answer \(request))")
        }
        if let answer = found.answer { throw .alreadyExists(kind: "answer to privacy request", id: "\(request) (at sequence \(answer.sequence))") }
        return [.answerPrivacyRequest(request: request, outcome: .done, reason: nil)]
    }

    /// `ApplyRetention`: who is due for erasure, and unless a dry run, their erasures in one
    /// write and their keys destroyed in one rewrite of the key store. Logs how many, never who.
    private func applyRetention(_ p: Parameters<[String: JSONValue]>, requestID: String?, peerUID: UInt32) async throws -> [String: JSONValue] {
        let dryRun = try p.optionalBool("dry_run") ?? false
        let on = try p.optionalDate("on")
        if on != nil, !dryRun { throw p.invalid("on", "is for a dry run only: retention erases what is due today") }
        let view = registry.view
        let years = retentionYears
        let due = view.dueForErasure(on: on ?? Registry.today(), afterYears: years)
        let listed: [JSONValue] = due.map { item in
            .object([
                "person": .string(item.person.text), "kind": .string(view.people[item.person]?.role.kind ?? ""),
                "last_activity": .string(item.lastActivity.description), "activity": .string(item.activity), "due_on": .string(item.dueOn.description),
            ])
        }
        var reply: [String: JSONValue] = ["due": .array(listed), "retention_years": .int(Int64(years)), "erased": .int(0), "seq": .int(Int64(view.lastSequence))]
        guard !dryRun, !due.isEmpty else { return reply }
        guard let keyStore else { throw PeopleError.unavailable }
        let commands = due.map { Command.erasePerson(person: $0.person, reason: "retention: \(years) years after \($0.activity) on \($0.lastActivity)") }
        let result = try await registry.write(commands, request: Self.request(requestID, "ApplyRetention", commands), expectedSequence: nil, peerUID: peerUID)
        _ = try await pool.run { try keyStore.destroy(due.map { Daemon.subject($0.person) }) }
        let testers = due.filter { if case .tester = view.people[$0.person]?.role { return true } else { return false } }.count
        logger.notice(
            "retention erased \(due.count) people (\(testers) testers, \(due.count - testers) contacts) whose retention of \(years) years had run out",
            metadata: ["erased": "\(due.count)", "seq": "\(result.lastSequence)"]
        )
        reply["erased"] = .int(Int64(result.eventCount == 0 ? 0 : due.count))
        reply["seq"] = .int(Int64(result.lastSequence))
        return reply
    }

    /// Placeholders of a sealed value's shape: the rules and a request's fingerprint look at the
    /// fields' names and sizes, never at their values (nor at a new person's id).
    static func placeholders(_ fields: [(PersonalFieldName, String)]) -> [SealedField] {
        fields.map { name, value in SealedField(name: name, sealed: placeholder(value)) }
    }

    static func placeholder(_ value: String) -> [UInt8] {
        [1] + [UInt8](repeating: 0, count: SealedField.overhead - 1 + value.utf8.count)
    }

    /// A participation's command: the tester's age band that day from their birth year, which
    /// only the daemon reads, and their comment sealed with their key; with `placeholder`, the
    /// comment is a placeholder of its size (for checking the command first).
    func participation(_ input: ParticipationInput, view: RegistryState, placeholder: Bool) throws -> Command {
        let found = try PeopleQueries.living(input.person, in: view)
        guard case .tester(let facts) = found.role else {
            throw DomainError.invalidArgument(field: "person", reason: "\(input.person) is a contact, who takes part in no campaign")
        }
        guard let key = PeopleQueries.key(of: found, in: keyStore) else { throw PeopleError.unavailable }
        let band = facts.ageBand(on: input.on, birthYear: key.open(.birthYear, of: found))
        let comment = input.comment.map { text in placeholder ? Self.placeholder(text) : key.seal(text, as: .comment, of: input.person) }
        return .recordParticipation(person: input.person, campaign: input.campaign, Participation(on: input.on, ageBand: band, rating: input.rating, comment: comment))
    }

    /// Writes the command that `make` builds for a new person, through `writeSealed`; a retry
    /// answers the person the first attempt recorded.
    private func writeNewPerson(
        _ method: String, _ fields: [(PersonalFieldName, String)], requestID: String?, peerUID: UInt32,
        _ make: @escaping @Sendable (PersonID, [SealedField]) -> Command
    ) async throws -> [String: JSONValue] {
        let (ids, result) = try await writeSealed([.newPerson(fields: fields, make: make)], method: method, requestID: requestID, expectedSequence: nil, peerUID: peerUID)
        var person = ids[0]!
        if result.eventCount == 0 {
            // A retry: the person is the one the first attempt recorded, at that sequence.
            guard let first = registry.view.people.values.first(where: { $0.history.first == result.lastSequence }) else {
                preconditionFailure("request \(requestID ?? "") answered with sequence \(result.lastSequence), which recorded no person")
            }
            person = first.id
        }
        return ["person": .string(person.text), "seq": .int(Int64(result.lastSequence))]
    }
}

/// An `EnrollTester` call's values, checked: what the registry keeps in clear, and the personal
/// fields still in clear, to be sealed.
struct TesterInput {
    var facts: TesterFacts
    var fields: [(PersonalFieldName, String)]

    init(_ p: Parameters<[String: JSONValue]>) throws(DomainError) {
        let enrolledOn = try p.date("enrolled_on")
        let birthYear = try p.integer("birth_year")
        let year = enrolledOn.components.year
        // The messages never repeat the value: a birth year is personal.
        guard (1900...Int64(year)).contains(birthYear) else {
            throw p.invalid("birth_year", "must be a year from 1900 to \(year), the year of enrolment")
        }
        guard let band = AgeBand(birthYear: Int(birthYear), on: enrolledOn) else {
            throw p.invalid("birth_year", "a tester is 60 or older in the year of enrolment (\(year)): born in \(year - 60) or before")
        }
        guard let consentObject = p.values["consent"]?.objectValue else { throw p.invalid("consent", "is required") }
        let c = Parameters(consentObject, prefix: "consent.")
        let consent = Consent(
            purpose: try c.text("purpose"), textVersion: try c.text("text_version", maximum: 50), givenOn: try c.date("given_on"),
            channel: try ConsentChannel(try c.string("channel"))
        )
        facts = TesterFacts(cluster: try p.slug("cluster"), department: try Department(try p.string("department"), field: "department"), enrolledOn: enrolledOn, ageBandAtEnrolment: band, consent: consent)
        fields = [(.name, try p.text("name")), (.birthYear, String(birthYear))] + (try ContactDetails.read(p))
        guard fields.contains(where: { $0.0 == .email || $0.0 == .phone }) else {
            throw p.invalid("email", "a tester needs an e-mail address or a phone number")
        }
    }
}

/// A `RectifyPerson` call's values, checked against the person: the fields in clear, to be
/// sealed, a tester's new department, and the age band at enrolment that a rectified birth
/// year gives.
struct RectificationInput {
    var fields: [(PersonalFieldName, String)] = []
    var department: Department?
    var ageBand: AgeBand?

    init(_ p: Parameters<[String: JSONValue]>, of person: PersonState) throws(DomainError) {
        if let name = try p.optionalText("name") { fields.append((.name, name)) }
        fields += try ContactDetails.read(p)
        switch person.role {
        case .tester(let facts):
            if p.has("role") { throw p.invalid("role", "a tester has no role") }
            if let birthYear = try p.optionalInteger("birth_year") {
                let year = facts.enrolledOn.components.year
                guard (1900...Int64(year)).contains(birthYear), let band = AgeBand(birthYear: Int(birthYear), on: facts.enrolledOn) else {
                    throw p.invalid("birth_year", "a tester is 60 or older in the year of enrolment (\(year)): born from 1900 to \(year - 60)")
                }
                fields.append((.birthYear, String(birthYear)))
                if band != facts.ageBandAtEnrolment { ageBand = band }
            }
            if let code = try p.optionalString("department") { department = try Department(code, field: "department") }
        case .contact:
            if let role = try p.optionalText("role") { fields.append((.role, role)) }
            if p.has("birth_year") { throw p.invalid("birth_year", "a contact has no birth year") }
            if p.has("department") { throw p.invalid("department", "a contact has no department of residence") }
        }
        guard !fields.isEmpty || department != nil else {
            throw p.invalid("person", "nothing to rectify: give at least one of name, email, phone, birth_year, role, department")
        }
    }
}

/// A `RecordParticipation`'s values, checked.
struct ParticipationInput {
    var person: PersonID
    var campaign: Slug
    var on: CalendarDate
    var rating: Int?
    var comment: String?

    init(_ p: Parameters<[String: JSONValue]>) throws(DomainError) {
        person = try PersonID(try p.string("person"), field: p.name("person"))
        campaign = try p.slug("campaign")
        on = try p.date("on")
        if let rating = try p.optionalInteger("rating") {
            guard Participation.ratings.contains(Int(clamping: rating)) else { throw p.invalid("rating", "a rating is 1 to 5, not \(rating)") }
            self.rating = Int(rating)
        }
        comment = try p.optionalText("comment", maximum: 1000)
    }
}

/// E-mail addresses and phone numbers: checked for their shape, nothing more.
enum ContactDetails {
    /// An `AddContact`'s personal fields: a name, a role, an e-mail address, a phone number.
    static func contactFields(_ p: Parameters<[String: JSONValue]>) throws(DomainError) -> [(PersonalFieldName, String)] {
        var fields: [(PersonalFieldName, String)] = [(.name, try p.text("name"))]
        if let role = try p.optionalText("role") { fields.append((.role, role)) }
        return fields + (try read(p))
    }

    static func read(_ p: Parameters<[String: JSONValue]>) throws(DomainError) -> [(PersonalFieldName, String)] {
        var fields: [(PersonalFieldName, String)] = []
        if let email = try p.optionalText("email", maximum: 254) {
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
                throw p.invalid("email", "is not an e-mail address (name@domain)")
            }
            fields.append((.email, email))
        }
        if let phone = try p.optionalText("phone", maximum: 30) {
            let digits = phone.filter(\.isNumber).count
            guard (6...15).contains(digits), phone.allSatisfy({ $0.isNumber || " +.-()".contains($0) }) else {
                throw p.invalid("phone", "is not a phone number (6 to 15 digits, with spaces, +, ., - or parentheses)")
            }
            fields.append((.phone, phone))
        }
        return fields
    }
}

/// Who may read personal fields: root, the daemon's user and members of the privacy group.
struct PersonalDataAccess: Sendable {
    let daemonUID: UInt32
    let privacyGroupName: String
    let privacyGID: UInt32?

    init(privacyGroupName: String) {
        daemonUID = geteuid()
        self.privacyGroupName = privacyGroupName
        privacyGID = getgrnam(privacyGroupName).map { $0.pointee.gr_gid }
    }

    func mayReadPersonalFields(_ peer: VarlinkPeer?) -> Bool {
        guard let peer else { return false }
        if peer.uid == 0 || peer.uid == daemonUID { return true }
        if let privacyGID { return peer.isMember(ofGroup: privacyGID) }
        return false
    }
}

enum PeopleError: Error {
    /// No key store: clusterd serves without personal data, or was given no wrapping key.
    case unavailable
}
