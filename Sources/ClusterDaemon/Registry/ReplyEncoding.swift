import ClusterModel
import EventLog
import Varlink

/// Model values as the JSON of `org.clusterd.Registry` replies.
public enum ReplyEncoding {
    static func tally(_ key: String, _ label: String, _ tally: Tally) -> JSONValue {
        [
            "key": .string(key), "label": .string(label), "clusters": .int(Int64(tally.clusters)),
            "companies": .int(Int64(tally.companies)), "jobs": .int(tally.jobs),
        ]
    }

    static func statistics(_ stats: NetworkStatistics, sequence: UInt64) -> [String: JSONValue] {
        [
            "on": .string(stats.date.description),
            "as_of": .string(stats.date.description),
            "seq": .int(Int64(sequence)),
            "clusters": .int(Int64(stats.total.clusters)),
            "companies": .int(Int64(stats.total.companies)),
            "jobs": .int(stats.total.jobs),
            "by_size": .array(SizeCategory.allCases.compactMap { category in
                stats.bySize[category].map { tally(category.rawValue, category.rawValue, $0) }
            }),
            "by_region": .array(stats.byRegion.keys.sorted().map { tally($0.code, $0.name, stats.byRegion[$0]!) }),
            "by_section": .array(stats.bySection.keys.sorted().map { tally($0.description, $0.label, stats.bySection[$0]!) }),
        ]
    }

    static func cluster(_ view: ClusterView) -> JSONValue {
        let record = view.state.record
        var object: [String: JSONValue] = [
            "id": .string(record.id.text),
            "name": .string(record.name),
            "regions": .array(record.regions.map { .string($0.code) }),
            "departments": .array(record.departments.map { .string($0.code) }),
            "members": .int(Int64(view.memberCount)),
            "jobs": .int(view.jobs),
            "partners": .array(view.state.partners.map { .object(ProjectParameters.partnerObject($0)) }),
        ]
        if let section = record.nafSection { object["naf_section"] = .string(section.description) }
        if let founded = record.founded { object["founded"] = .string(founded.description) }
        if let dissolved = view.state.dissolvedOn { object["dissolved_on"] = .string(dissolved.description) }
        if let siret = record.siret { object["siret"] = .string(siret.description) }
        return .object(object)
    }

    static func company(_ record: CompanyRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "siren": .string(record.siren.description),
            "name": .string(record.name),
            "naf": .string(record.naf.code),
            "naf_section": .string(record.naf.section.description),
            "department": .string(record.department.code),
            "region": .string(record.department.region.code),
            "employees": .int(record.employees),
            "category": .string(record.derivedCategory.rawValue),
        ]
        if let turnover = record.turnoverEUR { object["turnover_eur"] = .int(turnover) }
        if let declared = record.declaredCategory { object["declared_category"] = .string(declared.rawValue) }
        return .object(object)
    }

    static func membership(_ view: MembershipView) -> JSONValue {
        var object: [String: JSONValue] = [
            "cluster": .string(view.cluster.text), "cluster_name": .string(view.clusterName), "since": .string(view.period.start.description),
        ]
        if let end = view.period.end { object["until"] = .string(end.description) }
        return .object(object)
    }

    static func member(_ view: MemberView) -> JSONValue {
        [
            "siren": .string(view.company.siren.description), "name": .string(view.company.name), "since": .string(view.since.description),
            "employees": .int(view.company.employees), "category": .string(view.company.derivedCategory.rawValue),
        ]
    }

    static func question(_ question: Question) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(question.id.text), "text": .string(question.text), "kind": .string(question.kind.rawValue),
            "required": .bool(question.required),
        ]
        if !question.options.isEmpty { object["options"] = .array(question.options.map { .string($0) }) }
        if let minimum = question.minimum { object["min"] = .int(minimum) }
        if let maximum = question.maximum { object["max"] = .int(maximum) }
        return .object(object)
    }

    static func questionResult(_ result: QuestionResult) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(result.question.id.text),
            "text": .string(result.question.text),
            "kind": .string(result.question.kind.rawValue),
            "respondents": .int(Int64(result.respondents)),
            "options": .array(result.options.map { option in
                [
                    "value": .string(option.value), "count": .int(Int64(option.count)), "percent": .double(option.percent),
                    "ci95": [.double(option.ci95.0), .double(option.ci95.1)],
                ]
            }),
        ]
        if let mean = result.mean { object["mean"] = .double(mean) }
        if !result.bins.isEmpty {
            object["bins"] = .array(result.bins.map { ["from": .int($0.lower), "to": .int($0.upper), "count": .int(Int64($0.count))] })
        }
        return .object(object)
    }

    static func surveyResults(_ results: SurveyResults, sequence: UInt64) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "survey": .string(results.survey.id.text),
            "title": .string(results.survey.title),
            "respondents": .int(Int64(results.respondents)),
            "weighted": .bool(results.weighted),
            "closed": .bool(results.closed),
            "questions": .array(results.questions.map(questionResult)),
            "seq": .int(Int64(sequence)),
        ]
        if let breakdown = results.breakdown {
            object["breakdown"] = .string(breakdown.rawValue)
            object["groups"] = .array(results.groups.map { group in
                [
                    "group": .string(group.key), "label": .string(group.label), "respondents": .int(Int64(group.respondents)),
                    "suppressed": .bool(group.suppressed), "questions": .array(group.questions.map(questionResult)),
                ]
            })
        }
        return object
    }

    static func surveySummary(_ survey: SurveyState, at microseconds: Int64) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(survey.definition.id.text), "title": .string(survey.definition.title),
            "opens_at": .string(survey.definition.opensAt.description), "closes_at": .string(survey.definition.closesAt.description),
            "respondents": .int(Int64(survey.responses.count)), "questions": .int(Int64(survey.definition.questions.count)),
        ]
        object.merge(surveyStatus(SurveyStatus(survey, at: microseconds))) { $1 }
        return .object(object)
    }

    /// `status`, `closed`, and for a closed survey `closed_by` (date or event) and `closed_at`.
    static func surveyStatus(_ status: SurveyStatus) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["status": .string(status.name), "closed": .bool(status.closedBy != nil)]
        if let closedBy = status.closedBy { object["closed_by"] = .string(closedBy) }
        if let closedAt = status.closedAt { object["closed_at"] = .string(closedAt) }
        return object
    }

    /// A company event's record as stored: without what is derived from it.
    private static func companyBody(_ record: CompanyRecord, effectiveOn: CalendarDate?) -> [String: JSONValue] {
        var object = company(record).objectValue!
        object.removeValue(forKey: "category")
        object.removeValue(forKey: "region")
        object.removeValue(forKey: "naf_section")
        if let effectiveOn { object["effective_on"] = .string(effectiveOn.description) }
        return object
    }

    /// The payload of an event, field by field.
    public static func eventBody(_ kind: EventKind) -> [String: JSONValue] {
        func clusterRecord(_ record: ClusterRecord) -> [String: JSONValue] {
            var object: [String: JSONValue] = [
                "id": .string(record.id.text), "name": .string(record.name),
                "regions": .array(record.regions.map { .string($0.code) }), "departments": .array(record.departments.map { .string($0.code) }),
            ]
            if let section = record.nafSection { object["naf_section"] = .string(section.description) }
            if let founded = record.founded { object["founded"] = .string(founded.description) }
            if let siret = record.siret { object["siret"] = .string(siret.description) }
            return object
        }
        if let body = ProjectParameters.body(kind) { return body }
        switch kind {
        case .clusterRegistered(let record), .clusterUpdated(let record):
            return clusterRecord(record)
        case .clusterDissolved(let cluster, let date):
            return ["id": .string(cluster.text), "date": .string(date.description)]
        case .companyRegistered(let record):
            return companyBody(record, effectiveOn: nil)
        case .companyUpdated(let record, let effectiveOn):
            return companyBody(record, effectiveOn: effectiveOn)
        case .membershipStarted(let cluster, let siren, let date):
            return ["cluster": .string(cluster.text), "siren": .string(siren.description), "date": .string(date.description)]
        case .membershipEnded(let cluster, let siren, let date, let reason):
            var object: [String: JSONValue] = ["cluster": .string(cluster.text), "siren": .string(siren.description), "date": .string(date.description)]
            if let reason { object["reason"] = .string(reason) }
            return object
        case .partnerLinked(let cluster, let partner):
            var object = ProjectParameters.partnerObject(partner)
            object["cluster"] = .string(cluster.text)
            return object
        case .surveyDefined(let survey):
            return [
                "id": .string(survey.id.text), "title": .string(survey.title), "opens_at": .string(survey.opensAt.description),
                "closes_at": .string(survey.closesAt.description), "questions": .array(survey.questions.map(question)),
            ]
        case .surveyClosed(let survey):
            return ["id": .string(survey.text)]
        case .responseSubmitted(let survey, let siren, let submittedAt, let answers):
            var encoded: [String: JSONValue] = [:]
            for (question, answer) in answers {
                switch answer {
                case .yesNo(let yes): encoded[question.text] = .string(yes ? "yes" : "no")
                case .choice(let option): encoded[question.text] = .string(option)
                case .choices(let options): encoded[question.text] = .array(options.map { .string($0) })
                case .integer(let value): encoded[question.text] = .int(value)
                }
            }
            return [
                "survey": .string(survey.text), "siren": .string(siren.description),
                "submitted_at": .string(submittedAt.description), "answers": .object(encoded),
            ]
        case .snapshotTaken(let sequence, let digest):
            return ["snapshot_seq": .int(Int64(sequence)), "sha256": .string(ChainHash.hexString(digest))]
        // The people's events show which personal fields they hold, never their sealed values.
        case .testerEnrolled(let person, let facts, let fields):
            return [
                "person": .string(person.text), "cluster": .string(facts.cluster.text), "department": .string(facts.department.code),
                "enrolled_on": .string(facts.enrolledOn.description), "age_band_at_enrolment": .string(facts.ageBandAtEnrolment.rawValue),
                "consent": .object([
                    "purpose": .string(facts.consent.purpose), "text_version": .string(facts.consent.textVersion),
                    "given_on": .string(facts.consent.givenOn.description), "channel": .string(facts.consent.channel.rawValue),
                ]),
                "personal_fields": personalFieldNames(fields),
            ]
        case .contactAdded(let person, let siren, let fields):
            return ["person": .string(person.text), "siren": .string(siren.description), "personal_fields": personalFieldNames(fields)]
        case .personRectified(let person, let fields, let department, let ageBand):
            var object: [String: JSONValue] = ["person": .string(person.text), "personal_fields": personalFieldNames(fields)]
            if let department { object["department"] = .string(department.code) }
            if let ageBand { object["age_band_at_enrolment"] = .string(ageBand.rawValue) }
            return object
        case .personErased(let person, let reason):
            var object: [String: JSONValue] = ["person": .string(person.text)]
            if let reason { object["reason"] = .string(reason) }
            return object
        case .campaignOpened(let record):
            return [
                "id": .string(record.id.text), "cluster": .string(record.cluster.text), "kind": .string(record.kind.rawValue),
                "siren": .string(record.siren.description), "title": .string(record.title),
                "starts_on": .string(record.startsOn.description), "ends_on": .string(record.endsOn.description),
            ]
        case .testerParticipated(let person, let campaign, let participation):
            var object: [String: JSONValue] = [
                "person": .string(person.text), "campaign": .string(campaign.text), "on": .string(participation.on.description),
                "age_band": .string(participation.ageBand.rawValue),
                "personal_fields": .array(participation.comment == nil ? [] : [.string(PersonalFieldName.comment.rawValue)]),
            ]
            if let rating = participation.rating { object["rating"] = .int(Int64(rating)) }
            return object
        case .consentWithdrawn(let person, let withdrawal):
            return ["person": .string(person.text), "on": .string(withdrawal.on.description), "channel": .string(withdrawal.channel.rawValue)]
        case .privacyRequestReceived(let person, let record):
            return [
                "person": .string(person.text), "right": .string(record.right.rawValue), "received_on": .string(record.receivedOn.description),
                "channel": .string(record.channel.rawValue),
            ]
        case .privacyRequestAnswered(let person, let request, let outcome, let reason):
            var object: [String: JSONValue] = ["person": .string(person.text), "request": .int(Int64(request)), "outcome": .string(outcome.rawValue)]
            if let reason { object["reason"] = .string(reason) }
            return object
        case .projectProposed, .projectStatusChanged, .fundingCommitted, .commitmentRevised, .fundingDisbursed:
            preconditionFailure("ProjectParameters.body writes the project events")
        }
    }

    private static func personalFieldNames(_ fields: [SealedField]) -> JSONValue {
        .array(fields.map(\.name.rawValue).sorted().map { .string($0) })
    }

    /// An event of the log as History, Watch and `log dump` show it.
    public static func logEvent(_ event: Event, sequence: UInt64, commitTimeMicroseconds: Int64, chainHash: ChainHash) -> JSONValue {
        var object: [String: JSONValue] = [
            "seq": .int(Int64(sequence)),
            "commit_time": .string(Timestamp.utcString(microseconds: commitTimeMicroseconds)),
            "type": .string(event.kind.typeName),
            "peer_uid": .int(Int64(event.peerUID)),
            "chain_hash": .string(chainHash.hex),
            "event": .object(eventBody(event.kind)),
        ]
        if let requestID = event.requestID { object["request_id"] = .string(requestID) }
        if let fingerprint = event.requestFingerprint { object["request_fingerprint"] = .string(fingerprint.description) }
        return .object(object)
    }

    /// A refused command of `CheckImport`: its position, the error's name and its parameters.
    public static func refusal(_ error: DomainError) -> JSONValue {
        var parameters = self.error(error).parameters
        let command = parameters.removeValue(forKey: "command") ?? .int(-1)
        return ["command": command, "error": .string("\(RegistryInterfaceDefinition.name).\(error.name)"), "parameters": .object(parameters)]
    }

    /// A model rejection as the Varlink error of the interface.
    public static func error(_ error: DomainError) -> VarlinkError {
        var parameters: [String: JSONValue] = [:]
        for (key, value) in error.parameters {
            switch value {
            case .string(let text): parameters[key] = .string(text)
            case .int(let number): parameters[key] = .int(number)
            }
        }
        return VarlinkError("\(RegistryInterfaceDefinition.name).\(error.name)", parameters: parameters)
    }
}
