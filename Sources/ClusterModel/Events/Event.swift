/// Something that happened to the registry: what, when it was recorded, and who caused it.
public struct Event: Sendable, Hashable {
    public var kind: EventKind
    /// When the daemon decided it, in microseconds since the epoch.
    public var recordedAtMicroseconds: Int64
    /// The user id of the peer whose request caused it.
    public var peerUID: UInt32
    /// The client's request id, for exactly-once retries.
    public var requestID: String?
    /// What the request with that id asked for: a retry with other content is refused
    /// (`RequestIdReused`). Nil on events written before fingerprints were kept.
    public var requestFingerprint: RequestFingerprint?

    public init(kind: EventKind, recordedAtMicroseconds: Int64, peerUID: UInt32, requestID: String? = nil, requestFingerprint: RequestFingerprint? = nil) {
        self.kind = kind
        self.recordedAtMicroseconds = recordedAtMicroseconds
        self.peerUID = peerUID
        self.requestID = requestID
        self.requestFingerprint = requestFingerprint
    }
}

/// The kinds of event, each with what it carries.
public enum EventKind: Sendable, Hashable {
    case clusterRegistered(ClusterRecord)
    case clusterUpdated(ClusterRecord)
    case clusterDissolved(cluster: Slug, date: CalendarDate)
    case companyRegistered(CompanyRecord)
    /// The company's record after the update; `effectiveOn`, when the update stated a headcount,
    /// the day it took effect (the day recorded, when the command named none). Without it the
    /// employees field repeats the record, except in logs written before effective days were
    /// kept, where a changed count took effect the day it was recorded.
    case companyUpdated(CompanyRecord, effectiveOn: CalendarDate? = nil)
    case membershipStarted(cluster: Slug, siren: SIREN, date: CalendarDate)
    case membershipEnded(cluster: Slug, siren: SIREN, date: CalendarDate, reason: String?)
    case partnerLinked(cluster: Slug, partner: Partner)
    case surveyDefined(SurveyDefinition)
    case surveyClosed(survey: Slug)
    case responseSubmitted(survey: Slug, siren: SIREN, submittedAt: Timestamp, answers: [Slug: Answer])
    /// The daemon wrote a snapshot of the projection after record `sequence`, whose payload has
    /// this SHA-256: what binds the snapshot to the chain. A snapshot is loaded only when a
    /// record of its log says so (docs/log-format.md, "Snapshots"). Changes no projection.
    case snapshotTaken(sequence: UInt64, sha256: [UInt8])
    /// A tester enrolled in a cluster: a new person, with their personal fields sealed.
    case testerEnrolled(person: PersonID, TesterFacts, fields: [SealedField])
    /// A contact of a member company: a new person, with their personal fields sealed.
    case contactAdded(person: PersonID, siren: SIREN, fields: [SealedField])
    /// Fields of a person replaced (each named field sealed anew), and for a tester perhaps the
    /// department of residence.
    case personRectified(person: PersonID, fields: [SealedField], department: Department?, ageBand: AgeBand? = nil)
    /// The person's key was destroyed: from here on, they are erased everywhere. The reason is
    /// an administrator's text and never a personal field.
    case personErased(person: PersonID, reason: String?)
    /// A campaign of a cluster's testers opened.
    case campaignOpened(CampaignRecord)
    /// A tester took part in a campaign; the comment, if any, sealed with their key.
    case testerParticipated(person: PersonID, campaign: Slug, Participation)
    /// A tester withdrew their consent: they take part in no campaign from that day on.
    case consentWithdrawn(person: PersonID, Withdrawal)
    /// A person's request about their data was received; the request is known by this event's
    /// sequence number.
    case privacyRequestReceived(person: PersonID, PrivacyRequestRecord)
    /// The request recorded at sequence `request` was answered.
    case privacyRequestAnswered(person: PersonID, request: UInt64, outcome: PrivacyOutcome, reason: String?)
    /// A co-investment project was proposed, with its clusters, territory and participants.
    case projectProposed(ProjectRecord)
    /// A project moved to `status` on a day (approved, running, completed, withdrawn, rejected).
    case projectStatusChanged(project: Slug, status: ProjectStatus, on: CalendarDate, reason: String?)
    /// A funder committed money to a project.
    case fundingCommitted(CommitmentRecord)
    /// A commitment's amount changed from a day on: the new amount (never an edit of the old).
    case commitmentRevised(commitment: Slug, amountCents: Int64, on: CalendarDate, reason: String)
    /// Money was paid out against a commitment.
    case fundingDisbursed(commitment: Slug, amountCents: Int64, on: CalendarDate, reference: String?)

    /// The name used in dumps, histories and Watch streams.
    public var typeName: String {
        switch self {
        case .clusterRegistered: return "ClusterRegistered"
        case .clusterUpdated: return "ClusterUpdated"
        case .clusterDissolved: return "ClusterDissolved"
        case .companyRegistered: return "CompanyRegistered"
        case .companyUpdated: return "CompanyUpdated"
        case .membershipStarted: return "MembershipStarted"
        case .membershipEnded: return "MembershipEnded"
        case .partnerLinked: return "PartnerLinked"
        case .surveyDefined: return "SurveyDefined"
        case .surveyClosed: return "SurveyClosed"
        case .responseSubmitted: return "ResponseSubmitted"
        case .snapshotTaken: return "SnapshotTaken"
        case .testerEnrolled: return "TesterEnrolled"
        case .contactAdded: return "ContactAdded"
        case .personRectified: return "PersonRectified"
        case .personErased: return "PersonErased"
        case .campaignOpened: return "CampaignOpened"
        case .testerParticipated: return "TesterParticipated"
        case .consentWithdrawn: return "ConsentWithdrawn"
        case .privacyRequestReceived: return "PrivacyRequestReceived"
        case .privacyRequestAnswered: return "PrivacyRequestAnswered"
        case .projectProposed: return "ProjectProposed"
        case .projectStatusChanged: return "ProjectStatusChanged"
        case .fundingCommitted: return "FundingCommitted"
        case .commitmentRevised: return "CommitmentRevised"
        case .fundingDisbursed: return "FundingDisbursed"
        }
    }

    /// Every type name, for validating filters.
    public static let typeNames = [
        "ClusterRegistered", "ClusterUpdated", "ClusterDissolved", "CompanyRegistered", "CompanyUpdated",
        "MembershipStarted", "MembershipEnded", "PartnerLinked", "SurveyDefined", "SurveyClosed", "ResponseSubmitted",
        "SnapshotTaken", "TesterEnrolled", "ContactAdded", "PersonRectified", "PersonErased", "CampaignOpened", "TesterParticipated",
        "ConsentWithdrawn", "PrivacyRequestReceived", "PrivacyRequestAnswered", "ProjectProposed", "ProjectStatusChanged", "FundingCommitted",
        "CommitmentRevised", "FundingDisbursed",
    ]

    /// The cluster this event concerns, if any.
    public var clusterID: Slug? {
        switch self {
        case .clusterRegistered(let record), .clusterUpdated(let record): return record.id
        case .clusterDissolved(let cluster, _), .membershipStarted(let cluster, _, _), .membershipEnded(let cluster, _, _, _),
            .partnerLinked(let cluster, _):
            return cluster
        case .testerEnrolled(_, let facts, _):
            return facts.cluster
        case .campaignOpened(let record):
            return record.cluster
        case .projectProposed(let record):
            return record.leadCluster
        default: return nil
        }
    }

    /// Whether it is a revision or a disbursement of a commitment.
    public var isAboutMoney: Bool {
        switch self {
        case .commitmentRevised, .fundingDisbursed: return true
        default: return false
        }
    }

    /// The project this event concerns, if it names one (a commitment's revisions and
    /// disbursements name their commitment only).
    public var projectID: Slug? {
        switch self {
        case .projectProposed(let record): return record.id
        case .projectStatusChanged(let project, _, _, _): return project
        case .fundingCommitted(let record): return record.project
        default: return nil
        }
    }

    /// The company this event concerns, if any.
    public var siren: SIREN? {
        switch self {
        case .companyRegistered(let record), .companyUpdated(let record, _): return record.siren
        case .membershipStarted(_, let siren, _), .membershipEnded(_, let siren, _, _), .responseSubmitted(_, let siren, _, _),
            .contactAdded(_, let siren, _):
            return siren
        case .campaignOpened(let record):
            return record.siren
        default: return nil
        }
    }

    /// The person this event concerns, if any.
    public var personID: PersonID? {
        switch self {
        case .testerEnrolled(let person, _, _), .contactAdded(let person, _, _), .personRectified(let person, _, _, _), .personErased(let person, _),
            .testerParticipated(let person, _, _), .consentWithdrawn(let person, _), .privacyRequestReceived(let person, _),
            .privacyRequestAnswered(let person, _, _, _):
            return person
        default: return nil
        }
    }
}
