/// What the registry records of a tester in clear: where they live and test, when they enrolled,
/// their age band then, and their consent. What statistics need after an erasure.
public struct TesterFacts: Sendable, Hashable {
    public var cluster: Slug
    /// The department of residence.
    public var department: Department
    public var enrolledOn: CalendarDate
    public var ageBandAtEnrolment: AgeBand
    public var consent: Consent

    public init(cluster: Slug, department: Department, enrolledOn: CalendarDate, ageBandAtEnrolment: AgeBand, consent: Consent) {
        self.cluster = cluster
        self.department = department
        self.enrolledOn = enrolledOn
        self.ageBandAtEnrolment = ageBandAtEnrolment
        self.consent = consent
    }
}

/// Who a person is to the registry.
public enum PersonRole: Sendable, Hashable {
    /// A senior who tests the innovations of a cluster's members.
    case tester(TesterFacts)
    /// A contact of a member company.
    case contact(siren: SIREN)

    public var kind: String {
        switch self {
        case .tester: return "tester"
        case .contact: return "contact"
        }
    }

    public var allowedFields: Set<PersonalFieldName> {
        switch self {
        case .tester: return PersonalFieldName.tester
        case .contact: return PersonalFieldName.contact
        }
    }
}

/// A person as the projection knows them: what is in clear, and their personal fields sealed —
/// until they are erased, after which the sealed fields are gone from the projection too (the
/// log keeps them, unreadable without the destroyed key).
public struct PersonState: Sendable, Hashable {
    public var id: PersonID
    public var role: PersonRole
    /// Sealed values by field name; empty once erased.
    public var fields: [PersonalFieldName: [UInt8]]
    /// When the erasure was recorded (microseconds), and why.
    public var erasure: Erasure?
    /// Sequence numbers of the events about the person.
    public var history: [UInt64]
    /// A tester's withdrawal of their consent.
    public var withdrawal: Withdrawal?
    /// The campaigns a tester took part in.
    public var campaigns: Set<Slug> = []

    public struct Erasure: Sendable, Hashable {
        public var recordedAtMicroseconds: Int64
        public var reason: String?
    }

    public init(id: PersonID, role: PersonRole, fields: [PersonalFieldName: [UInt8]], erasure: Erasure? = nil, history: [UInt64] = []) {
        self.id = id
        self.role = role
        self.fields = fields
        self.erasure = erasure
        self.history = history
    }

    public var isErased: Bool { erasure != nil }

    /// The fields as the event encoding writes them, in name order.
    public var sealedFields: [SealedField] {
        fields.keys.sorted().map { SealedField(name: $0, sealed: fields[$0]!) }
    }
}
