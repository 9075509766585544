/// Counts of one slice of the network.
public struct Tally: Sendable, Hashable {
    public var clusters: Int = 0
    public var companies: Int = 0
    public var jobs: Int64 = 0
}

/// The network in figures on one date: clusters active, companies with a membership (each once),
/// their jobs (each company counted once), broken down by size category, region and NAF section.
/// A cluster counts under each size category among its current members, each region of its
/// territory and its own NAF section.
public struct NetworkStatistics: Sendable, Hashable {
    public var date: CalendarDate
    public var total = Tally()
    public var bySize: [SizeCategory: Tally] = [:]
    public var byRegion: [Region: Tally] = [:]
    public var bySection: [NAFSection: Tally] = [:]
}

extension RegistryState {
    /// Statistics as of `date`.
    ///
    /// Walks each active cluster's members once; a company's record is looked up once, and only
    /// companies in several clusters need a set to be counted once. Tallies go into arrays indexed
    /// by category, region and section: this runs over every membership of the network.
    public func statistics(on date: CalendarDate) -> NetworkStatistics {
        var result = NetworkStatistics(date: date)
        let regions = Region.all
        let sections = NAFSection.all
        var regionIndex: [Region: Int] = [:]
        for (index, region) in regions.enumerated() { regionIndex[region] = index }
        let departmentRegion = Department.all.map { regionIndex[$0.region]! }
        var bySize = [Tally](repeating: Tally(), count: SizeCategory.allCases.count)
        var byRegion = [Tally](repeating: Tally(), count: regions.count)
        var bySection = [Tally](repeating: Tally(), count: 26)
        var counted = Set<SIREN>()
        for cluster in clusters.values where cluster.isActive(on: date) {
            result.total.clusters += 1
            for region in cluster.record.regions { byRegion[regionIndex[region]!].clusters += 1 }
            if let section = cluster.record.nafSection { bySection[Self.sectionIndex(section)].clusters += 1 }
            // A cluster counts under each size category among its current members.
            var sizes = 0
            for (siren, periods) in cluster.members where periods.contains(where: { $0.contains(date) }) {
                guard let company = companies[siren] else { continue }
                let record = company.record
                let size = record.derivedCategory.rank
                sizes |= 1 << size
                if company.clusters.count > 1 && !counted.insert(siren).inserted { continue }
                let jobs = company.employees(on: date)
                result.total.companies += 1
                result.total.jobs += jobs
                bySize[size].companies += 1
                bySize[size].jobs += jobs
                let region = departmentRegion[Int(record.department.index)]
                byRegion[region].companies += 1
                byRegion[region].jobs += jobs
                let section = Self.sectionIndex(record.naf.section)
                bySection[section].companies += 1
                bySection[section].jobs += jobs
            }
            for size in bySize.indices where sizes & (1 << size) != 0 { bySize[size].clusters += 1 }
        }
        for (index, category) in SizeCategory.allCases.enumerated() where bySize[index] != Tally() {
            result.bySize[category] = bySize[index]
        }
        for (index, region) in regions.enumerated() where byRegion[index] != Tally() {
            result.byRegion[region] = byRegion[index]
        }
        for section in sections where bySection[Self.sectionIndex(section)] != Tally() {
            result.bySection[section] = bySection[Self.sectionIndex(section)]
        }
        return result
    }

    private static func sectionIndex(_ section: NAFSection) -> Int {
        Int(section.letter.asciiValue! - UInt8(ascii: "A"))
    }
}
