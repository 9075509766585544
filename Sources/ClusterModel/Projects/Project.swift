/// Where a co-investment project stands. A project is proposed, then approved, running and
/// completed; it may be withdrawn (by those who proposed it) or rejected (by its funders) at any
/// point before completion.
public enum ProjectStatus: String, Hashable, ClosedSet {
    public static let field = "status"

    case proposed
    case approved
    case running
    case completed
    case withdrawn
    case rejected

    /// Withdrawn or rejected: it takes no commitment, revision or disbursement from that day on,
    /// and what was committed and not disbursed is released.
    public var isAbandoned: Bool { self == .withdrawn || self == .rejected }

    /// Whether a project in this status may move to `next`.
    public func allows(_ next: ProjectStatus) -> Bool {
        switch (self, next) {
        case (.proposed, .approved), (.approved, .running), (.running, .completed): return true
        case (.proposed, .withdrawn), (.approved, .withdrawn), (.running, .withdrawn): return true
        case (.proposed, .rejected), (.approved, .rejected), (.running, .rejected): return true
        default: return false
        }
    }

    /// The statuses a project in this one may move to, for errors.
    public var successors: [ProjectStatus] { Self.allCases.filter { allows($0) } }
}

/// What a company or partner does in a project.
public enum ProjectRole: String, Hashable, ClosedSet {
    public static let field = "role"

    /// Leads the work (a company) or steers the project with the clusters (a partner).
    case coordinator
    case partner
    case subcontractor
    /// Receives funding.
    case beneficiary
    /// Puts money in.
    case funder
    /// Advises: a university, an expert.
    case advisor
}

/// A member company taking part in a project.
public struct ProjectCompany: Sendable, Hashable {
    public var siren: SIREN
    public var role: ProjectRole

    public init(siren: SIREN, role: ProjectRole) {
        self.siren = siren
        self.role = role
    }
}

/// A partner taking part in a project (a bank, a university, a local authority, an agency such
/// as ANCT or Banque des Territoires), known across clusters by its SIRET when it has one.
public struct ProjectPartner: Sendable, Hashable {
    public var partner: Partner
    public var role: ProjectRole

    public init(partner: Partner, role: ProjectRole) {
        self.partner = partner
        self.role = role
    }
}

/// A project as proposed.
public struct ProjectRecord: Sendable, Hashable {
    public var id: Slug
    public var title: String
    public var leadCluster: Slug
    /// The other clusters taking part, without the lead.
    public var otherClusters: [Slug]
    public var regions: [Region]
    public var departments: [Department]
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate
    public var description: String?
    /// The day it was proposed: the first day of its life on the valid-date axis.
    public var proposedOn: CalendarDate
    public var companies: [ProjectCompany]
    public var partners: [ProjectPartner]

    public init(
        id: Slug, title: String, leadCluster: Slug, otherClusters: [Slug] = [], regions: [Region], departments: [Department] = [],
        startsOn: CalendarDate, endsOn: CalendarDate, description: String? = nil, proposedOn: CalendarDate,
        companies: [ProjectCompany] = [], partners: [ProjectPartner] = []
    ) {
        self.id = id
        self.title = title
        self.leadCluster = leadCluster
        self.otherClusters = otherClusters
        self.regions = regions
        self.departments = departments
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.description = description
        self.proposedOn = proposedOn
        self.companies = companies
        self.partners = partners
    }

    /// The lead cluster and the others.
    public var clusters: [Slug] { [leadCluster] + otherClusters }

    /// The longest description a project may have.
    public static let descriptionLimit = 2000
}

/// A change of a project's status: dated (the valid-date axis), recorded at a time by a user
/// (the event's envelope).
public struct ProjectTransition: Sendable, Hashable {
    public var status: ProjectStatus
    public var on: CalendarDate
    public var reason: String?
    public var recordedAtMicroseconds: Int64
    public var peerUID: UInt32
    public var sequence: UInt64

    public init(status: ProjectStatus, on: CalendarDate, reason: String?, recordedAtMicroseconds: Int64, peerUID: UInt32, sequence: UInt64) {
        self.status = status
        self.on = on
        self.reason = reason
        self.recordedAtMicroseconds = recordedAtMicroseconds
        self.peerUID = peerUID
        self.sequence = sequence
    }
}

/// A project in the projection: its record, its transitions (the proposal first) and its
/// commitments.
public struct ProjectState: Sendable, Hashable {
    public var record: ProjectRecord
    public var transitions: [ProjectTransition]
    /// Its commitments' ids, in the order they were recorded.
    public var commitments: [Slug] = []

    public init(record: ProjectRecord, transitions: [ProjectTransition]) {
        self.record = record
        self.transitions = transitions
    }

    /// Its status as last recorded.
    public var status: ProjectStatus { transitions.last?.status ?? .proposed }

    /// Its status on `day` (nil before it was proposed). Transitions are recorded in date order,
    /// so the last one dated on or before the day is the status of that day.
    public func status(on day: CalendarDate) -> ProjectStatus? {
        transitions.last(where: { $0.on <= day })?.status
    }

    /// The day it was withdrawn or rejected, if it was.
    public var abandonedOn: CalendarDate? {
        guard let last = transitions.last, last.status.isAbandoned else { return nil }
        return last.on
    }
}
