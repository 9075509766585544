import ClusterDaemon
import ClusterModel
import Foundation
import Varlink

/// Ten years of a network of business clusters, as commands in the order a registry would
/// receive them, quarter by quarter from 2015: 70 clusters; 60 % of the companies register and join
/// a cluster in the first year, the others over the nine years after; every quarter each member
/// declares its headcount (dated the quarter's last day); each year each member updates its
/// turnover, each cluster runs two surveys answered by 90 % of its members, 2 % of the members
/// move to another cluster and 2 % leave for good. Deterministic: the same arguments, the same
/// commands. The daemon decides them (Import), so a command the rules refuse stops the run.
struct TenYearsNetwork {
    static let clusterCount = 70
    static let firstYear = 2015
    static let years = 10

    let companyCount: Int
    private var random = SplitMix64(seed: 0x2015_0101)
    /// Per company: its cluster (index), or -1 before it joins and after it leaves for good.
    private var cluster: [Int32]
    private var employees: [Int64]
    /// The year (0-based) in which each company registers.
    private let arrival: [Int8]

    init(companies: Int) {
        companyCount = companies
        cluster = Array(repeating: -1, count: companies)
        employees = (0..<companies).map { Int64(1 + ($0 * 7919) % 250) }
        let firstYearShare = companies * 6 / 10
        arrival = (0..<companies).map { index in
            index < firstYearShare ? 0 : Int8(1 + (index - firstYearShare) * (Self.years - 1) / max(companies - firstYearShare, 1))
        }
    }

    static func clusterID(_ index: Int) -> Slug { try! Slug("pole-\(index)", field: "id") }
    static func siren(_ index: Int) -> SIREN { SIREN.withCheckDigit(prefix: UInt32(20_000_000 + index))! }

    /// The registration of the 70 clusters.
    func clusters() -> [Command] {
        (0..<Self.clusterCount).map { index in
            let department = Department.all[(index * 7) % Department.all.count]
            return .registerCluster(
                ClusterRecord(
                    id: Self.clusterID(index), name: "Pôle \(index)", regions: [department.region], departments: [department], nafSection: nil,
                    founded: CalendarDate(year: 2010, month: 1, day: 4)
                )
            )
        }
    }

    /// The commands of quarter `quarter` (1–4) of year `year` (0-based).
    mutating func quarter(_ quarter: Int, of year: Int) -> [Command] {
        let calendarYear = Self.firstYear + year
        let start = CalendarDate(year: calendarYear, month: 3 * quarter - 2, day: 1)
        let end = quarter == 4 ? CalendarDate(year: calendarYear, month: 12, day: 31) : CalendarDate(year: calendarYear, month: 3 * quarter + 1, day: 1).adding(days: -1)
        var commands: [Command] = []
        if quarter == 1 {
            for index in 0..<companyCount where Int(arrival[index]) == year {
                let siren = Self.siren(index)
                commands.append(
                    .registerCompany(
                        CompanyRecord(
                            siren: siren, name: "Entreprise \(index)", naf: NAFCode.all[index % NAFCode.all.count],
                            department: Department.all[index % Department.all.count], employees: employees[index], turnoverEUR: Int64(100_000 + index % 5_000_000)
                        )
                    )
                )
                let joined = Int32(random.below(Self.clusterCount))
                cluster[index] = joined
                commands.append(.joinCluster(cluster: Self.clusterID(Int(joined)), siren: siren, date: start.adding(days: Int32(random.below(79)))))
            }
        }
        // Every member's headcount, stated for the quarter's last day.
        for index in 0..<companyCount where cluster[index] >= 0 {
            let drift = Int64(random.below(21)) - 10
            employees[index] = max(1, employees[index] + employees[index] * drift / 100 + (drift > 0 ? 1 : 0))
            commands.append(.updateCompany(CompanyPatch(siren: Self.siren(index), employees: employees[index], effectiveOn: end)))
        }
        switch quarter {
        case 2, 4:
            let opens = CalendarDate(year: calendarYear, month: quarter == 2 ? 4 : 10, day: 1)
            commands += surveys(year: calendarYear, half: quarter / 2, opens: opens)
        default: break
        }
        if quarter == 3 {
            // 2 % move to another cluster.
            for index in 0..<companyCount where cluster[index] >= 0 && random.below(100) < 2 {
                let from = Int(cluster[index])
                let to = (from + 1 + random.below(Self.clusterCount - 1)) % Self.clusterCount
                let day = start.adding(days: Int32(random.below(60)))
                commands.append(.leaveCluster(cluster: Self.clusterID(from), siren: Self.siren(index), date: day, reason: "moved to another cluster"))
                commands.append(.joinCluster(cluster: Self.clusterID(to), siren: Self.siren(index), date: day))
                cluster[index] = Int32(to)
            }
        }
        if quarter == 4 {
            for index in 0..<companyCount where cluster[index] >= 0 {
                commands.append(.updateCompany(CompanyPatch(siren: Self.siren(index), turnoverEUR: Int64(100_000 + (index * 31 + year * 977) % 5_000_000))))
            }
            // 2 % leave for good in December.
            for index in 0..<companyCount where cluster[index] >= 0 && random.below(100) < 2 {
                let day = CalendarDate(year: calendarYear, month: 12, day: 1 + random.below(28))
                commands.append(.leaveCluster(cluster: Self.clusterID(Int(cluster[index])), siren: Self.siren(index), date: day, reason: "left the network"))
                cluster[index] = -1
            }
        }
        return commands
    }

    /// Each cluster's survey of one half-year: defined, answered by 90 % of its members within
    /// its six weeks, closed.
    private mutating func surveys(year: Int, half: Int, opens: CalendarDate) -> [Command] {
        let opensAt = Int64(opens.daysSinceEpoch) * 86_400_000_000
        let window: Int64 = 45 * 86_400_000_000
        var members = Array(repeating: [Int](), count: Self.clusterCount)
        for index in 0..<companyCount where cluster[index] >= 0 { members[Int(cluster[index])].append(index) }
        var commands: [Command] = []
        for clusterIndex in 0..<Self.clusterCount {
            let id = try! Slug("pole-\(clusterIndex)-\(year)-\(half)", field: "id")
            commands.append(
                .defineSurvey(
                    SurveyDefinition(
                        id: id, title: "Conjoncture \(year), \(half == 1 ? "premier" : "second") semestre",
                        opensAt: Timestamp(microsecondsSinceEpoch: opensAt), closesAt: Timestamp(microsecondsSinceEpoch: opensAt + window - 1),
                        questions: [
                            Question(id: try! Slug("hiring", field: "id"), text: "Do you plan to hire in the next six months?", kind: .yesNo),
                            Question(id: try! Slug("export", field: "id"), text: "Do you export?", kind: .yesNo),
                            Question(id: try! Slug("outlook", field: "id"), text: "Your outlook, from 1 to 5", kind: .scale, minimum: 1, maximum: 5),
                        ]
                    )
                )
            )
            for index in members[clusterIndex] where random.below(10) < 9 {
                let at = opensAt + Int64(random.below(45 * 86_400)) * 1_000_000
                commands.append(
                    .submitResponse(
                        survey: id, siren: Self.siren(index), submittedAt: Timestamp(microsecondsSinceEpoch: at, offsetMinutes: 60),
                        answers: [
                            "hiring": .text(random.below(3) == 0 ? "yes" : "no"), "export": .text(random.below(4) == 0 ? "yes" : "no"),
                            "outlook": .integer(Int64(1 + random.below(5))),
                        ]
                    )
                )
            }
            commands.append(.closeSurvey(id: id))
        }
        return commands
    }

    /// Every command of the ten years, in order, until `limit`: `body` gets them in parts.
    mutating func generate(limit: Int, _ body: ([Command]) throws -> Void) rethrows -> Int {
        var produced = 0
        func hand(_ commands: [Command]) throws -> Bool {
            let part = Array(commands.prefix(limit - produced))
            if !part.isEmpty { try body(part) }
            produced += part.count
            return produced < limit
        }
        guard try hand(clusters()) else { return produced }
        for year in 0..<Self.years {
            for quarter in 1...4 {
                guard try hand(self.quarter(quarter, of: year)) else { return produced }
            }
        }
        return produced
    }
}

enum TenYearsBenchmark {
    /// Imports the ten years into the daemon at `socket`, `perCall` commands per Import call, and
    /// prints what it wrote.
    static func importInto(socket path: String, companies: Int, events: Int, perCall: Int) {
        var network = TenYearsNetwork(companies: companies)
        let client = BlockingClient(path: path)
        let start = Clock.now()
        var calls = 0
        var imported = 0
        var requestBytes = 0
        let produced = network.generate(limit: events) { commands in
            var offset = 0
            while offset < commands.count {
                let part = commands[offset..<min(offset + perCall, commands.count)]
                let encoded = part.map(CommandEncoding.importEntry)
                let request = JSONSerializer.serialize(["method": "org.clusterd.Registry.Import", "parameters": ["commands": .array(encoded)]] as JSONValue) + [0]
                let reply = client.exchangeReply(request)
                guard let parsed = try? JSONParser.parse(Array(reply.utf8)), let count = parsed["parameters"]?["events"]?.intValue else {
                    BenchCommand.failure("the Import of commands \(imported + 1)–\(imported + part.count) was refused: \(reply.prefix(400))")
                }
                imported += Int(count)
                requestBytes += request.count
                calls += 1
                offset += part.count
            }
        }
        let elapsed = Clock.seconds(since: start)
        Figure(
            name: "ten_years_import", value: Double(imported) / elapsed, unit: "events/s",
            note: "\(produced) commands (\(companies) companies, ten years from 2015) in \(calls) Import calls of up to \(perCall), \(requestBytes / 1_048_576) MiB of requests, \(Int(elapsed)) s"
        ).printed()
    }
}
