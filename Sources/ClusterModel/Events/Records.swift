/// A cluster as registered: its territory and sector.
public struct ClusterRecord: Sendable, Hashable {
    public var id: Slug
    public var name: String
    public var regions: [Region]
    public var departments: [Department]
    public var nafSection: NAFSection?
    public var founded: CalendarDate?
    /// The SIRET of the cluster's legal entity (an association or a company), when known: what
    /// a commitment to the cluster names as its beneficiary.
    public var siret: SIRET?

    public init(
        id: Slug, name: String, regions: [Region], departments: [Department], nafSection: NAFSection?, founded: CalendarDate?, siret: SIRET? = nil
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

/// A member company as registered.
public struct CompanyRecord: Sendable, Hashable {
    public var siren: SIREN
    public var name: String
    public var naf: NAFCode
    public var department: Department
    public var employees: Int64
    public var turnoverEUR: Int64?
    public var declaredCategory: SizeCategory?

    public init(
        siren: SIREN, name: String, naf: NAFCode, department: Department, employees: Int64,
        turnoverEUR: Int64? = nil, declaredCategory: SizeCategory? = nil
    ) {
        self.siren = siren
        self.name = name
        self.naf = naf
        self.department = department
        self.employees = employees
        self.turnoverEUR = turnoverEUR
        self.declaredCategory = declaredCategory
    }

    /// The category employees and turnover allow (see `SizeCategory`).
    public var derivedCategory: SizeCategory { SizeCategory.derived(employees: employees, turnoverEUR: turnoverEUR) }
}

/// What kind of partner works with a cluster.
public enum PartnerKind: String, Hashable, ClosedSet {
    public static let field = "kind"

    case bank
    case university
    case localAuthority = "local_authority"
    case agency
    case other
}

/// A bank, university, authority or agency linked to a cluster.
public struct Partner: Sendable, Hashable {
    public var id: Slug
    public var name: String
    public var kind: PartnerKind
    /// Its establishment's SIRET, when known: the one identity of a partner across clusters and
    /// projects (and of a funder, by which money is totalled).
    public var siret: SIRET?

    public init(id: Slug, name: String, kind: PartnerKind, siret: SIRET? = nil) {
        self.id = id
        self.name = name
        self.kind = kind
        self.siret = siret
    }
}

/// The kinds of survey question.
public enum QuestionKind: String, Sendable, Hashable, CaseIterable {
    case yesNo = "yes_no"
    case singleChoice = "single_choice"
    case multipleChoice = "multiple_choice"
    case scale
    case number
}

/// One question of a survey.
public struct Question: Sendable, Hashable {
    public var id: Slug
    public var text: String
    public var kind: QuestionKind
    /// The choices of a single or multiple choice question.
    public var options: [String]
    /// Bounds of a scale (1…5 or 1…7) or number question.
    public var minimum: Int64?
    public var maximum: Int64?
    public var required: Bool

    public init(id: Slug, text: String, kind: QuestionKind, options: [String] = [], minimum: Int64? = nil, maximum: Int64? = nil, required: Bool = true) {
        self.id = id
        self.text = text
        self.kind = kind
        self.options = options
        self.minimum = minimum
        self.maximum = maximum
        self.required = required
    }
}

/// An answer to one question.
public enum Answer: Sendable, Hashable {
    case yesNo(Bool)
    case choice(String)
    case choices([String])
    case integer(Int64)
}

/// A survey: its window and questions.
public struct SurveyDefinition: Sendable, Hashable {
    public var id: Slug
    public var title: String
    public var opensAt: Timestamp
    public var closesAt: Timestamp
    public var questions: [Question]

    public init(id: Slug, title: String, opensAt: Timestamp, closesAt: Timestamp, questions: [Question]) {
        self.id = id
        self.title = title
        self.opensAt = opensAt
        self.closesAt = closesAt
        self.questions = questions
    }
}
