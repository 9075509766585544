/// Figures of a period on the valid-date axis, for each cluster, each region and the network;
/// every unit reconciles (see `PeriodFigures`), and the regions add up to the network.
public struct PeriodReport: Sendable, Hashable {
    public struct ClusterRow: Sendable, Hashable {
        public var id: Slug
        public var name: String
        public var regions: [Region]
        public var founded: CalendarDate?
        public var dissolvedOn: CalendarDate?
        public var figures: PeriodFigures
        /// Responses submitted in the period by companies that were members of this cluster that day.
        public var responses = 0
    }

    public struct RegionRow: Sendable, Hashable {
        public var region: Region
        public var figures = PeriodFigures()
        /// Companies of the region whose first membership of any cluster began in the period.
        public var newCompanies = 0
        public var responses = 0
    }

    /// Active clusters: on the day before the period, founded and dissolved in it, on its last day.
    public struct ClusterCounts: Sendable, Hashable {
        public var start = 0
        public var founded = 0
        public var dissolved = 0
        public var end = 0

        public init() {}

        public var reconciles: Bool { start + founded - dissolved == end }
    }

    public struct SurveyRow: Sendable, Hashable {
        public var id: Slug
        public var title: String
        public var opensAt: Timestamp
        public var closesAt: Timestamp
        /// At the end of the period's last day.
        public var status: SurveyStatus
        public var respondents: Int
        public var respondentsInPeriod: Int
    }

    public var from: CalendarDate
    public var to: CalendarDate
    /// The last record read: the report is what the registry had recorded through it.
    public var lastSequence: UInt64
    public var network = PeriodFigures()
    public var newCompanies = 0
    /// Responses submitted in the period, each (survey, company) once.
    public var responses = 0
    /// The sum of the clusters' response columns, which counts a response once per cluster its
    /// company was a member of on the day.
    public var clusterResponseSum = 0
    /// Responses whose company was a member of no cluster on the day (a leave recorded later).
    public var responsesOutsideClusters = 0
    public var clusterCounts = ClusterCounts()
    public var regions: [RegionRow] = []
    public var clusters: [ClusterRow] = []
    public var surveys: [SurveyRow] = []

    /// Responses counted in more than one cluster's column: the overlap of those columns.
    public var responsesCountedAgain: Int { clusterResponseSum - (responses - responsesOutsideClusters) }

    /// The report on the days `from` through `to` (both included) from `state`, the registry as
    /// recorded through its last event: memberships and headcounts by their valid dates.
    public init(state: RegistryState, from: CalendarDate, to: CalendarDate) {
        self.from = from
        self.to = to
        lastSequence = state.lastSequence
        let dayBefore = from.adding(days: -1)
        let period = from...to

        // Clusters: each membership period as it is known now.
        for (id, cluster) in state.clusters {
            var figures = PeriodFigures()
            for (siren, periods) in cluster.members {
                let headcount = state.companies[siren]?.headcountTimeline ?? HeadcountTimeline(initial: 0)
                for membership in periods { figures.add(membership, headcount: headcount, from: from, to: to) }
            }
            let active = MembershipPeriod(start: cluster.record.founded ?? CalendarDate(daysSinceEpoch: .min), end: cluster.dissolvedOn)
            if active.contains(dayBefore) { clusterCounts.start += 1 }
            if let founded = cluster.record.founded, period.contains(founded) { clusterCounts.founded += 1 }
            if let dissolved = cluster.dissolvedOn, period.contains(dissolved) { clusterCounts.dissolved += 1 }
            if active.contains(to) { clusterCounts.end += 1 }
            let activeInPeriod = active.start <= to && (active.end.map { $0 > from } ?? true)
            guard activeInPeriod || figures != PeriodFigures() else { continue }
            clusters.append(ClusterRow(id: id, name: cluster.record.name, regions: cluster.record.regions, founded: cluster.record.founded, dissolvedOn: cluster.dissolvedOn, figures: figures))
        }
        clusters.sort { $0.id < $1.id }

        // Regions and the network: each company once, over the union of its memberships (a
        // company that leaves one cluster the day it joins another stays a member of the network).
        var regionRows = Dictionary(uniqueKeysWithValues: Region.all.map { ($0, RegionRow(region: $0)) })
        for (siren, company) in state.companies {
            var periods: [MembershipPeriod] = []
            for id in company.clusters { periods += Array(state.clusters[id]?.members[siren] ?? []) }
            guard !periods.isEmpty else { continue }
            let stretches = Self.union(periods)
            let headcount = company.headcountTimeline
            let region = company.record.department.region
            var row = regionRows[region] ?? RegionRow(region: region)
            for stretch in stretches { row.figures.add(stretch, headcount: headcount, from: from, to: to) }
            if period.contains(stretches[0].start) { row.newCompanies += 1 }
            regionRows[region] = row
        }

        // Responses by submission day.
        var clusterResponses: [Slug: Int] = [:]
        for (id, survey) in state.surveys {
            var inPeriod = 0
            for (siren, response) in survey.responses where period.contains(response.submittedAt.localDate) {
                inPeriod += 1
                let day = response.submittedAt.localDate
                let memberOf = state.clusters(of: siren, on: day)
                if memberOf.isEmpty { responsesOutsideClusters += 1 }
                for cluster in memberOf { clusterResponses[cluster, default: 0] += 1 }
                if let region = state.companies[siren]?.record.department.region {
                    regionRows[region, default: RegionRow(region: region)].responses += 1
                }
            }
            responses += inPeriod
            let definition = survey.definition
            let overlaps = definition.opensAt.localDate <= to && from <= definition.closesAt.localDate
            let closedInPeriod = survey.closedAtMicroseconds.map { period.contains(Timestamp(microsecondsSinceEpoch: $0).localDate) } ?? false
            guard overlaps || closedInPeriod || inPeriod > 0 else { continue }
            let endOfPeriod = Int64(to.daysSinceEpoch + 1) * 86_400_000_000 - 1
            surveys.append(SurveyRow(
                id: id, title: definition.title, opensAt: definition.opensAt, closesAt: definition.closesAt,
                status: SurveyStatus(survey, at: endOfPeriod), respondents: survey.responses.count, respondentsInPeriod: inPeriod
            ))
        }
        surveys.sort { $0.id < $1.id }
        for index in clusters.indices { clusters[index].responses = clusterResponses[clusters[index].id] ?? 0 }
        clusterResponseSum = clusterResponses.values.reduce(0, +)

        regions = regionRows.values.sorted { $0.region < $1.region }
        for row in regions {
            network.membersStart += row.figures.membersStart
            network.joined += row.figures.joined
            network.left += row.figures.left
            network.membersEnd += row.figures.membersEnd
            network.jobsStart += row.figures.jobsStart
            network.jobsJoined += row.figures.jobsJoined
            network.jobsLeft += row.figures.jobsLeft
            network.jobsChanged += row.figures.jobsChanged
            network.jobsEnd += row.figures.jobsEnd
            newCompanies += row.newCompanies
        }
    }

    /// Periods merged where they overlap or touch, in order.
    static func union(_ periods: [MembershipPeriod]) -> [MembershipPeriod] {
        var merged: [MembershipPeriod] = []
        for period in periods.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, last.end.map({ period.start <= $0 }) ?? true {
                if let end = last.end, let periodEnd = period.end {
                    merged[merged.count - 1].end = max(end, periodEnd)
                } else {
                    merged[merged.count - 1].end = nil
                }
            } else {
                merged.append(period)
            }
        }
        return merged
    }
}
