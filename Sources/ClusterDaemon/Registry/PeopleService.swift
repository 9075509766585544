import ClusterModel
import EventLog
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// The people's methods (`EnrollTester`, `AddContact`, `ErasePerson`, `GetPerson`): where
/// personal values are sealed and opened, and keys made and destroyed (docs/key-store.md).
///
/// A new person's key is made durable on `clusterd-people` (an `fdatasync` of the key store),
/// then the fields are sealed with it and the command goes through `Registry.write`, the one
/// write path; an erasure is written first and the key destroyed after (the log is the authority:
/// a stop in between is finished at the next start). Personal values are never logged, never in
/// an error.
struct PeopleService: Sendable {
    let registry: Registry
    /// Nil when clusterd serves without personal data, or was given no wrapping key.
    let keyStore: KeyStore?
    let access: PersonalDataAccess
    let pool: BlockingWorkPool

    static let writeMethods: Set<String> = ["EnrollTester", "AddContact", "ErasePerson"]

    func write(_ method: String, _ parameters: [String: JSONValue], peerUID: UInt32) async throws -> [String: JSONValue] {
        let p = Parameters(parameters)
        switch method {
        case "EnrollTester":
            let input = try TesterInput(p)
            let (person, fields) = try await sealNew(input.fields)
            let result = try await registry.write([.enrollTester(person: person, input.facts, fields: fields)], request: nil, expectedSequence: nil, peerUID: peerUID)
            return ["person": .string(person.text), "seq": .int(Int64(result.lastSequence))]
        case "AddContact":
            let siren = try p.siren()
            var fields: [(PersonalFieldName, String)] = [(.name, try p.text("name"))]
            if let role = try p.optionalText("role") { fields.append((.role, role)) }
            fields += try ContactDetails.read(p)
            let (person, sealed) = try await sealNew(fields)
            let result = try await registry.write([.addContact(person: person, siren: siren, fields: sealed)], request: nil, expectedSequence: nil, peerUID: peerUID)
            return ["person": .string(person.text), "seq": .int(Int64(result.lastSequence))]
        case "ErasePerson":
            let person = try PersonID(try p.string("person"))
            guard let keyStore else { throw PeopleError.unavailable }
            let reason = try p.optionalText("reason")
            let result = try await registry.write([.erasePerson(person: person, reason: reason)], request: nil, expectedSequence: nil, peerUID: peerUID)
            _ = try await pool.run { try keyStore.destroy([Daemon.subject(person)]) }
            return ["seq": .int(Int64(result.lastSequence))]
        default:
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    /// A fresh person id and key (durable before this returns), and `fields` sealed with it.
    private func sealNew(_ fields: [(PersonalFieldName, String)]) async throws -> (PersonID, [SealedField]) {
        guard let keyStore else { throw PeopleError.unavailable }
        let view = registry.view
        return try await pool.run {
            var person = PersonID.random()
            while view.people[person] != nil || keyStore.key(for: Daemon.subject(person)) != nil { person = PersonID.random() }
            let subject = Daemon.subject(person)
            let key = try keyStore.createKeys(for: [subject])[0]
            let sealed = fields.map { name, value in
                SealedField(name: name, sealed: key.seal(Array(value.utf8), subject: subject, field: name.rawValue))
            }
            return (person, sealed)
        }
    }

    /// One person as `GetPerson` answers: personal fields only for those who may read them.
    func get(_ parameters: [String: JSONValue], peer: VarlinkPeer?, view: RegistryState) throws -> [String: JSONValue] {
        let p = Parameters(parameters)
        let id = try PersonID(try p.string("person"))
        guard let person = view.people[id] else { throw DomainError.unknownPerson(id.text) }
        var object: [String: JSONValue] = ["id": .string(id.text), "kind": .string(person.role.kind), "erased": .bool(person.isErased)]
        var opened: [PersonalFieldName: String] = [:]
        if !person.isErased, let keyStore, access.mayReadPersonalFields(peer), let key = keyStore.key(for: Daemon.subject(id)) {
            for (name, sealed) in person.fields {
                if let bytes = key.open(sealed, subject: Daemon.subject(id), field: name.rawValue) { opened[name] = String(decoding: bytes, as: UTF8.self) }
            }
        }
        switch person.role {
        case .tester(let facts):
            object["cluster"] = .string(facts.cluster.text)
            object["department"] = .string(facts.department.code)
            object["enrolled_on"] = .string(facts.enrolledOn.description)
            object["consent"] = .object([
                "purpose": .string(facts.consent.purpose), "text_version": .string(facts.consent.textVersion),
                "given_on": .string(facts.consent.givenOn.description), "channel": .string(facts.consent.channel.rawValue),
            ])
            // The band today when the birth year can be read (by the daemon: the band itself is
            // no personal field), else the band at enrolment.
            var band = facts.ageBandAtEnrolment
            if !person.isErased, let keyStore, let key = keyStore.key(for: Daemon.subject(id)), let sealed = person.fields[.birthYear],
                let bytes = key.open(sealed, subject: Daemon.subject(id), field: PersonalFieldName.birthYear.rawValue),
                let year = Int(String(decoding: bytes, as: UTF8.self)), let today = AgeBand(birthYear: year, on: Registry.today())
            {
                band = today
            }
            object["age_band"] = .string(band.rawValue)
        case .contact(let siren):
            object["siren"] = .string(siren.description)
        }
        if let erasure = person.erasure { object["erased_at"] = .string(Timestamp.utcString(microseconds: erasure.recordedAtMicroseconds)) }
        for (name, value) in opened {
            object[name.rawValue] = name == .birthYear ? Int64(value).map { .int($0) } ?? .string(value) : .string(value)
        }
        return ["person": .object(object), "seq": .int(Int64(view.lastSequence))]
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
        guard (1900...Int64(year)).contains(birthYear) else {
            throw p.invalid("birth_year", "must be a year from 1900 to \(year), the year of enrolment")
        }
        guard let band = AgeBand(birthYear: Int(birthYear), on: enrolledOn) else {
            throw p.invalid("birth_year", "a tester is 60 or older in the year of enrolment; born in \(birthYear) is \(Int64(year) - birthYear) in \(year)")
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

/// E-mail addresses and phone numbers: checked for their shape, nothing more.
enum ContactDetails {
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
