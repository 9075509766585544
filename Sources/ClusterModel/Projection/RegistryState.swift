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
    /// Sequence numbers of the events that touched the cluster.
    public var history: [UInt64] = []

    /// Whether the cluster exists and is not dissolved on `date`.
    public func isActive(on date: CalendarDate) -> Bool {
        if let founded = record.founded, date < founded { return false }
        if let dissolvedOn, dissolvedOn <= date { return false }
        return true
    }
}

extension ClusterState {
    mutating func started(_ siren: SIREN, on date: CalendarDate, sequence: UInt64) {
        members[siren, default: []].append(MembershipPeriod(start: date, end: nil))
        history.append(sequence)
    }

    mutating func ended(_ siren: SIREN, on date: CalendarDate, sequence: UInt64) {
        if let index = members[siren]?.lastIndex(where: { $0.end == nil }) {
            members[siren]?[index].end = date
        }
        history.append(sequence)
    }
}

/// A company as the projection knows it.
public struct CompanyState: Sendable, Hashable {
    public var record: CompanyRecord
    /// The clusters it has ever joined.
    public var clusters: InlineList<Slug> = []
    /// Sequence numbers of the events that touched the company.
    public var history: InlineList<UInt64> = []
}

extension CompanyState {
    mutating func updated(_ newRecord: CompanyRecord, sequence: UInt64) {
        record = newRecord
        history.append(sequence)
    }

    mutating func joined(_ cluster: Slug, sequence: UInt64) {
        if !clusters.contains(cluster) { clusters.append(cluster) }
        history.append(sequence)
    }
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
        // One dictionary access per entity and event: hashing dominates the cost of replay.
        switch event.kind {
        case .clusterRegistered(let record):
            var cluster = ClusterState(record: record)
            cluster.history.append(sequence)
            clusters[record.id] = cluster
        case .clusterUpdated(let record):
            clusters[record.id]?.record = record
            clusters[record.id]?.history.append(sequence)
        case .clusterDissolved(let cluster, let date):
            clusters[cluster]?.dissolvedOn = date
            clusters[cluster]?.history.append(sequence)
        case .companyRegistered(let record):
            var company = CompanyState(record: record)
            company.history.append(sequence)
            companies[record.siren] = company
        case .companyUpdated(let record):
            companies[record.siren]?.updated(record, sequence: sequence)
        case .membershipStarted(let cluster, let siren, let date):
            clusters[cluster]?.started(siren, on: date, sequence: sequence)
            companies[siren]?.joined(cluster, sequence: sequence)
        case .membershipEnded(let cluster, let siren, let date, _):
            clusters[cluster]?.ended(siren, on: date, sequence: sequence)
            companies[siren]?.history.append(sequence)
        case .partnerLinked(let cluster, let partner):
            clusters[cluster]?.partners.append(partner)
            clusters[cluster]?.history.append(sequence)
        case .surveyDefined(let definition):
            surveys[definition.id] = SurveyState(definition: definition)
        case .surveyClosed(let survey):
            surveys[survey]?.closedAtMicroseconds = event.recordedAtMicroseconds
        case .responseSubmitted(let survey, let siren, let submittedAt, let answers):
            surveys[survey]?.responses[siren] = SurveyResponse(submittedAt: submittedAt, answers: answers)
            companies[siren]?.history.append(sequence)
        }
    }

    /// Makes room for the entities that a log of `events` events may hold, sparing rehashing.
    public mutating func reserveCapacity(forEvents events: Int) {
        companies.reserveCapacity(companies.count + events / 2)
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
