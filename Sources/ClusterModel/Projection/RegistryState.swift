import HashTreeCollections

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

/// A cluster as the projection knows it: one reference to its fields (see `CopyOnWrite`).
public struct ClusterState: Sendable, Hashable {
    private struct Fields: Sendable, Hashable {
        var record: ClusterRecord
        var dissolvedOn: CalendarDate?
        var partners: [Partner] = []
        var members = MemberTable()
        var history = ChunkedList<UInt64>()
        var openMembers = 0
        var openJobs: Int64 = 0
        var latestPeriodDate: CalendarDate?
    }

    private var fields: CopyOnWrite<Fields>

    public init(record: ClusterRecord) {
        fields = CopyOnWrite(Fields(record: record))
    }

    public var record: ClusterRecord {
        get { fields.value.record }
        _modify { yield &fields.value.record }
    }
    public var dissolvedOn: CalendarDate? {
        get { fields.value.dissolvedOn }
        _modify { yield &fields.value.dissolvedOn }
    }
    public var partners: [Partner] {
        get { fields.value.partners }
        _modify { yield &fields.value.partners }
    }
    /// Membership periods by company.
    public var members: MemberTable {
        get { fields.value.members }
        _modify { yield &fields.value.members }
    }
    /// Sequence numbers of the events that touched the cluster.
    public var history: ChunkedList<UInt64> {
        get { fields.value.history }
        _modify { yield &fields.value.history }
    }
    /// Members whose period is open, and the sum of their employees, kept as events are applied:
    /// on any date from `latestPeriodDate` on, they are the member count and jobs, without a scan.
    public internal(set) var openMembers: Int {
        get { fields.value.openMembers }
        _modify { yield &fields.value.openMembers }
    }
    public internal(set) var openJobs: Int64 {
        get { fields.value.openJobs }
        _modify { yield &fields.value.openJobs }
    }
    /// The latest start or end date of any period, nil before the first membership.
    public internal(set) var latestPeriodDate: CalendarDate? {
        get { fields.value.latestPeriodDate }
        _modify { yield &fields.value.latestPeriodDate }
    }

    /// Whether the cluster exists and is not dissolved on `date`.
    public func isActive(on date: CalendarDate) -> Bool {
        if let founded = record.founded, date < founded { return false }
        if let dissolvedOn, dissolvedOn <= date { return false }
        return true
    }
}

extension ClusterState {
    mutating func started(_ siren: SIREN, on date: CalendarDate, employees: Int64, headcountChangedOn: CalendarDate?, sequence: UInt64) {
        members.update(siren, default: []) { $0.append(MembershipPeriod(start: date, end: nil)) }
        openMembers += 1
        openJobs += employees
        noteDate(date)
        if let headcountChangedOn { noteDate(headcountChangedOn) }
        history.append(sequence)
    }

    mutating func ended(_ siren: SIREN, on date: CalendarDate, employees: Int64, sequence: UInt64) {
        let closed = members.modifyExisting(siren) { periods -> Bool in
            guard let index = periods.lastIndex(where: { $0.end == nil }) else { return false }
            periods[index].end = date
            return true
        }
        if closed == true {
            openMembers -= 1
            openJobs -= employees
        }
        noteDate(date)
        history.append(sequence)
    }

    /// A member's employee count changed from `old` to `new`.
    mutating func memberEmployeesChanged(_ siren: SIREN, from old: Int64, to new: Int64) {
        if members[siren]?.isOpen == true {
            openJobs += new - old
        }
    }

    /// Notes a day from which the members or their jobs may differ from the day before: before
    /// the latest such day, `cluster(_:on:)` counts instead of taking the open aggregates.
    mutating func noteDate(_ date: CalendarDate) {
        if latestPeriodDate.map({ $0 < date }) ?? true { latestPeriodDate = date }
    }

    /// Recomputes the open-member aggregates from the periods (after loading a snapshot).
    mutating func recomputeAggregates(employees: (SIREN) -> Int64, headcountChangedOn: (SIREN) -> CalendarDate?) {
        openMembers = 0
        openJobs = 0
        latestPeriodDate = nil
        for (siren, periods) in members {
            for period in periods {
                noteDate(period.start)
                if let end = period.end { noteDate(end) }
            }
            if let day = headcountChangedOn(siren) { noteDate(day) }
            if periods.isOpen {
                openMembers += 1
                openJobs += employees(siren)
            }
        }
    }
}

/// A company as the projection knows it: one reference to its fields (see `CopyOnWrite`).
public struct CompanyState: Sendable, Hashable {
    private struct Fields: Sendable, Hashable {
        var record: CompanyRecord
        var clusters: InlineList<Slug> = []
        var history = SequenceList()
        var headcounts: HeadcountTimeline?
    }

    private var fields: CopyOnWrite<Fields>

    public init(record: CompanyRecord) {
        fields = CopyOnWrite(Fields(record: record))
    }

    public var record: CompanyRecord {
        get { fields.value.record }
        _modify { yield &fields.value.record }
    }
    /// The clusters it has ever joined.
    public var clusters: InlineList<Slug> {
        get { fields.value.clusters }
        _modify { yield &fields.value.clusters }
    }
    /// Sequence numbers of the events that touched the company.
    public var history: SequenceList {
        get { fields.value.history }
        _modify { yield &fields.value.history }
    }
    /// Its headcount by day, once it has changed (nil: `record.employees` since always).
    public var headcounts: HeadcountTimeline? {
        get { fields.value.headcounts }
        _modify { yield &fields.value.headcounts }
    }

    /// Employees on `day`, on the valid-date axis.
    public func employees(on day: CalendarDate) -> Int64 {
        guard let headcounts = fields.value.headcounts else { return fields.value.record.employees }
        return headcounts.employees(on: day)
    }

    /// The headcount since always when it never changed, else its timeline.
    public var headcountTimeline: HeadcountTimeline {
        fields.value.headcounts ?? HeadcountTimeline(initial: fields.value.record.employees)
    }
}

extension CompanyState {
    mutating func updated(_ newRecord: CompanyRecord, sequence: UInt64) {
        record = newRecord
        history.append(sequence)
    }

    /// Notes a membership of `cluster`; returns the company's employees.
    @discardableResult
    mutating func joined(_ cluster: Slug, sequence: UInt64) -> Int64 {
        if !clusters.contains(cluster) { clusters.append(cluster) }
        history.append(sequence)
        return record.employees
    }

    /// Notes the end of a membership; returns the company's employees.
    mutating func left(sequence: UInt64) -> Int64 {
        history.append(sequence)
        return record.employees
    }
}

/// A survey with its responses.
public struct SurveyState: Sendable, Hashable {
    public var definition: SurveyDefinition
    public var closedAtMicroseconds: Int64?
    public var responses = ResponseTable()
}

/// One company's answers to a survey.
public struct SurveyResponse: Sendable, Hashable {
    public var submittedAt: Timestamp
    public var answers: [Slug: Answer]
}

/// The registry's state, built by applying events in order: what every query reads and what
/// `decide` checks commands against. Pure: no I/O.
///
/// A persistent value: its collections are hash tries (`TreeDictionary`), chunked lists and, for
/// companies and members, `LayeredTable`s (an immutable packed layer and a hash trie) that share
/// structure between copies, so a copy costs O(1) and a change to a copy copies only the
/// O(log n) nodes on its path. The registry publishes a copy as the read view after every
/// durable batch; with hash tables each copy would cost the whole table.
public struct RegistryState: Sendable, Equatable {
    public internal(set) var clusters: TreeDictionary<Slug, ClusterState> = [:]
    public internal(set) var companies = CompanyTable()
    public internal(set) var surveys: TreeDictionary<Slug, SurveyState> = [:]
    /// Each request id: the last sequence number of its events and what it asked for.
    public internal(set) var requests: TreeDictionary<String, RequestRecord> = [:]
    /// Testers and contacts, erased ones included (without their sealed fields).
    public internal(set) var people: TreeDictionary<PersonID, PersonState> = [:]
    /// The campaigns of the clusters' testers, with who took part.
    public internal(set) var campaigns: TreeDictionary<Slug, CampaignState> = [:]
    /// The people's requests about their data, by the sequence number that recorded each.
    public internal(set) var privacyRequests: TreeDictionary<UInt64, PrivacyRequest> = [:]
    /// Co-investment projects, with their transitions.
    public internal(set) var projects: TreeDictionary<Slug, ProjectState> = [:]
    /// Commitments of money to projects, with their revisions and disbursements.
    public internal(set) var commitments: TreeDictionary<Slug, CommitmentState> = [:]
    /// Partners and funders known by SIRET: one identity across clusters and projects.
    public internal(set) var funders: TreeDictionary<SIRET, Funder> = [:]
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
        if let requestID = event.requestID { requests[requestID] = RequestRecord(sequence: sequence, fingerprint: event.requestFingerprint) }
        // One dictionary access per entity and event: hashing dominates the cost of replay.
        switch event.kind {
        case .clusterRegistered(let record):
            var cluster = ClusterState(record: record)
            cluster.history.append(sequence)
            clusters[record.id] = cluster
        case .clusterUpdated(let record):
            clusters.modifyExisting(record.id) {
                $0.record = record
                $0.history.append(sequence)
            }
        case .clusterDissolved(let cluster, let date):
            clusters.modifyExisting(cluster) {
                $0.dissolvedOn = date
                $0.history.append(sequence)
            }
        case .companyRegistered(let record):
            var company = CompanyState(record: record)
            company.history.append(sequence)
            companies[record.siren] = company
        case .companyUpdated(var record, let effectiveOn):
            guard let company = companies[record.siren] else { break }
            // A stated headcount takes effect on its day (older logs: a changed one, on the day it
            // was recorded); the record keeps the one effective last.
            var headcounts = company.headcounts
            if effectiveOn != nil || record.employees != company.record.employees {
                var timeline = company.headcountTimeline
                timeline.change(to: record.employees, on: effectiveOn ?? Timestamp(microsecondsSinceEpoch: event.recordedAtMicroseconds).localDate)
                record.employees = timeline.latest
                headcounts = timeline
            }
            let changedOn = headcounts?.changes.last?.day
            if company.record.employees != record.employees || changedOn != company.headcounts?.changes.last?.day {
                for cluster in company.clusters {
                    clusters.modifyExisting(cluster) {
                        $0.memberEmployeesChanged(record.siren, from: company.record.employees, to: record.employees)
                        if let changedOn { $0.noteDate(changedOn) }
                    }
                }
            }
            companies.modifyExisting(record.siren) {
                $0.updated(record, sequence: sequence)
                $0.headcounts = headcounts
            }
        case .membershipStarted(let cluster, let siren, let date):
            let employees = companies.modifyExisting(siren) { $0.joined(cluster, sequence: sequence) } ?? 0
            let changedOn = companies[siren]?.headcounts?.changes.last?.day
            clusters.modifyExisting(cluster) { $0.started(siren, on: date, employees: employees, headcountChangedOn: changedOn, sequence: sequence) }
        case .membershipEnded(let cluster, let siren, let date, _):
            let employees = companies.modifyExisting(siren) { $0.left(sequence: sequence) } ?? 0
            clusters.modifyExisting(cluster) { $0.ended(siren, on: date, employees: employees, sequence: sequence) }
        case .partnerLinked(let cluster, let partner):
            clusters.modifyExisting(cluster) {
                $0.partners.append(partner)
                $0.history.append(sequence)
            }
            noteFunder(partner)
        case .surveyDefined(let definition):
            surveys[definition.id] = SurveyState(definition: definition)
        case .surveyClosed(let survey):
            surveys.modifyExisting(survey) { $0.closedAtMicroseconds = event.recordedAtMicroseconds }
        case .responseSubmitted(let survey, let siren, let submittedAt, let answers):
            surveys.modifyExisting(survey) { $0.responses[siren] = SurveyResponse(submittedAt: submittedAt, answers: answers) }
            companies.modifyExisting(siren) { $0.history.append(sequence) }
        case .snapshotTaken:
            break
        case .testerEnrolled(let person, let facts, let fields):
            people[person] = PersonState(id: person, role: .tester(facts), fields: Self.fieldTable(fields), history: [sequence])
            clusters.modifyExisting(facts.cluster) { $0.history.append(sequence) }
        case .contactAdded(let person, let siren, let fields):
            people[person] = PersonState(id: person, role: .contact(siren: siren), fields: Self.fieldTable(fields), history: [sequence])
            companies.modifyExisting(siren) { $0.history.append(sequence) }
        case .personRectified(let person, let fields, let department, let ageBand):
            people.modifyExisting(person) {
                for field in fields { $0.fields[field.name] = field.sealed }
                if case .tester(var facts) = $0.role, department != nil || ageBand != nil {
                    if let department { facts.department = department }
                    if let ageBand { facts.ageBandAtEnrolment = ageBand }
                    $0.role = .tester(facts)
                }
                $0.history.append(sequence)
            }
        case .personErased(let person, let reason):
            var taken: Set<Slug> = []
            people.modifyExisting(person) {
                $0.fields = [:]
                $0.erasure = PersonState.Erasure(recordedAtMicroseconds: event.recordedAtMicroseconds, reason: reason)
                $0.history.append(sequence)
                taken = $0.campaigns
            }
            // Their comments go with their other fields; the day, band and rating stay.
            for campaign in taken {
                campaigns.modifyExisting(campaign) { $0.participations[person]?.comment = nil }
            }
        case .campaignOpened(let record):
            campaigns[record.id] = CampaignState(record: record)
            clusters.modifyExisting(record.cluster) { $0.history.append(sequence) }
            companies.modifyExisting(record.siren) { $0.history.append(sequence) }
        case .testerParticipated(let person, let campaign, let participation):
            campaigns.modifyExisting(campaign) { $0.participations[person] = participation }
            people.modifyExisting(person) {
                $0.campaigns.insert(campaign)
                $0.history.append(sequence)
            }
        case .consentWithdrawn(let person, let withdrawal):
            people.modifyExisting(person) {
                $0.withdrawal = withdrawal
                $0.history.append(sequence)
            }
        case .privacyRequestReceived(let person, let record):
            privacyRequests[sequence] = PrivacyRequest(person: person, record: record)
            people.modifyExisting(person) { $0.history.append(sequence) }
        case .privacyRequestAnswered(let person, let request, let outcome, let reason):
            privacyRequests.modifyExisting(request) {
                $0.answer = PrivacyRequest.Answer(outcome: outcome, reason: reason, recordedAtMicroseconds: event.recordedAtMicroseconds, sequence: sequence)
            }
            people.modifyExisting(person) { $0.history.append(sequence) }
        case .projectProposed, .projectStatusChanged, .fundingCommitted, .commitmentRevised, .fundingDisbursed:
            applyProjectEvent(event, sequence: sequence)
        }
    }

    /// Applies an event about projects and money: the part of `apply` a snapshot's project
    /// section replays too.
    mutating func applyProjectEvent(_ event: Event, sequence: UInt64) {
        switch event.kind {
        case .projectProposed(let record):
            let proposal = ProjectTransition(
                status: .proposed, on: record.proposedOn, reason: nil, recordedAtMicroseconds: event.recordedAtMicroseconds, peerUID: event.peerUID,
                sequence: sequence
            )
            projects[record.id] = ProjectState(record: record, transitions: [proposal])
            for participant in record.partners { noteFunder(participant.partner) }
        case .projectStatusChanged(let project, let status, let on, let reason):
            projects.modifyExisting(project) {
                $0.transitions.append(
                    ProjectTransition(
                        status: status, on: on, reason: reason, recordedAtMicroseconds: event.recordedAtMicroseconds, peerUID: event.peerUID, sequence: sequence
                    )
                )
            }
        case .fundingCommitted(let record):
            commitments[record.id] = CommitmentState(record: record, sequence: sequence, recordedAtMicroseconds: event.recordedAtMicroseconds, peerUID: event.peerUID)
            projects.modifyExisting(record.project) { $0.commitments.append(record.id) }
            if funders[record.grantor.siret] == nil { funders[record.grantor.siret] = record.grantor }
        case .commitmentRevised(let commitment, let amount, let on, let reason):
            commitments.modifyExisting(commitment) {
                $0.revisions.append(
                    CommitmentRevision(
                        on: on, amountCents: amount, reason: reason, sequence: sequence, recordedAtMicroseconds: event.recordedAtMicroseconds, peerUID: event.peerUID
                    )
                )
            }
        case .fundingDisbursed(let commitment, let amount, let on, let reference):
            commitments.modifyExisting(commitment) {
                $0.disbursements.append(
                    Disbursement(
                        on: on, amountCents: amount, reference: reference, sequence: sequence, recordedAtMicroseconds: event.recordedAtMicroseconds,
                        peerUID: event.peerUID
                    )
                )
            }
        default:
            break
        }
    }

    /// The first record of a SIRET names its partner.
    mutating func noteFunder(_ partner: Partner) {
        guard let siret = partner.siret, funders[siret] == nil else { return }
        funders[siret] = Funder(name: partner.name, siret: siret, kind: partner.kind)
    }

    static func fieldTable(_ fields: [SealedField]) -> [PersonalFieldName: [UInt8]] {
        var table: [PersonalFieldName: [UInt8]] = [:]
        for field in fields { table[field.name] = field.sealed }
        return table
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

extension TreeDictionary {
    /// Mutates the value for `key` in place, if there is one, and returns what `body` returns.
    @inline(__always)
    mutating func modifyExisting<Result>(_ key: Key, _ body: (inout Value) -> Result) -> Result? {
        updateValue(forKey: key) { value -> Result? in
            guard value != nil else { return nil }
            return body(&value!)
        }
    }
}

extension InlineList where Element == MembershipPeriod {
    /// Whether the last period has no end: the company is a member from its start on.
    var isOpen: Bool { last.map { $0.end == nil } ?? false }
}

/// A request id's trace in the projection.
public struct RequestRecord: Sendable, Hashable {
    /// The sequence number of the request's last event: what a retry answers.
    public var sequence: UInt64
    /// What the request asked for; nil for one written before fingerprints were kept, whose id
    /// answers any retry as before.
    public var fingerprint: RequestFingerprint?

    public init(sequence: UInt64, fingerprint: RequestFingerprint?) {
        self.sequence = sequence
        self.fingerprint = fingerprint
    }
}
