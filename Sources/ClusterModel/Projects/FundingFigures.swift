/// Committed and disbursed amounts, in cents, with the projects they concern.
public struct FundingAmounts: Sendable, Hashable {
    public var committedCents: Int64 = 0
    public var disbursedCents: Int64 = 0
    public var projects: Set<Slug> = []

    public init() {}

    mutating func add(committed: Int64, disbursed: Int64, project: Slug) {
        committedCents += committed
        disbursedCents += disbursed
        projects.insert(project)
    }
}

/// How far national public money draws other money in: in the projects where ANCT, Banque des
/// Territoires or another national agency committed money, what private funders and local
/// authorities committed beside it, per euro of the agencies'.
public struct Leverage: Sendable, Hashable {
    public var agencyCents: Int64 = 0
    /// Private contributions, banks and other private funders.
    public var privateCents: Int64 = 0
    /// Local authorities (regions, departments, communes).
    public var localCents: Int64 = 0
    /// The projects with agency money.
    public var projects = 0

    /// Euros of private and local money per euro of the agencies', two decimals, rounded once.
    public var perAgencyEuro: String? { Money.ratio(privateCents + localCents, agencyCents, decimals: 2) }
}

/// The money of every project on a day: by funder, region, lead cluster and year.
public struct FundingTotals: Sendable, Hashable {
    public var day: CalendarDate
    public var total = FundingAmounts()
    public var byFunder: [SIRET: FundingAmounts] = [:]
    /// A project in several regions counts in each of them.
    public var byRegion: [Region: FundingAmounts] = [:]
    /// By the project's lead cluster.
    public var byCluster: [Slug: FundingAmounts] = [:]
    /// Committed by the year of the agreement, disbursed by the year of the payment.
    public var byYear: [Int: FundingAmounts] = [:]
    public var leverage = Leverage()
}

/// Where a funder's money comes from, for the leverage.
public enum FundingSource: Sendable, Hashable {
    case nationalAgency
    case local
    case `private`
    /// Universities and other public bodies: in the totals, not in the leverage.
    case otherPublic

    public init(instrument: FundingInstrument, grantor: Funder) {
        if instrument == .privateContribution {
            self = .private
            return
        }
        switch grantor.kind {
        case .agency: self = .nationalAgency
        case .localAuthority: self = .local
        case .bank, .other: self = .private
        case .university: self = .otherPublic
        }
    }
}

extension RegistryState {
    /// What `commitment` has committed on `day`: its amount then, or what was disbursed when its
    /// project was withdrawn or rejected by that day.
    public func committed(_ commitment: CommitmentState, on day: CalendarDate) -> Int64 {
        commitment.committed(on: day, abandonedOn: projects[commitment.record.project]?.abandonedOn)
    }

    /// The project's money on `day`: committed and disbursed, in total and per funder.
    public func funding(of project: ProjectState, on day: CalendarDate) -> (total: FundingAmounts, byFunder: [SIRET: FundingAmounts]) {
        var total = FundingAmounts()
        var byFunder: [SIRET: FundingAmounts] = [:]
        forEachCommitment(of: project, on: day) { commitment, committed, disbursed in
            total.add(committed: committed, disbursed: disbursed, project: project.record.id)
            byFunder[commitment.record.grantor.siret, default: FundingAmounts()].add(committed: committed, disbursed: disbursed, project: project.record.id)
        }
        return (total, byFunder)
    }

    /// Each commitment of `project` agreed by `day`, with what it commits and has paid on `day`:
    /// the one walk that every funding figure makes.
    private func forEachCommitment(of project: ProjectState, on day: CalendarDate, _ body: (CommitmentState, _ committed: Int64, _ disbursed: Int64) -> Void) {
        for id in project.commitments {
            guard let commitment = commitments[id], commitment.record.agreedOn <= day else { continue }
            body(commitment, committed(commitment, on: day), commitment.disbursed(on: day))
        }
    }

    /// Every project's money on `day` (the valid-date axis), as this projection knows it.
    public func fundingTotals(on day: CalendarDate) -> FundingTotals {
        var totals = FundingTotals(day: day)
        for project in projects.values {
            var agency: Int64 = 0
            var local: Int64 = 0
            var privateMoney: Int64 = 0
            forEachCommitment(of: project, on: day) { commitment, committed, disbursed in
                let record = commitment.record
                let projectID = project.record.id
                totals.total.add(committed: committed, disbursed: disbursed, project: projectID)
                totals.byFunder[record.grantor.siret, default: FundingAmounts()].add(committed: committed, disbursed: disbursed, project: projectID)
                for region in project.record.regions {
                    totals.byRegion[region, default: FundingAmounts()].add(committed: committed, disbursed: disbursed, project: projectID)
                }
                totals.byCluster[project.record.leadCluster, default: FundingAmounts()].add(committed: committed, disbursed: disbursed, project: projectID)
                totals.byYear[record.agreedOn.components.year, default: FundingAmounts()].add(committed: committed, disbursed: 0, project: projectID)
                for disbursement in commitment.disbursements where disbursement.on <= day {
                    totals.byYear[disbursement.on.components.year, default: FundingAmounts()].add(committed: 0, disbursed: disbursement.amountCents, project: projectID)
                }
                switch FundingSource(instrument: record.instrument, grantor: record.grantor) {
                case .nationalAgency: agency += committed
                case .local: local += committed
                case .private: privateMoney += committed
                case .otherPublic: break
                }
            }
            if agency > 0 {
                totals.leverage.agencyCents += agency
                totals.leverage.localCents += local
                totals.leverage.privateCents += privateMoney
                totals.leverage.projects += 1
            }
        }
        return totals
    }
}

/// How money moved over a period, reconciled: what was committed at its start, plus new
/// commitments, plus revisions (signed), minus what abandoned projects released, is what is
/// committed at its end; what was disbursed at its start plus the period's payments is what is
/// disbursed at its end.
public struct FundingFlow: Sendable, Hashable {
    /// On the day before the period.
    public var committedAtStart: Int64 = 0
    /// Agreed in the period, at the amount agreed.
    public var newCents: Int64 = 0
    /// What revisions dated in the period added (or, negative, took away).
    public var revisedCents: Int64 = 0
    /// What projects withdrawn or rejected in the period released: committed and not disbursed.
    public var releasedCents: Int64 = 0
    /// On the period's last day.
    public var committedAtEnd: Int64 = 0
    public var disbursedAtStart: Int64 = 0
    public var disbursedInPeriod: Int64 = 0
    public var disbursedAtEnd: Int64 = 0

    public init() {}

    /// Whether both identities hold.
    public var reconciles: Bool {
        committedAtStart + newCents + revisedCents - releasedCents == committedAtEnd && disbursedAtStart + disbursedInPeriod == disbursedAtEnd
    }

    static func + (left: FundingFlow, right: FundingFlow) -> FundingFlow {
        var sum = left
        sum.committedAtStart += right.committedAtStart
        sum.newCents += right.newCents
        sum.revisedCents += right.revisedCents
        sum.releasedCents += right.releasedCents
        sum.committedAtEnd += right.committedAtEnd
        sum.disbursedAtStart += right.disbursedAtStart
        sum.disbursedInPeriod += right.disbursedInPeriod
        sum.disbursedAtEnd += right.disbursedAtEnd
        return sum
    }
}

/// The money of a period from `from` to `to` (valid dates, both included), in total, by funder
/// and by region (a project in two regions counts in both).
public struct FundingPeriod: Sendable, Hashable {
    public var from: CalendarDate
    public var to: CalendarDate
    public var total = FundingFlow()
    public var byFunder: [SIRET: FundingFlow] = [:]
    public var byRegion: [Region: FundingFlow] = [:]
}

extension RegistryState {
    /// How `commitment`'s money moved from `from` to `to`.
    public func flow(of commitment: CommitmentState, from: CalendarDate, to: CalendarDate) -> FundingFlow {
        let start = from.adding(days: -1)
        let period = from...to
        var flow = FundingFlow()
        flow.committedAtStart = committed(commitment, on: start)
        flow.committedAtEnd = committed(commitment, on: to)
        flow.disbursedAtStart = commitment.disbursed(on: start)
        flow.disbursedAtEnd = commitment.disbursed(on: to)
        flow.disbursedInPeriod = commitment.disbursements.reduce(0) { period.contains($1.on) ? $0 + $1.amountCents : $0 }
        if period.contains(commitment.record.agreedOn) { flow.newCents = commitment.record.amountCents }
        // Each revision against the amount before it, in the order they take effect.
        var amount = commitment.record.amountCents
        for revision in commitment.revisions.sorted(by: { ($0.on, $0.sequence) < ($1.on, $1.sequence) }) {
            if period.contains(revision.on) { flow.revisedCents += revision.amountCents - amount }
            amount = revision.amountCents
        }
        if let abandonedOn = projects[commitment.record.project]?.abandonedOn, period.contains(abandonedOn) {
            flow.releasedCents = commitment.committedBeforeRelease(on: abandonedOn) - commitment.disbursed(on: abandonedOn)
        }
        return flow
    }

    /// Every commitment's money over the period, reconciled.
    public func fundingPeriod(from: CalendarDate, to: CalendarDate) -> FundingPeriod {
        var result = FundingPeriod(from: from, to: to)
        for commitment in commitments.values {
            let flow = flow(of: commitment, from: from, to: to)
            result.total = result.total + flow
            result.byFunder[commitment.record.grantor.siret] = (result.byFunder[commitment.record.grantor.siret] ?? FundingFlow()) + flow
            for region in projects[commitment.record.project]?.record.regions ?? [] {
                result.byRegion[region] = (result.byRegion[region] ?? FundingFlow()) + flow
            }
        }
        return result
    }
}
