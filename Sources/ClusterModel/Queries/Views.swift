/// A cluster with its figures on one date.
public struct ClusterView: Sendable, Hashable {
    public var state: ClusterState
    public var date: CalendarDate
    public var memberCount: Int
    public var jobs: Int64
}

/// A member of a cluster on one date.
public struct MemberView: Sendable, Hashable {
    public var company: CompanyRecord
    public var since: CalendarDate
}

/// One membership of a company.
public struct MembershipView: Sendable, Hashable {
    public var cluster: Slug
    public var clusterName: String
    public var period: MembershipPeriod
}

/// A page of a longer list.
public struct Page<Item: Sendable & Hashable>: Sendable, Hashable {
    public var items: [Item]
    public var total: Int
    public var offset: Int
}

extension RegistryState {
    /// The cluster `id` with its members and jobs on `date`.
    public func cluster(_ id: Slug, on date: CalendarDate) throws(DomainError) -> ClusterView {
        guard let cluster = clusters[id] else { throw .unknownCluster(id.text) }
        if cluster.latestPeriodDate.map({ $0 <= date }) ?? true {
            return ClusterView(state: cluster, date: date, memberCount: cluster.openMembers, jobs: cluster.openJobs)
        }
        var count = 0
        var jobs: Int64 = 0
        for (siren, periods) in cluster.members where periods.contains(where: { $0.contains(date) }) {
            count += 1
            jobs += companies[siren]?.employees(on: date) ?? 0
        }
        return ClusterView(state: cluster, date: date, memberCount: count, jobs: jobs)
    }

    /// Clusters ordered by id, optionally only those in `region` or of `section`.
    public func listClusters(region: Region?, section: NAFSection?, offset: Int, limit: Int, on date: CalendarDate) -> Page<ClusterView> {
        let matching = clusters.keys.sorted().compactMap { id -> ClusterState? in
            guard let cluster = clusters[id] else { return nil }
            if let region, !cluster.record.regions.contains(region) { return nil }
            if let section, cluster.record.nafSection != section { return nil }
            return cluster
        }
        let page = matching.dropFirst(offset).prefix(limit).map { cluster in
            (try? self.cluster(cluster.record.id, on: date)) ?? ClusterView(state: cluster, date: date, memberCount: 0, jobs: 0)
        }
        return Page(items: Array(page), total: matching.count, offset: offset)
    }

    /// The members of `cluster` on `date`, ordered by SIREN.
    public func members(of id: Slug, on date: CalendarDate, offset: Int, limit: Int) throws(DomainError) -> Page<MemberView> {
        guard let cluster = clusters[id] else { throw .unknownCluster(id.text) }
        let current = cluster.members.compactMap { siren, periods -> (SIREN, CalendarDate)? in
            guard let period = periods.first(where: { $0.contains(date) }) else { return nil }
            return (siren, period.start)
        }.sorted { $0.0 < $1.0 }
        let page = current.dropFirst(offset).prefix(limit).compactMap { siren, since in
            companies[siren].map { MemberView(company: $0.record, since: since) }
        }
        return Page(items: Array(page), total: current.count, offset: offset)
    }

    /// The company and all its memberships.
    public func company(_ siren: SIREN) throws(DomainError) -> (CompanyRecord, [MembershipView]) {
        guard let company = companies[siren] else { throw .unknownCompany(siren.description) }
        var memberships: [MembershipView] = []
        for id in company.clusters {
            guard let cluster = clusters[id] else { continue }
            for period in cluster.members[siren] ?? [] {
                memberships.append(MembershipView(cluster: id, clusterName: cluster.record.name, period: period))
            }
        }
        memberships.sort { ($0.period.start, $0.cluster) < ($1.period.start, $1.cluster) }
        return (company.record, memberships)
    }
}
