import ClusterModel
import PropertyBased
import Testing

/// The period report against an oracle: a naive computation, written separately, that reads the
/// event list day by day. Generated histories put joins, leaves, headcount changes and responses
/// on the period's boundaries, keep memberships as short as the rules allow, rejoin, put
/// companies in several clusters and record corrections about earlier days later.
struct PeriodReportPropertyTests {
    typealias Recorded = (event: Event, sequence: UInt64, commit: Int64)

    static let base = CalendarDate(year: 2020, month: 1, day: 1)
    static let from = base.adding(days: 30)
    static let to = base.adding(days: 59)
    static let clusterIDs = (0..<4).map { try! Slug("c\($0)", field: "id") }
    static let sirens = (0..<24).map { SIREN.withCheckDigit(prefix: UInt32(30_000_000 + $0 * 17))! }
    /// Two departments of one region, one of another: regions are summed from companies.
    static let departments = [try! Department("76"), try! Department("27"), try! Department("80")]

    /// A valid history drawn from `words`: each word picks a command; those `decide` refuses are dropped.
    static func history(_ words: [UInt64]) -> [Recorded] {
        var state = RegistryState()
        var recorded: [Recorded] = []
        func day(_ word: UInt64) -> CalendarDate {
            // Boundaries half of the time: the day before the period, its first, last, and the day after.
            let boundaries = [from.adding(days: -1), from, from.adding(days: 1), to.adding(days: -1), to, to.adding(days: 1)]
            if word & 1 == 0 { return boundaries[Int(word >> 1) % boundaries.count] }
            return base.adding(days: Int32((word >> 1) % 100))
        }
        func commit(_ index: Int) -> Int64 {
            // Commit days run across the whole window, so that headcount changes fall before, in and after the period.
            Int64(base.adding(days: Int32(index * 100 / max(1, words.count))).daysSinceEpoch) * 86_400_000_000 + 3_600_000_000
        }
        var commands: [Command] = []
        let survey = try! Slug("s", field: "id")
        for (index, id) in clusterIDs.enumerated() {
            let department = departments[index % departments.count]
            commands.append(.registerCluster(ClusterRecord(id: id, name: "Cluster \(index)", regions: [department.region], departments: [department], nafSection: nil, founded: index == 3 ? from.adding(days: 3) : nil)))
        }
        for (index, siren) in sirens.enumerated() {
            commands.append(.registerCompany(CompanyRecord(siren: siren, name: "Company \(index)", naf: NAFCode.all[index], department: departments[index % 3], employees: Int64(index * 7 + 1))))
        }
        let yes = try! Slug("q", field: "id")
        commands.append(.defineSurvey(SurveyDefinition(
            id: survey, title: "S", opensAt: Timestamp(microsecondsSinceEpoch: Int64(from.adding(days: -3).daysSinceEpoch) * 86_400_000_000),
            closesAt: Timestamp(microsecondsSinceEpoch: Int64(to.adding(days: 2).daysSinceEpoch) * 86_400_000_000),
            questions: [Question(id: yes, text: "Q", kind: .yesNo)]
        )))
        for word in words {
            let a = word >> 8
            let cluster = clusterIDs[Int(a % 4)]
            let siren = sirens[Int((a >> 3) % 24)]
            let date = day(a >> 10)
            switch word % 100 {
            case 0..<40: commands.append(.joinCluster(cluster: cluster, siren: siren, date: date))
            case 40..<65: commands.append(.leaveCluster(cluster: cluster, siren: siren, date: date, reason: nil))
            case 65..<73: commands.append(.updateCompany(CompanyPatch(siren: siren, employees: Int64((a >> 20) % 500))))
            // Dated: some on the boundaries, some corrections about days long past.
            case 73..<80: commands.append(.updateCompany(CompanyPatch(siren: siren, employees: Int64((a >> 20) % 500), effectiveOn: date)))
            case 80..<82: commands.append(.updateCompany(CompanyPatch(siren: siren, department: departments[Int((a >> 20) % 3)])))
            case 82..<95:
                let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64((a >> 30) % 86_400)
                commands.append(.submitResponse(survey: survey, siren: siren, submittedAt: Timestamp(microsecondsSinceEpoch: seconds * 1_000_000), answers: ["q": .text("yes")]))
            case 95..<97: commands.append(.dissolveCluster(id: cluster, date: date))
            default: commands.append(.closeSurvey(id: survey))
            }
        }
        for command in commands {
            let time = commit(recorded.count)
            guard let events = try? decide(command, state: state, context: DecisionContext(nowMicroseconds: time, peerUID: 0)) else { continue }
            for event in events {
                let sequence = UInt64(recorded.count + 1)
                state.apply(event, sequence: sequence, commitTimeMicroseconds: time)
                recorded.append((event, sequence, time))
            }
        }
        return recorded
    }

    static func report(_ history: [Recorded], through last: Int? = nil) -> PeriodReport {
        var state = RegistryState()
        for entry in history.prefix(last ?? history.count) {
            state.apply(entry.event, sequence: entry.sequence, commitTimeMicroseconds: entry.commit)
        }
        return PeriodReport(state: state, from: from, to: to)
    }

    @Test func theReportEqualsTheNaiveComputationAndReconciles() async {
        await propertyCheck(count: 100, input: Gen.uint64().array(of: 40...260)) { words in
            let history = Self.history(words)
            // As recorded now, and as recorded part of the way through.
            for last in [history.count, history.count * 2 / 3] {
                let report = Self.report(history, through: last)
                let oracle = Oracle(Array(history.prefix(last)))
                Self.check(report, against: oracle)
            }
        }
    }

    static func check(_ report: PeriodReport, against oracle: Oracle, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.network == oracle.figures(of: { _ in true }, clusters: clusterIDs, network: true), "network", sourceLocation: sourceLocation)
        #expect(report.network.reconciles, sourceLocation: sourceLocation)
        #expect(report.newCompanies == oracle.newCompanies(region: nil), sourceLocation: sourceLocation)
        #expect(report.responses == oracle.responses(cluster: nil), sourceLocation: sourceLocation)
        #expect(report.clusterCounts == oracle.clusterCounts(), sourceLocation: sourceLocation)
        #expect(report.clusterCounts.reconciles, sourceLocation: sourceLocation)
        var clusterSum = 0
        for id in clusterIDs {
            let expected = oracle.figures(of: { _ in true }, clusters: [id], network: false)
            let row = report.clusters.first { $0.id == id }
            #expect((row?.figures ?? PeriodFigures()) == expected, "cluster \(id)", sourceLocation: sourceLocation)
            #expect(row?.figures.reconciles ?? true, sourceLocation: sourceLocation)
            #expect((row?.responses ?? 0) == oracle.responses(cluster: id), sourceLocation: sourceLocation)
            clusterSum += oracle.responses(cluster: id)
        }
        #expect(report.clusterResponseSum == clusterSum, sourceLocation: sourceLocation)
        for region in Set(departments.map(\.region)) {
            let row = report.regions.first { $0.region == region }
            let expected = oracle.figures(of: { oracle.region(of: $0) == region }, clusters: clusterIDs, network: true)
            #expect((row?.figures ?? PeriodFigures()) == expected, "region \(region)", sourceLocation: sourceLocation)
            #expect((row?.newCompanies ?? 0) == oracle.newCompanies(region: region), sourceLocation: sourceLocation)
        }
    }

    /// Reads the event list directly: who was a member on a day is decided from the starts and
    /// ends of that company in that cluster, in log order; a headcount is the one stated with the
    /// latest effective day on or before the day (docs/event-codec.md, CompanyUpdated field 15);
    /// the network and regions look at every day of the period.
    struct Oracle {
        let history: [Recorded]
        /// Per cluster and company, the periods [start, end) in log order.
        private var periods: [Slug: [SIREN: [(start: CalendarDate, end: CalendarDate?)]]] = [:]
        /// Per company, its registered count and each update with its effective day, in log order.
        private var registered: [SIREN: Int64] = [:]
        private var updates: [SIREN: [(day: CalendarDate, employees: Int64)]] = [:]
        private var departments: [SIREN: Department] = [:]

        init(_ history: [Recorded]) {
            self.history = history
            for entry in history {
                switch entry.event.kind {
                case .membershipStarted(let cluster, let siren, let date):
                    periods[cluster, default: [:]][siren, default: []].append((date, nil))
                case .membershipEnded(let cluster, let siren, let date, _):
                    if let open = periods[cluster]?[siren]?.lastIndex(where: { $0.end == nil }) { periods[cluster]![siren]![open].end = date }
                case .companyRegistered(let record):
                    registered[record.siren] = record.employees
                    departments[record.siren] = record.department
                case .companyUpdated(let record, let effectiveOn):
                    // A headcount is stated with its day; without one, the count only repeats the record.
                    if let effectiveOn { updates[record.siren, default: []].append((effectiveOn, record.employees)) }
                    departments[record.siren] = record.department
                default:
                    break
                }
            }
        }

        func isMember(_ siren: SIREN, of cluster: Slug, on day: CalendarDate) -> Bool {
            (periods[cluster]?[siren] ?? []).contains { $0.start <= day && ($0.end == nil || day < $0.end!) }
        }

        func isMember(_ siren: SIREN, of clusters: [Slug], on day: CalendarDate) -> Bool {
            clusters.contains { isMember(siren, of: $0, on: day) }
        }

        /// The update effective last on or before `day` (the later recorded on a tie), else the registration.
        func employees(_ siren: SIREN, on day: CalendarDate) -> Int64 {
            var count = registered[siren] ?? 0
            var countDay: CalendarDate?
            for update in updates[siren] ?? [] where update.day <= day && countDay.map({ $0 <= update.day }) ?? true {
                count = update.employees
                countDay = update.day
            }
            return count
        }

        func region(of siren: SIREN) -> Region? {
            departments[siren]?.region
        }

        var companies: [SIREN] {
            history.compactMap { if case .companyRegistered(let record) = $0.event.kind { return record.siren } else { return nil } }
        }

        /// Day by day: a start is a day a member who was not one the day before; an end the reverse.
        func figures(of companies: (SIREN) -> Bool, clusters: [Slug], network: Bool) -> PeriodFigures {
            var figures = PeriodFigures()
            let before = from.adding(days: -1)
            for siren in self.companies where companies(siren) {
                if isMember(siren, of: clusters, on: before) {
                    figures.membersStart += 1
                    figures.jobsStart += employees(siren, on: before)
                }
                if isMember(siren, of: clusters, on: to) {
                    figures.membersEnd += 1
                    figures.jobsEnd += employees(siren, on: to)
                }
                var day = from
                while day <= to {
                    let yesterday = day.adding(days: -1)
                    let was = isMember(siren, of: clusters, on: yesterday)
                    let isNow = isMember(siren, of: clusters, on: day)
                    if !was && isNow {
                        figures.joined += 1
                        figures.jobsJoined += employees(siren, on: day)
                    }
                    if was && !isNow {
                        figures.left += 1
                        figures.jobsLeft += employees(siren, on: yesterday)
                    }
                    if was && isNow { figures.jobsChanged += employees(siren, on: day) - employees(siren, on: yesterday) }
                    day = day.adding(days: 1)
                }
            }
            if !network {
                // A cluster counts each membership: a leave and a rejoin on the same day are a
                // leave and a join, which the day-by-day walk sees as no change.
                for entry in history {
                    switch entry.event.kind {
                    case .membershipStarted(let c, let s, let date) where clusters.contains(c) && from <= date && date <= to && isMember(s, of: clusters, on: date.adding(days: -1)):
                        figures.joined += 1
                        figures.left += 1
                        figures.jobsJoined += employees(s, on: date)
                        figures.jobsLeft += employees(s, on: date.adding(days: -1))
                        figures.jobsChanged -= employees(s, on: date) - employees(s, on: date.adding(days: -1))
                    default:
                        break
                    }
                }
            }
            return figures
        }

        func newCompanies(region: Region?) -> Int {
            companies.filter { siren in
                guard region == nil || self.region(of: siren) == region else { return false }
                let starts = history.compactMap { entry -> CalendarDate? in
                    if case .membershipStarted(_, let s, let date) = entry.event.kind, s == siren { return date }
                    return nil
                }
                guard let first = starts.min() else { return false }
                return from <= first && first <= to
            }.count
        }

        func responses(cluster: Slug?) -> Int {
            history.filter { entry in
                guard case .responseSubmitted(_, let siren, let time, _) = entry.event.kind else { return false }
                let day = time.localDate
                guard from <= day && day <= to else { return false }
                return cluster.map { isMember(siren, of: $0, on: day) } ?? true
            }.count
        }

        func clusterCounts() -> PeriodReport.ClusterCounts {
            var counts = PeriodReport.ClusterCounts()
            for id in clusterIDs {
                var founded: CalendarDate?
                var dissolved: CalendarDate?
                var exists = false
                for entry in history {
                    switch entry.event.kind {
                    case .clusterRegistered(let record) where record.id == id: exists = true; founded = record.founded
                    case .clusterDissolved(let c, let date) where c == id: dissolved = date
                    default: break
                    }
                }
                guard exists else { continue }
                func active(_ day: CalendarDate) -> Bool { (founded.map { $0 <= day } ?? true) && (dissolved.map { day < $0 } ?? true) }
                if active(from.adding(days: -1)) { counts.start += 1 }
                if let founded, from <= founded && founded <= to { counts.founded += 1 }
                if let dissolved, from <= dissolved && dissolved <= to { counts.dissolved += 1 }
                if active(to) { counts.end += 1 }
            }
            return counts
        }
    }
}
