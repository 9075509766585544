/// Counts of one slice of the network.
public struct Tally: Sendable, Hashable {
    public var clusters: Int = 0
    public var companies: Int = 0
    public var jobs: Int64 = 0
}

/// The network in figures on one date: clusters active, companies with a membership (each once),
/// their jobs (each company counted once), broken down by size category, region and NAF section.
public struct NetworkStatistics: Sendable, Hashable {
    public var date: CalendarDate
    public var total = Tally()
    public var bySize: [SizeCategory: Tally] = [:]
    public var byRegion: [Region: Tally] = [:]
    public var bySection: [NAFSection: Tally] = [:]
}

extension RegistryState {
    /// Statistics as of `date`.
    public func statistics(on date: CalendarDate) -> NetworkStatistics {
        var result = NetworkStatistics(date: date)
        var members = Set<SIREN>()
        for cluster in clusters.values where cluster.isActive(on: date) {
            result.total.clusters += 1
            for region in cluster.record.regions { result.byRegion[region, default: Tally()].clusters += 1 }
            if let section = cluster.record.nafSection { result.bySection[section, default: Tally()].clusters += 1 }
            for (siren, periods) in cluster.members where periods.contains(where: { $0.contains(date) }) {
                members.insert(siren)
            }
        }
        for siren in members {
            guard let company = companies[siren]?.record else { continue }
            let jobs = company.employees
            result.total.companies += 1
            result.total.jobs += jobs
            result.bySize[company.derivedCategory, default: Tally()].companies += 1
            result.bySize[company.derivedCategory, default: Tally()].jobs += jobs
            result.byRegion[company.department.region, default: Tally()].companies += 1
            result.byRegion[company.department.region, default: Tally()].jobs += jobs
            result.bySection[company.naf.section, default: Tally()].companies += 1
            result.bySection[company.naf.section, default: Tally()].jobs += jobs
        }
        return result
    }
}
