/// The demo network: a deterministic picture of the French network of business clusters, with a
/// history worth auditing.
///
/// On 15 November 2020, the survey's last day, and from then on: 70 clusters (50 of 286 members and
/// 20 of 285: 20,000 companies), exactly 1,000,000 jobs, the clusters spread over the regions by
/// their weight in the economy (`RegionWeights`, at least one each), one cluster across two regions
/// (the glass valley of the Bresle, in Normandy and Hauts-de-France), partners for every cluster,
/// and the survey of 9–15 November 2020 with 300 respondents whose yes-answers are
/// 291 / 270 / 221 / 195 / 108 (97.0 / 90.0 / 73.7 / 65.0 / 36.0 %).
///
/// Before that day, from 2008: clusters founded over the years, a 71st (`dissolvedClusterID`)
/// founded in 2009 and dissolved at the end of 2016, some of whose members then joined another
/// cluster of their region; companies that joined and left (with a reason), some that left and
/// came back, and headcounts that changed on a dated `UpdateCompany`. Commands come in the order
/// of their dates. No clock and no I/O: the same seed always gives the same commands.
public enum DemoNetwork {
    public static let defaultSeed: UInt64 = 2020_11_09
    public static let clusterCount = 70
    public static let companyCount = 20_000
    public static let totalJobs: Int64 = 1_000_000
    public static let surveyID = "crisis-2020-11"
    public static let respondentCount = 300
    /// The first day of the history.
    public static let historyStart = CalendarDate(year: 2008, month: 1, day: 1)
    /// The survey's last day: the network stands at the figures above, and nothing happens after.
    public static let publishedOn = CalendarDate(year: 2020, month: 11, day: 15)
    /// The one cluster dissolved before 2020, and when.
    public static let dissolvedClusterID = "textile-59-nord"
    public static let dissolvedOn = CalendarDate(year: 2016, month: 12, day: 31)
    /// Companies that left for good, besides those of the dissolved cluster.
    static let leaverCount = 1_200
    /// Members of 15 November 2020 that had left their cluster once before.
    static let rejoinerCount = 250
    /// Members of the dissolved cluster that joined another one of Hauts-de-France in 2017, and
    /// those that joined none.
    static let moverCount = 50
    static let unplacedCount = 20
    /// Members of 15 November 2020 whose headcount changed on a dated day, in percent.
    static let datedHeadcountPercent = 10
    static let leaveReasons = ["ceased trading", "moved out of the territory", "did not renew its membership", "taken over by a group"]

    /// The five questions of the survey and how many of the 300 respondents answer yes.
    public static let surveyQuestions: [(id: String, text: String, yes: Int)] = [
        ("low-bankruptcy-risk", "Do you see a very low risk of bankruptcy for your company?", 291),
        ("crisis-opportunities", "Has the crisis created opportunities for your company?", 270),
        ("new-markets", "Have you opened up to new markets since the crisis began?", 221),
        ("no-real-difficulty", "Has your company come through without real difficulty?", 195),
        ("made-in-france", "Are you betting on relocating production to France (made in France)?", 108),
    ]

    private static let themes: [(name: String, section: Character)] = [
        ("Aéronautique", "C"), ("Numérique", "J"), ("Agroalimentaire", "C"), ("Mécanique", "C"), ("Santé", "M"),
        ("Énergies", "D"), ("Bois", "C"), ("Textile", "C"), ("Logistique", "H"), ("Bâtiment durable", "F"),
        ("Plasturgie", "C"), ("Tourisme", "I"), ("Maritime", "H"), ("Vigne et vin", "A"), ("Chimie verte", "C"),
        ("Photonique", "C"), ("Eau", "E"), ("Ingénierie", "M"),
    ]

    /// A command on the valid-date axis; on one day, joins come before headcounts, leaves and the
    /// dissolution, and the survey before its responses.
    private struct Dated {
        enum Kind: Int { case join, headcount, leave, dissolution, survey, response }
        var day: CalendarDate
        var kind: Kind
        var command: Command
    }

    /// A member of 15 November 2020: its record (with its headcount of that day), its cluster and
    /// the day its last membership began.
    private struct Member {
        var record: CompanyRecord
        var cluster: Int
        var joined: CalendarDate
    }

    /// The commands of the default seed, built once per process: the tests and benchmarks read
    /// them many times, and building them is not free (a second in a debug build, several under
    /// ThreadSanitizer).
    public static let defaultCommands = commands()

    /// Every command that builds the network, in an order that `decide` accepts.
    public static func commands(seed: UInt64 = defaultSeed) -> [Command] {
        var random = SplitMix64(seed: seed)
        let clusters = makeClusters(random: &random)
        let dissolved = dissolvedCluster
        let all = clusters + [dissolved]
        var commands: [Command] = all.map { .registerCluster($0) }
        for (index, cluster) in all.enumerated() {
            for partner in partners(of: cluster, index: index) {
                commands.append(.linkPartner(cluster: cluster.id, partner: partner))
            }
        }
        var members = makeMembers(clusters: clusters, random: &random)
        var dated: [Dated] = []
        var serial = UInt32(members.count)
        let codesBySection = Dictionary(grouping: NAFCode.all, by: \.section)
        func newCompany(in department: Department, section: NAFSection?) -> CompanyRecord {
            serial += 1
            let employees = drawEmployees(random: &random)
            let codes = codesBySection[section ?? NAFSection(letter: "C")]!
            return CompanyRecord(
                siren: SIREN.withCheckDigit(prefix: 30_000_000 + serial * 37)!, name: "Entreprise \(serial)",
                naf: codes[random.below(codes.count)], department: department, employees: employees,
                turnoverEUR: employees * (80_000 + Int64(random.below(120_000)))
            )
        }
        func join(_ cluster: ClusterRecord, _ siren: SIREN, on day: CalendarDate) {
            dated.append(Dated(day: day, kind: .join, command: .joinCluster(cluster: cluster.id, siren: siren, date: day)))
        }
        func leave(_ cluster: ClusterRecord, _ siren: SIREN, on day: CalendarDate, reason: String) {
            dated.append(Dated(day: day, kind: .leave, command: .leaveCluster(cluster: cluster.id, siren: siren, date: day, reason: reason)))
        }

        // Members of the dissolved cluster who joined a cluster of Hauts-de-France in 2017.
        let dissolvedOpen = max(dissolved.founded!, historyStart)
        let lastDissolvedJoin = CalendarDate(year: 2016, month: 6, day: 30)
        let firstOf2017 = CalendarDate(year: 2017, month: 1, day: 1)
        let candidates = members.indices.filter {
            clusters[members[$0].cluster].regions == [try! Region("32")] && clusters[members[$0].cluster].founded! <= firstOf2017
        }
        let movers = Set(stride(from: 0, to: candidates.count, by: candidates.count / moverCount).prefix(moverCount).map { candidates[$0] })
        for index in movers.sorted() {
            members[index].joined = day(from: firstOf2017, to: CalendarDate(year: 2017, month: 12, day: 31), random: &random)
            join(dissolved, members[index].record.siren, on: day(from: dissolvedOpen, to: lastDissolvedJoin, random: &random))
        }
        // Members who left their cluster once and came back.
        var rejoiners = 0
        for index in members.indices where rejoiners < rejoinerCount && !movers.contains(index) && random.below(40) == 0 {
            let member = members[index]
            let cluster = clusters[member.cluster]
            let earliest = max(cluster.founded!, historyStart)
            guard member.joined.daysSinceEpoch - earliest.daysSinceEpoch >= 730 else { continue }
            let first = day(from: earliest, to: member.joined.adding(days: -400), random: &random)
            let left = day(from: first.adding(days: 180), to: member.joined.adding(days: -30), random: &random)
            join(cluster, member.record.siren, on: first)
            leave(cluster, member.record.siren, on: left, reason: "did not renew its membership")
            rejoiners += 1
        }
        // Headcounts that changed on a dated day: registered with the earlier count.
        for index in members.indices where random.below(100) < datedHeadcountPercent {
            let member = members[index]
            guard member.joined < publishedOn else { continue }
            let effective = day(from: member.joined.adding(days: 1), to: publishedOn, random: &random)
            let now = member.record.employees
            var before = max(1, now * Int64(70 + random.below(61)) / 100)
            if before == now { before = now + 1 }
            members[index].record.employees = before
            dated.append(Dated(day: effective, kind: .headcount, command: .updateCompany(CompanyPatch(siren: member.record.siren, employees: now, effectiveOn: effective))))
        }
        for member in members {
            commands.append(.registerCompany(member.record))
            join(clusters[member.cluster], member.record.siren, on: member.joined)
        }
        // Companies that joined and left for good, the dissolved cluster's included.
        for _ in 0..<leaverCount {
            let cluster = all[random.below(all.count)]
            let last = cluster.id == dissolved.id ? dissolvedOn.adding(days: -1) : publishedOn
            let company = newCompany(in: cluster.departments[random.below(cluster.departments.count)], section: cluster.nafSection)
            let joined = day(from: max(cluster.founded!, historyStart), to: last.adding(days: -60), random: &random)
            let left = day(from: joined.adding(days: 30), to: last, random: &random)
            commands.append(.registerCompany(company))
            join(cluster, company.siren, on: joined)
            leave(cluster, company.siren, on: left, reason: leaveReasons[random.below(leaveReasons.count)])
        }
        for _ in 0..<unplacedCount {
            let company = newCompany(in: dissolved.departments[0], section: dissolved.nafSection)
            commands.append(.registerCompany(company))
            join(dissolved, company.siren, on: day(from: dissolvedOpen, to: lastDissolvedJoin, random: &random))
        }
        dated.append(Dated(day: dissolvedOn, kind: .dissolution, command: .dissolveCluster(id: dissolved.id, date: dissolvedOn)))
        dated.append(Dated(day: survey.opensAt.localDate, kind: .survey, command: .defineSurvey(survey)))
        for response in responses(from: members.filter { $0.joined < survey.opensAt.localDate }.map(\.record), random: &random) {
            guard case .submitResponse(_, _, let submittedAt, _) = response else { continue }
            dated.append(Dated(day: submittedAt.localDate, kind: .response, command: response))
        }
        // In the order of their days; a stable sort keeps each company's own order within a day.
        let order = dated.indices.sorted { (dated[$0].day, dated[$0].kind.rawValue, $0) < (dated[$1].day, dated[$1].kind.rawValue, $1) }
        return commands + order.map { dated[$0].command }
    }

    /// A day from `first` to `last`, both included; one in seven is the first of January of a year
    /// in the range, when one is (memberships often follow the calendar year).
    private static func day(from first: CalendarDate, to last: CalendarDate, random: inout SplitMix64) -> CalendarDate {
        precondition(first <= last, "\(first) after \(last)")
        let (firstYear, _, _) = first.components
        let (lastYear, _, _) = last.components
        if random.below(7) == 0 {
            let january = CalendarDate(year: firstYear + random.below(lastYear - firstYear + 1), month: 1, day: 1)
            if first <= january && january <= last { return january }
        }
        return first.adding(days: Int32(random.below(Int(last.daysSinceEpoch - first.daysSinceEpoch) + 1)))
    }

    /// The 71st cluster, dissolved at the end of 2016.
    static var dissolvedCluster: ClusterRecord {
        ClusterRecord(
            id: Slug(trusted: dissolvedClusterID), name: "Pôle Textile Nord", regions: [try! Region("32")], departments: [try! Department("59")],
            nafSection: try! NAFSection("C"), founded: CalendarDate(year: 2009, month: 3, day: 2)
        )
    }

    static var survey: SurveyDefinition {
        SurveyDefinition(
            id: Slug(trusted: surveyID),
            title: "The crisis of November 2020 in the clusters",
            opensAt: try! Timestamp("2020-11-09T00:00:00+01:00"),
            closesAt: try! Timestamp("2020-11-15T23:59:59+01:00"),
            questions: surveyQuestions.map { Question(id: Slug(trusted: $0.id), text: $0.text, kind: .yesNo) }
        )
    }

    private static func makeClusters(random: inout SplitMix64) -> [ClusterRecord] {
        let regions = Region.all
        precondition(regions.count == 18)
        let departmentsByRegion = Dictionary(grouping: Department.all, by: \.region)
        var clusters: [ClusterRecord] = []
        // The one cluster that spans two regions.
        clusters.append(
            ClusterRecord(
                id: Slug(trusted: "glass-valley"),
                name: "Glass Valley — vallée de la Bresle",
                regions: [try! Region("28"), try! Region("32")],
                departments: [try! Department("76"), try! Department("80")],
                nafSection: try! NAFSection("C"),
                founded: CalendarDate(year: 2007, month: 6, day: 12)
            )
        )
        // Each region's share, taken in turns so that neighbours in the list differ; the glass
        // valley is Normandy's first.
        var seats = RegionWeights.clusters(total: clusterCount).map { ($0.region, $0.region.code == "28" ? $0.clusters - 1 : $0.clusters) }
        var turns: [Region] = []
        while turns.count < clusterCount - 1 {
            for index in seats.indices where seats[index].1 > 0 {
                turns.append(seats[index].0)
                seats[index].1 -= 1
            }
        }
        var index = 1
        while clusters.count < clusterCount {
            let region = turns[index - 1]
            let theme = themes[(index * 7 + index / regions.count) % themes.count]
            let candidates = departmentsByRegion[region]!.sorted()
            var department = candidates[random.below(candidates.count)]
            var id = "\(slugText(theme.name))-\(department.code.lowercased())-\(index)"
            var name = "Pôle \(theme.name) \(department.name)"
            // Île-de-France's first is Silver Valley, the silver-economy cluster of Ivry-sur-Seine
            // whose testers are the demo's people (`DemoPeople`).
            if region.code == "11", !clusters.contains(where: { $0.id.text == DemoPeople.clusterID }) {
                department = try! Department("94")
                id = DemoPeople.clusterID
                name = "Silver Valley"
            }
            clusters.append(
                ClusterRecord(
                    id: Slug(trusted: id),
                    name: name,
                    regions: [region],
                    departments: [department],
                    nafSection: NAFSection(letter: theme.section),
                    founded: CalendarDate(year: 2003 + random.below(14), month: 1 + random.below(12), day: 1)
                )
            )
            index += 1
        }
        return clusters
    }

    private static func slugText(_ text: String) -> String {
        let folded = text.lowercased().map { character -> String in
            switch character {
            case "é", "è", "ê": return "e"
            case "à", "â": return "a"
            case "ô": return "o"
            case " ": return "-"
            default: return String(character)
            }
        }.joined()
        return String(folded.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
    }

    private static func partners(of cluster: ClusterRecord, index: Int) -> [Partner] {
        let place = cluster.departments.first?.name ?? cluster.regions[0].name
        return [
            Partner(id: Slug(trusted: "banque-\(index)"), name: "Banque populaire \(place)", kind: .bank),
            Partner(id: Slug(trusted: "universite-\(index)"), name: "Université \(place)", kind: .university),
            Partner(id: Slug(trusted: "region-\(index)"), name: "Conseil régional \(cluster.regions[0].name)", kind: .localAuthority),
        ]
    }

    /// The members of 15 November 2020, with their headcount of that day (a million in all) and
    /// the day they joined.
    private static func makeMembers(clusters: [ClusterRecord], random: inout SplitMix64) -> [Member] {
        let codesBySection = Dictionary(grouping: NAFCode.all, by: \.section)
        var members: [Member] = []
        var serial: UInt32 = 0
        for (index, cluster) in clusters.enumerated() {
            let size = index < 50 ? 286 : 285
            let codes = codesBySection[cluster.nafSection ?? NAFSection(letter: "C")]!
            for _ in 0..<size {
                serial += 1
                let siren = SIREN.withCheckDigit(prefix: 30_000_000 + serial * 37)!
                let employees = drawEmployees(random: &random)
                let record = CompanyRecord(
                    siren: siren,
                    name: "Entreprise \(serial)",
                    naf: codes[random.below(codes.count)],
                    department: cluster.departments[random.below(cluster.departments.count)],
                    employees: employees,
                    turnoverEUR: employees * (80_000 + Int64(random.below(120_000)))
                )
                let joined = day(from: max(cluster.founded!, historyStart), to: publishedOn, random: &random)
                members.append(Member(record: record, cluster: index, joined: joined))
            }
        }
        return balanceJobs(members)
    }

    /// Mostly micro-enterprises and SMEs, a few mid-sized and large ones.
    private static func drawEmployees(random: inout SplitMix64) -> Int64 {
        let roll = random.below(1000)
        switch roll {
        case 0..<700: return 1 + Int64(random.below(9))
        case 700..<972: return 10 + Int64(random.below(180))
        case 972..<998: return 250 + Int64(random.below(1200))
        default: return 5000 + Int64(random.below(4000))
        }
    }

    /// Adjusts SMEs by one employee at a time, round robin, until the total is exactly one million.
    private static func balanceJobs(_ members: [Member]) -> [Member] {
        var members = members
        var difference = totalJobs - members.reduce(0) { $0 + $1.record.employees }
        let adjustable = members.indices.filter { (20...240).contains(members[$0].record.employees) }
        var cursor = 0
        while difference != 0 {
            let index = adjustable[cursor % adjustable.count]
            let step: Int64 = difference > 0 ? 1 : -1
            let next = members[index].record.employees + step
            if (10...249).contains(next) {
                members[index].record.employees = next
                difference -= step
            }
            cursor += 1
        }
        return members
    }

    private static func responses(from companies: [CompanyRecord], random: inout SplitMix64) -> [Command] {
        let stride = companies.count / respondentCount
        let respondents = (0..<respondentCount).map { companies[$0 * stride + random.below(stride)] }
        // For each question, a shuffled order of respondents; the first `yes` of them answer yes.
        var yesSets: [[Bool]] = []
        for question in surveyQuestions {
            var order = Array(0..<respondentCount)
            order.shuffle(using: &random)
            var answers = [Bool](repeating: false, count: respondentCount)
            for position in order.prefix(question.yes) { answers[position] = true }
            yesSets.append(answers)
        }
        let opens = try! Timestamp("2020-11-09T08:00:00+01:00").microsecondsSinceEpoch
        return respondents.enumerated().map { position, company in
            var answers: [String: AnswerInput] = [:]
            for (questionIndex, question) in surveyQuestions.enumerated() {
                answers[question.id] = .text(yesSets[questionIndex][position] ? "yes" : "no")
            }
            let offset = Int64(random.below(6 * 24 * 3600)) * 1_000_000
            return .submitResponse(
                survey: Slug(trusted: surveyID),
                siren: company.siren,
                submittedAt: Timestamp(microsecondsSinceEpoch: opens + offset, offsetMinutes: 60),
                answers: answers
            )
        }
    }
}
