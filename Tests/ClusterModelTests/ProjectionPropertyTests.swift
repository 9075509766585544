import ClusterModel
import Dispatch
import Locking
import Testing

/// Properties that hold for any history: the log rebuilds the same state, jobs add up, and the
/// present is the past seen from today.
struct ProjectionPropertyTests {
    /// A random but valid history: commands drawn from the seed, kept when `decide` accepts them.
    static func history(seed: UInt64, steps: Int) -> (RegistryState, [(Event, UInt64)]) {
        var random = SplitMix64(seed: seed)
        var state = RegistryState()
        var log: [(Event, UInt64)] = []
        let context = DecisionContext(nowMicroseconds: 1_600_000_000_000_000, peerUID: 0)
        let clusters = (0..<5).map { try! Slug("c\($0)", field: "id") }
        let sirens = (0..<40).map { SIREN.withCheckDigit(prefix: UInt32(20_000_000 + $0 * 13))! }
        let departments = Department.all
        for _ in 0..<steps {
            let roll = Int(random.next() % 100)
            let date = CalendarDate(daysSinceEpoch: 15000 + Int32(random.next() % 3000))
            let command: Command
            switch roll {
            case 0..<8:
                let department = departments[Int(random.next() % UInt64(departments.count))]
                command = .registerCluster(ClusterRecord(id: clusters[Int(random.next() % 5)], name: "C", regions: [department.region], departments: [department], nafSection: nil, founded: nil))
            case 8..<30:
                command = .registerCompany(CompanyRecord(siren: sirens[Int(random.next() % 40)], name: "Co", naf: NAFCode.all[Int(random.next() % 732)], department: departments[Int(random.next() % 101)], employees: Int64(random.next() % 600)))
            case 30..<40:
                command = .updateCompany(CompanyPatch(siren: sirens[Int(random.next() % 40)], employees: Int64(random.next() % 900)))
            case 40..<75:
                command = .joinCluster(cluster: clusters[Int(random.next() % 5)], siren: sirens[Int(random.next() % 40)], date: date)
            case 75..<95:
                command = .leaveCluster(cluster: clusters[Int(random.next() % 5)], siren: sirens[Int(random.next() % 40)], date: date, reason: nil)
            default:
                command = .dissolveCluster(id: clusters[Int(random.next() % 5)], date: date)
            }
            guard let events = try? decide(command, state: state, context: context) else { continue }
            for event in events {
                let sequence = state.lastSequence + 1
                state.apply(event, sequence: sequence)
                log.append((event, sequence))
            }
        }
        return (state, log)
    }

    @Test(arguments: [1, 2, 3, 42, 2020] as [UInt64])
    func rebuildingFromTheEncodedLogEqualsTheIncrementalState(seed: UInt64) throws {
        let (incremental, log) = Self.history(seed: seed, steps: 600)
        var rebuilt = RegistryState()
        for (event, sequence) in log {
            rebuilt.apply(try EventCodec.decode(EventCodec.encode(event)), sequence: sequence)
        }
        #expect(log.count > 100)
        #expect(rebuilt == incremental)
    }

    @Test(arguments: [5, 6, 7] as [UInt64])
    func networkJobsAreTheSumOverDistinctCompanies(seed: UInt64) {
        let (state, _) = Self.history(seed: seed, steps: 600)
        for day in stride(from: 15000, to: 18000, by: 250) {
            let date = CalendarDate(daysSinceEpoch: Int32(day))
            let stats = state.statistics(on: date)
            var members = Set<SIREN>()
            var clustersBySize: [SizeCategory: Int] = [:]
            for cluster in state.clusters.values where cluster.isActive(on: date) {
                var sizes = Set<SizeCategory>()
                for (siren, periods) in cluster.members where periods.contains(where: { $0.contains(date) }) {
                    members.insert(siren)
                    sizes.insert(state.companies[siren]!.record.derivedCategory)
                }
                for size in sizes { clustersBySize[size, default: 0] += 1 }
            }
            // A cluster counts under each size category of its current members.
            #expect(stats.bySize.mapValues(\.clusters) == clustersBySize)
            #expect(stats.total.companies == members.count)
            #expect(stats.total.jobs == members.reduce(0) { $0 + state.companies[$1]!.employees(on: date) })
            #expect(stats.bySize.values.reduce(0) { $0 + $1.jobs } == stats.total.jobs)
        }
    }

    /// GetCluster reads the member count and jobs kept as events are applied when the date is past
    /// every period and headcount change; they must equal a scan of the periods and of each
    /// member's headcount on the day, on every date, before and after a snapshot round trip
    /// (which recomputes them).
    @Test(arguments: [14, 15, 16, 17] as [UInt64])
    func clusterCountsKeptOnApplyEqualAScan(seed: UInt64) throws {
        let (state, _) = Self.history(seed: seed, steps: 800)
        let reloaded = try RegistryState(snapshot: state.snapshotBytes())
        var checked = 0
        for (id, cluster) in state.clusters {
            // Updates take effect on day 18518 (the history's clock): dates before and after it.
            for day in stride(from: 15000, to: 19000, by: 97) {
                let date = CalendarDate(daysSinceEpoch: Int32(day))
                var count = 0
                var jobs: Int64 = 0
                for (siren, periods) in cluster.members where periods.contains(where: { $0.contains(date) }) {
                    count += 1
                    jobs += state.companies[siren]!.employees(on: date)
                }
                for projection in [state, reloaded] {
                    let view = try projection.cluster(id, on: date)
                    #expect(view.memberCount == count, "cluster \(id.text) on \(date)")
                    #expect(view.jobs == jobs, "cluster \(id.text) on \(date)")
                }
                if cluster.latestPeriodDate.map({ $0 <= date }) ?? false { checked += 1 }
            }
        }
        #expect(checked > 20)
    }

    @Test(arguments: [8, 9] as [UInt64])
    func asOfTheEndIsTheCurrentState(seed: UInt64) throws {
        let (state, _) = Self.history(seed: seed, steps: 600)
        let future = CalendarDate(daysSinceEpoch: 40000)
        let lastDay = CalendarDate(daysSinceEpoch: 18000)
        #expect(state.statistics(on: future).total.companies == state.statistics(on: lastDay).total.companies)
        for id in state.clusters.keys {
            let current = try state.members(of: id, on: future, offset: 0, limit: 1000).items.map(\.company.siren)
            let open = state.clusters[id]!.members.filter { $0.value.contains { $0.end == nil } }.map(\.key).sorted()
            if state.clusters[id]!.dissolvedOn == nil { #expect(current == open) }
        }
    }
}

/// A snapshot rebuilds exactly the projection it was taken of.
struct RegistrySnapshotTests {
    @Test(arguments: [11, 12, 13] as [UInt64])
    func aSnapshotRoundTripsAnyHistory(seed: UInt64) throws {
        let (state, _) = ProjectionPropertyTests.history(seed: seed, steps: 800)
        #expect(try RegistryState(snapshot: state.snapshotBytes()) == state)
    }

    @Test func aSnapshotOfTheDemoRoundTrips() throws {
        let state = DemoNetworkTests.built
        let restored = try RegistryState(snapshot: state.snapshotBytes())
        #expect(restored == state)
        #expect(restored.statistics(on: CalendarDate(year: 2021, month: 1, day: 1)).total.jobs == 1_000_000)
    }

    @Test func aSnapshotDecodesItsClustersOnSeveralThreads() throws {
        let state = DemoNetworkTests.built
        let tasks = Locked(0)
        let restored = try RegistryState(snapshot: state.snapshotBytes()) { count, body in
            tasks.withLock { $0 += count }
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
        #expect(tasks.withLock { $0 } == state.clusters.count, "one task per cluster; the companies are packed, not decoded")
        #expect(restored == state)
        #expect(restored.companies.unpackedCount == 0)
    }

    @Test func garbageIsRefused() {
        #expect(throws: EventDecodingError.self) { try RegistryState(snapshot: [9, 1, 2]) }
        #expect(throws: EventDecodingError.self) { try RegistryState(snapshot: [1, 0x22, 0x10]) }
    }
}
