/// A period of membership: from `start` (a member on that day) until `end` (no longer a member on
/// that day), or open.
public struct MembershipPeriod: Sendable, Hashable {
    public var start: CalendarDate
    public var end: CalendarDate?

    public func contains(_ date: CalendarDate) -> Bool {
        start <= date && (end.map { date < $0 } ?? true)
    }

    /// Whether this period has any day in common with one from `start` on, without end.
    func overlapsOpenPeriod(from start: CalendarDate) -> Bool {
        end.map { start < $0 } ?? true
    }
}

/// A cluster as the projection knows it.
public struct ClusterState: Sendable, Hashable {
    public var record: ClusterRecord
    public var dissolvedOn: CalendarDate?
    public var partners: [Partner] = []
    /// Membership periods by company.
    public var members: [SIREN: InlineList<MembershipPeriod>] = [:]

    /// Whether the cluster exists and is not dissolved on `date`.
    public func isActive(on date: CalendarDate) -> Bool {
        if let founded = record.founded, date < founded { return false }
        if let dissolvedOn, dissolvedOn <= date { return false }
        return true
    }
}

/// A company as the projection knows it.
public struct CompanyState: Sendable, Hashable {
    public var record: CompanyRecord
    /// The clusters it has ever joined.
    public var clusters: InlineList<Slug> = []
}

/// A survey with its responses.
public struct SurveyState: Sendable, Hashable {
    public var definition: SurveyDefinition
    public var closedAtMicroseconds: Int64?
    public var responses: [SIREN: SurveyResponse] = [:]
}

/// One company's answers to a survey.
public struct SurveyResponse: Sendable, Hashable {
    public var submittedAt: Timestamp
    public var answers: [Slug: Answer]
}

/// The registry's state, built by applying events in order: what every query reads and what
/// `decide` checks commands against. Pure: no I/O.
public struct RegistryState: Sendable, Equatable {
    public internal(set) var clusters: [Slug: ClusterState] = [:]
    public internal(set) var companies: [SIREN: CompanyState] = [:]
    public internal(set) var surveys: [Slug: SurveyState] = [:]
    /// Sequence numbers of the events that touched each cluster and each company.
    public internal(set) var clusterHistory: [Slug: [UInt64]] = [:]
    public internal(set) var companyHistory: [SIREN: InlineList<UInt64>] = [:]
    /// The last sequence number of the events of each request id.
    public internal(set) var requests: [String: UInt64] = [:]
    public internal(set) var lastSequence: UInt64 = 0
    public internal(set) var eventCount: Int = 0
    /// Commit time of the last event applied (microseconds), 0 before any.
    public internal(set) var lastCommitTimeMicroseconds: Int64 = 0

    public init() {}

    /// Applies one event recorded at `sequence`. Events come from `decide`, which checked them,
    /// or from the log, which holds only decided events; apply does not check rules again.
    public mutating func apply(_ event: Event, sequence: UInt64, commitTimeMicroseconds: Int64 = 0) {
        lastSequence = sequence
        eventCount += 1
        lastCommitTimeMicroseconds = max(lastCommitTimeMicroseconds, commitTimeMicroseconds)
        if let requestID = event.requestID { requests[requestID] = sequence }
        if let cluster = event.kind.clusterID { clusterHistory[cluster, default: []].append(sequence) }
        if let siren = event.kind.siren { companyHistory[siren, default: []].append(sequence) }
        switch event.kind {
        case .clusterRegistered(let record):
            clusters[record.id] = ClusterState(record: record)
        case .clusterUpdated(let record):
            clusters[record.id]?.record = record
        case .clusterDissolved(let cluster, let date):
            clusters[cluster]?.dissolvedOn = date
        case .companyRegistered(let record):
            companies[record.siren] = CompanyState(record: record)
        case .companyUpdated(let record):
            companies[record.siren]?.record = record
        case .membershipStarted(let cluster, let siren, let date):
            clusters[cluster]?.members[siren, default: []].append(MembershipPeriod(start: date, end: nil))
            if companies[siren]?.clusters.contains(cluster) == false { companies[siren]?.clusters.append(cluster) }
        case .membershipEnded(let cluster, let siren, let date, _):
            if let index = clusters[cluster]?.members[siren]?.lastIndex(where: { $0.end == nil }) {
                clusters[cluster]?.members[siren]?[index].end = date
            }
        case .partnerLinked(let cluster, let partner):
            clusters[cluster]?.partners.append(partner)
        case .surveyDefined(let definition):
            surveys[definition.id] = SurveyState(definition: definition)
        case .surveyClosed(let survey):
            surveys[survey]?.closedAtMicroseconds = event.recordedAtMicroseconds
        case .responseSubmitted(let survey, let siren, let submittedAt, let answers):
            surveys[survey]?.responses[siren] = SurveyResponse(submittedAt: submittedAt, answers: answers)
        }
    }

    /// Whether `siren` is a member of any cluster on `date`.
    public func isMemberOfAnyCluster(_ siren: SIREN, on date: CalendarDate) -> Bool {
        guard let company = companies[siren] else { return false }
        return company.clusters.contains { cluster in
            clusters[cluster]?.members[siren]?.contains { $0.contains(date) } ?? false
        }
    }

    /// The clusters `siren` belongs to on `date`.
    public func clusters(of siren: SIREN, on date: CalendarDate) -> [Slug] {
        guard let company = companies[siren] else { return [] }
        return company.clusters.filter { cluster in
            clusters[cluster]?.members[siren]?.contains { $0.contains(date) } ?? false
        }
    }
}
