import ClusterModel
import EventLog
import Varlink

/// The people's reads (`GetPerson`, `ExportPerson`, `ListTesters`, `GetTesterStats`), on the
/// durable read view: personal fields opened with the person's key for root, the daemon's user
/// and the privacy group only; everyone else gets ids, age bands and what is kept in clear.
///
/// The daemon itself opens a tester's birth year to give the age band on the date asked: a band
/// is no personal field. An erased tester's birth year is gone with their key, so their band is
/// the one recorded at enrolment (docs/privacy.md).
public struct PeopleQueries: Sendable {
    let keyStore: KeyStore?
    let access: PersonalDataAccess
    let log: EventLog
    /// Where the reads that open every tester of a cluster run, off the event loops.
    let pool: BlockingWorkPool

    public static let methods: Set<String> = ["GetPerson", "ExportPerson", "ListTesters", "GetTesterStats", "ListPrivacyRequests"]

    func answer(_ method: String, _ parameters: [String: JSONValue], peer: VarlinkPeer?, view: RegistryState) async throws -> [String: JSONValue] {
        let p = Parameters(parameters)
        let reader = access.mayReadPersonalFields(peer)
        switch method {
        case "GetPerson":
            let id = try PersonID(try p.string("person"))
            guard let person = view.people[id] else { throw DomainError.unknownPerson(id.text) }
            return ["person": .object(object(person, personalFields: reader, on: Registry.today())), "seq": .int(Int64(view.lastSequence))]
        case "ExportPerson":
            let id = try PersonID(try p.string("person"))
            guard reader else { throw denied("exporting a person") }
            guard let person = view.people[id] else { throw DomainError.unknownPerson(id.text) }
            return try await pool.run { try export(person, view: view) }
        case "ListTesters", "GetTesterStats":
            let cluster = try p.slug("cluster")
            guard view.clusters[cluster] != nil else { throw DomainError.unknownCluster(cluster.text) }
            let on = try p.optionalDate("on") ?? Registry.today()
            let testers = view.people.values.filter {
                if case .tester(let facts) = $0.role { return facts.cluster == cluster && facts.enrolledOn <= on }
                return false
            }
            .sorted { ($0.history.first ?? 0) < ($1.history.first ?? 0) }
            if method == "ListTesters" {
                let objects = try await pool.run { testers.map { tester(self.object($0, personalFields: reader, on: on)) } }
                return ["testers": .array(objects), "total": .int(Int64(objects.count)), "seq": .int(Int64(view.lastSequence))]
            }
            let bands = try await pool.run { testers.map { ageBand(of: $0, on: on) } }
            let campaigns = view.campaigns.values.filter { $0.record.cluster == cluster }.sorted { $0.record.id < $1.record.id }
            return ["stats": stats(cluster: cluster, on: on, testers: testers, bands: bands, campaigns: campaigns), "seq": .int(Int64(view.lastSequence))]
        case "ListPrivacyRequests":
            guard reader else { throw denied("the privacy requests") }
            return Self.privacyRequests(view, openOnly: try p.optionalBool("open") ?? false, on: try p.optionalDate("on") ?? Registry.today())
        default:
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    private func denied(_ what: String) -> VarlinkError {
        VarlinkError(
            "\(RegistryInterfaceDefinition.name).PermissionDenied",
            parameters: ["reason": .string("\(what) is for root and members of the privacy group \(access.privacyGroupName)")]
        )
    }

    /// `ListPrivacyRequests`: every request, oldest first, with its deadline and status on `on`.
    static func privacyRequests(_ view: RegistryState, openOnly: Bool, on: CalendarDate) -> [String: JSONValue] {
        var listed: [JSONValue] = []
        var open = 0
        var overdue = 0
        for sequence in view.privacyRequests.keys.sorted() {
            let request = view.privacyRequests[sequence]!
            let status: String
            if let answer = request.answer {
                if openOnly { continue }
                status = answer.outcome.rawValue
            } else {
                open += 1
                status = request.record.deadline < on ? "overdue" : "open"
                if status == "overdue" { overdue += 1 }
            }
            var object: [String: JSONValue] = [
                "request": .int(Int64(sequence)), "person": .string(request.person.text), "right": .string(request.record.right.rawValue),
                "received_on": .string(request.record.receivedOn.description), "channel": .string(request.record.channel.rawValue),
                "deadline": .string(request.record.deadline.description), "status": .string(status),
            ]
            if let answer = request.answer {
                object["answered_at"] = .string(Timestamp.utcString(microseconds: answer.recordedAtMicroseconds))
                object["answer_seq"] = .int(Int64(answer.sequence))
                if let reason = answer.reason { object["reason"] = .string(reason) }
            }
            listed.append(.object(object))
        }
        return ["requests": .array(listed), "open": .int(Int64(open)), "overdue": .int(Int64(overdue)), "seq": .int(Int64(view.lastSequence))]
    }

    /// The people's reads on a log replayed without its key store (`clusterctl --log`): personal
    /// fields withheld, every age band the one recorded at enrolment, the privacy requests (which
    /// hold nothing personal); exporting a person needs the daemon, which holds their keys.
    public static func answerOffline(_ method: String, _ parameters: [String: JSONValue], state: RegistryState, log: EventLog) async throws -> [String: JSONValue] {
        let p = Parameters(parameters)
        switch method {
        case "ListPrivacyRequests":
            return privacyRequests(state, openOnly: try p.optionalBool("open") ?? false, on: try p.optionalDate("on") ?? Registry.today())
        case "ExportPerson":
            throw VarlinkError(
                "\(RegistryInterfaceDefinition.name).PermissionDenied",
                parameters: ["reason": .string("exporting a person needs the daemon, which holds the keys of their personal fields; a log file holds them sealed")]
            )
        default:
            let queries = PeopleQueries(
                keyStore: nil, access: PersonalDataAccess(privacyGroupName: "clusterd-privacy"), log: log,
                pool: BlockingWorkPool(name: "clusterctl-people", threads: 1)
            )
            return try await queries.answer(method, parameters, peer: nil, view: state)
        }
    }

    /// The person `id` if recorded and not erased: what a change needs.
    static func living(_ id: PersonID, in view: RegistryState) throws(DomainError) -> PersonState {
        guard let person = view.people[id] else { throw .unknownPerson(id.text) }
        guard !person.isErased else { throw .personErased(id.text) }
        return person
    }

    /// The person's personal fields in clear, each opened once; empty when erased or without
    /// a key store.
    private func opened(_ person: PersonState) -> [PersonalFieldName: String] {
        Self.key(of: person, in: keyStore)?.open(person) ?? [:]
    }

    /// The key of a person who is not erased, when the key store holds it: what every read or
    /// write that opens or seals a person's fields needs.
    static func key(of person: PersonState, in keyStore: KeyStore?) -> SubjectKey? {
        guard !person.isErased else { return nil }
        return keyStore?.key(for: Daemon.subject(person.id))
    }

    /// A tester's band on `on`: from the birth year when it can be opened, else the band at
    /// enrolment.
    private func ageBand(of person: PersonState, on: CalendarDate) -> AgeBand? {
        guard case .tester(let facts) = person.role else { return nil }
        guard let key = Self.key(of: person, in: keyStore) else { return facts.ageBandAtEnrolment }
        return facts.ageBand(on: on, birthYear: key.open(.birthYear, of: person))
    }

    /// A `Person`: what is kept in clear, and the personal fields when `personalFields`.
    private func object(_ person: PersonState, personalFields: Bool, on: CalendarDate) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["id": .string(person.id.text), "kind": .string(person.role.kind), "erased": .bool(person.isErased)]
        let opened = opened(person)
        switch person.role {
        case .tester(let facts):
            object["cluster"] = .string(facts.cluster.text)
            object["department"] = .string(facts.department.code)
            object["enrolled_on"] = .string(facts.enrolledOn.description)
            object["consent"] = .object([
                "purpose": .string(facts.consent.purpose), "text_version": .string(facts.consent.textVersion),
                "given_on": .string(facts.consent.givenOn.description), "channel": .string(facts.consent.channel.rawValue),
            ])
            object["age_band"] = .string(facts.ageBand(on: on, birthYear: opened[.birthYear]).rawValue)
            // Without the birth year (no key store, or erased) the band is the one at enrolment.
            object["age_band_basis"] = .string(opened[.birthYear] == nil ? "enrolment" : "birth_year")
        case .contact(let siren):
            object["siren"] = .string(siren.description)
        }
        if let erasure = person.erasure { object["erased_at"] = .string(Timestamp.utcString(microseconds: erasure.recordedAtMicroseconds)) }
        if let withdrawal = person.withdrawal { object["withdrawn_on"] = .string(withdrawal.on.description) }
        if case .tester = person.role { object["campaigns"] = .int(Int64(person.campaigns.count)) }
        if personalFields {
            for (name, value) in opened {
                object[name.rawValue] = name == .birthYear ? Int64(value).map { .int($0) } ?? .string(value) : .string(value)
            }
        }
        // The fields held but not shown: to a reader outside the privacy group, or without keys.
        let withheld = person.fields.keys.filter { object[$0.rawValue] == nil }.map(\.rawValue).sorted()
        if !withheld.isEmpty { object["withheld"] = .array(withheld.map { .string($0) }) }
        return object
    }

    /// A `Tester` of `ListTesters`, from a `Person`.
    private func tester(_ person: [String: JSONValue]) -> JSONValue {
        .object(person.filter { ["id", "age_band", "age_band_basis", "department", "enrolled_on", "erased", "name", "email", "phone", "birth_year", "withheld"].contains($0.key) })
    }

    /// Everything held about a person, for their rights of access and portability: the person,
    /// why the registry holds them, and each event about them as the log holds it (personal
    /// fields by name only: their values are in `person`).
    private func export(_ person: PersonState, view: RegistryState) throws -> [String: JSONValue] {
        var events: [JSONValue] = []
        for sequence in person.history {
            try log.forEachRecord(from: sequence, through: sequence, verifyingChecksums: true) { record in
                let event = try EventCodec.decode(record.payload)
                events.append(ReplyEncoding.logEvent(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds, chainHash: record.chainHash))
            }
        }
        let export: [String: JSONValue] = [
            "person": .object(object(person, personalFields: true, on: Registry.today())),
            "purposes": .array(Self.purposes(person.role).map { purpose, basis in .object(["purpose": .string(purpose), "lawful_basis": .string(basis)]) }),
            "events": .array(events),
            "exported_at": .string(Timestamp.utcString(microseconds: WallClock.nowMicroseconds())),
        ]
        return ["export": .object(export), "seq": .int(Int64(view.lastSequence))]
    }

    /// Why the registry holds a person, and on what ground (docs/privacy.md, the record of
    /// processing).
    static func purposes(_ role: PersonRole) -> [(String, String)] {
        switch role {
        case .tester(let facts):
            return [
                ("testing the innovations of the members of cluster \(facts.cluster.text): \(facts.consent.purpose)", "consent (GDPR article 6(1)(a)), given on \(facts.consent.givenOn), text version \(facts.consent.textVersion)"),
                ("statistics of the cluster's testers by age band and department, with groups under 5 people withheld", "legitimate interests of the cluster (GDPR article 6(1)(f))"),
            ]
        case .contact(let siren):
            return [("the relations between the cluster and its member company \(siren)", "legitimate interests of the cluster (GDPR article 6(1)(f))")]
        }
    }

    /// `TesterStats`: the testers enrolled by `on`, by age band on that day and by department,
    /// and those of each campaign by then; a cell of fewer than 5 testers is withheld, like a
    /// survey's small groups.
    private func stats(cluster: Slug, on: CalendarDate, testers: [PersonState], bands: [AgeBand?], campaigns: [CampaignState]) -> JSONValue {
        var byBand: [AgeBand: Int] = [:]
        var byDepartment: [String: Int] = [:]
        for (person, band) in zip(testers, bands) {
            if let band { byBand[band, default: 0] += 1 }
            if case .tester(let facts) = person.role { byDepartment[facts.department.code, default: 0] += 1 }
        }
        func cell(_ key: String, _ count: Int) -> JSONValue {
            let suppressed = count < RegistryState.minimumGroupSize
            var cell: [String: JSONValue] = ["key": .string(key), "suppressed": .bool(suppressed)]
            if !suppressed { cell["testers"] = .int(Int64(count)) }
            return .object(cell)
        }
        return .object([
            "cluster": .string(cluster.text),
            "on": .string(on.description),
            // Without keys no birth year is read: every band is the one recorded at enrolment.
            "age_band_basis": .string(keyStore == nil ? "enrolment" : "birth_year"),
            "testers": .int(Int64(testers.count)),
            "erased": .int(Int64(testers.filter(\.isErased).count)),
            "by_age_band": .array(AgeBand.allCases.compactMap { band in byBand[band].map { cell(band.rawValue, $0) } }),
            "by_department": .array(byDepartment.keys.sorted().map { cell($0, byDepartment[$0]!) }),
            "by_campaign": .array(campaigns.map { campaign in
                let taken = campaign.participations.values.filter { $0.on <= on }
                let ratings = taken.compactMap(\.rating)
                let suppressed = taken.count < RegistryState.minimumGroupSize
                var cell: [String: JSONValue] = [
                    "campaign": .string(campaign.record.id.text), "kind": .string(campaign.record.kind.rawValue),
                    "title": .string(campaign.record.title), "suppressed": .bool(suppressed),
                ]
                if !suppressed {
                    cell["testers"] = .int(Int64(taken.count))
                    cell["rated"] = .int(Int64(ratings.count))
                    // The mean of integers, rounded once to one decimal.
                    if !ratings.isEmpty { cell["mean_rating"] = .double((Double(ratings.reduce(0, +) * 10) / Double(ratings.count)).rounded() / 10) }
                }
                return .object(cell)
            }),
        ])
    }
}
