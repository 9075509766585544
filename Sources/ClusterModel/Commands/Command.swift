/// A request to change the registry, already checked for well-formed values. `decide` checks it
/// against the state and turns it into events.
public enum Command: Sendable, Hashable {
    case registerCluster(ClusterRecord)
    case updateCluster(ClusterPatch)
    case dissolveCluster(id: Slug, date: CalendarDate)
    case registerCompany(CompanyRecord)
    case updateCompany(CompanyPatch)
    case joinCluster(cluster: Slug, siren: SIREN, date: CalendarDate)
    case leaveCluster(cluster: Slug, siren: SIREN, date: CalendarDate, reason: String?)
    case linkPartner(cluster: Slug, partner: Partner)
    case defineSurvey(SurveyDefinition)
    case submitResponse(survey: Slug, siren: SIREN, submittedAt: Timestamp, answers: [String: AnswerInput])
    case closeSurvey(id: Slug)
    /// The daemon's own: it wrote a snapshot after record `sequence` whose payload has this
    /// SHA-256 (`snapshotTaken`). Not offered over the socket.
    case recordSnapshot(sequence: UInt64, sha256: [UInt8])
    /// The people's commands carry their personal fields sealed: the daemon assigns the person
    /// id, makes the person's key durable and seals the fields before it decides
    /// (docs/key-store.md); a client sends them in clear and never builds these.
    case enrollTester(person: PersonID, TesterFacts, fields: [SealedField])
    case addContact(person: PersonID, siren: SIREN, fields: [SealedField])
    case rectifyPerson(person: PersonID, fields: [SealedField], department: Department?, ageBand: AgeBand? = nil)
    case openCampaign(CampaignRecord)
    /// The age band is the tester's on `participation.on`, which the daemon reads from their
    /// sealed birth year; the comment is sealed.
    case recordParticipation(person: PersonID, campaign: Slug, Participation)
    case withdrawConsent(person: PersonID, Withdrawal)
    case erasePerson(person: PersonID, reason: String?)
    case recordPrivacyRequest(person: PersonID, PrivacyRequestRecord)
    /// Answers the request recorded at sequence `request`.
    case answerPrivacyRequest(request: UInt64, outcome: PrivacyOutcome, reason: String?)
    case proposeProject(ProjectRecord)
    /// Approve, start, complete, withdraw or reject a project, on a day.
    case changeProjectStatus(project: Slug, to: ProjectStatus, on: CalendarDate, reason: String?)
    case commitFunding(CommitmentRecord)
    case reviseCommitment(commitment: Slug, amountCents: Int64, on: CalendarDate, reason: String)
    case disburseFunding(commitment: Slug, amountCents: Int64, on: CalendarDate, reference: String?)
}

/// The fields of a cluster to change; nil leaves a field as it is.
public struct ClusterPatch: Sendable, Hashable {
    public var id: Slug
    public var name: String?
    public var regions: [Region]?
    public var departments: [Department]?
    public var nafSection: NAFSection?
    public var founded: CalendarDate?
    public var siret: SIRET?

    public init(
        id: Slug, name: String? = nil, regions: [Region]? = nil, departments: [Department]? = nil, nafSection: NAFSection? = nil, founded: CalendarDate? = nil,
        siret: SIRET? = nil
    ) {
        self.id = id
        self.name = name
        self.regions = regions
        self.departments = departments
        self.nafSection = nafSection
        self.founded = founded
        self.siret = siret
    }
}

/// The fields of a company to change; nil leaves a field as it is.
public struct CompanyPatch: Sendable, Hashable {
    public var siren: SIREN
    public var name: String?
    public var naf: NAFCode?
    public var department: Department?
    public var employees: Int64?
    public var turnoverEUR: Int64?
    public var declaredCategory: SizeCategory?
    /// The day the new headcount took effect (the day it is recorded when nil): a dated change
    /// makes jobs at a past date answerable. Only with `employees`.
    public var effectiveOn: CalendarDate?

    public init(
        siren: SIREN, name: String? = nil, naf: NAFCode? = nil, department: Department? = nil, employees: Int64? = nil, turnoverEUR: Int64? = nil,
        declaredCategory: SizeCategory? = nil, effectiveOn: CalendarDate? = nil
    ) {
        self.siren = siren
        self.name = name
        self.naf = naf
        self.department = department
        self.employees = employees
        self.turnoverEUR = turnoverEUR
        self.declaredCategory = declaredCategory
        self.effectiveOn = effectiveOn
    }
}

/// An answer as the client sent it, before it is checked against its question.
public enum AnswerInput: Sendable, Hashable {
    case text(String)
    case list([String])
    case integer(Int64)
    case boolean(Bool)
    /// Anything else (a float, an object, null): always invalid, described for the error.
    case other(String)
}

/// Checks that build well-formed records; used by the daemon's parameter parsing and by the demo.
public enum RecordValidation {
    /// A cluster's territory: at least one region, unique, and every department inside one of them.
    public static func checkTerritory(regions: [Region], departments: [Department]) throws(DomainError) {
        guard !regions.isEmpty else { throw .invalidArgument(field: "regions", reason: "a cluster needs at least one region") }
        guard Set(regions).count == regions.count else { throw .invalidArgument(field: "regions", reason: "a region is listed twice") }
        guard Set(departments).count == departments.count else {
            throw .invalidArgument(field: "departments", reason: "a department is listed twice")
        }
        for (index, department) in departments.enumerated() where !regions.contains(department.region) {
            throw .invalidArgument(
                field: "departments[\(index)]",
                reason: "department \(department.code) (\(department.name)) is in region \(department.region.code) (\(department.region.name)), not in \(regions.map(\.code).joined(separator: ", "))"
            )
        }
    }

    /// Employees and turnover are not negative and not absurd.
    public static func checkSize(employees: Int64, turnoverEUR: Int64?) throws(DomainError) {
        guard employees >= 0 else { throw .invalidArgument(field: "employees", reason: "must not be negative") }
        guard employees <= 5_000_000 else { throw .invalidArgument(field: "employees", reason: "more than 5,000,000 is not plausible") }
        if let turnoverEUR, turnoverEUR < 0 { throw .invalidArgument(field: "turnover_eur", reason: "must not be negative") }
    }

    /// Names and titles: not blank, not too long, printable.
    public static func text(_ text: String, field: String, maximum: Int = 200) throws(DomainError) -> String {
        try validatedText(text, field: field, maximum: maximum)
    }

    /// A survey's questions: at least one, unique ids, options and bounds that fit their kind.
    public static func checkQuestions(_ questions: [Question]) throws(DomainError) {
        guard !questions.isEmpty else { throw .invalidArgument(field: "questions", reason: "a survey needs at least one question") }
        var seen = Set<Slug>()
        for (index, question) in questions.enumerated() {
            let field = "questions[\(index)]"
            guard seen.insert(question.id).inserted else {
                throw .invalidArgument(field: field + ".id", reason: "question id '\(question.id)' is used twice")
            }
            switch question.kind {
            case .yesNo:
                guard question.options.isEmpty else { throw .invalidArgument(field: field + ".options", reason: "a yes_no question has no options") }
            case .singleChoice, .multipleChoice:
                guard question.options.count >= 2 else {
                    throw .invalidArgument(field: field + ".options", reason: "a choice question needs at least two options")
                }
                guard Set(question.options).count == question.options.count else {
                    throw .invalidArgument(field: field + ".options", reason: "an option is listed twice")
                }
            case .scale:
                guard question.minimum == 1, question.maximum == 5 || question.maximum == 7 else {
                    throw .invalidArgument(field: field, reason: "a scale goes from min 1 to max 5 or 7")
                }
            case .number:
                if let minimum = question.minimum, let maximum = question.maximum, minimum > maximum {
                    throw .invalidArgument(field: field + ".min", reason: "min \(minimum) is above max \(maximum)")
                }
            }
        }
    }
}
