/// The demo network: a deterministic picture of the French network of business clusters.
///
/// 70 clusters (50 of 286 members and 20 of 285: 20,000 companies), exactly 1,000,000 jobs, every
/// region used, one cluster across two regions (the glass valley of the Bresle, in Normandy and
/// Hauts-de-France), partners for every cluster, and the survey of 9–15 November 2020 with 300
/// respondents whose yes-answers are 291 / 270 / 221 / 195 / 108 (97.0 / 90.0 / 73.7 / 65.0 / 36.0 %).
/// No clock and no I/O: the same seed always gives the same commands.
public enum DemoNetwork {
    public static let defaultSeed: UInt64 = 2020_11_09
    public static let clusterCount = 70
    public static let companyCount = 20_000
    public static let totalJobs: Int64 = 1_000_000
    public static let surveyID = "crisis-2020-11"
    public static let respondentCount = 300

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

    /// Every command that builds the network, in an order that `decide` accepts.
    public static func commands(seed: UInt64 = defaultSeed) -> [Command] {
        var random = SplitMix64(seed: seed)
        let clusters = makeClusters(random: &random)
        var commands: [Command] = clusters.map { .registerCluster($0) }
        for (index, cluster) in clusters.enumerated() {
            for partner in partners(of: cluster, index: index) {
                commands.append(.linkPartner(cluster: cluster.id, partner: partner))
            }
        }
        let companies = makeCompanies(clusters: clusters, random: &random)
        var joins: [Command] = []
        var joinDates: [SIREN: CalendarDate] = [:]
        for (company, cluster) in companies {
            commands.append(.registerCompany(company))
            let date = CalendarDate(daysSinceEpoch: CalendarDate(year: 2008, month: 1, day: 1).daysSinceEpoch + Int32(random.below(12 * 365)))
            joinDates[company.siren] = date
            joins.append(.joinCluster(cluster: cluster, siren: company.siren, date: date))
        }
        commands += joins
        commands.append(.defineSurvey(survey))
        commands += responses(from: companies.map(\.0), random: &random)
        return commands
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
        var index = 1
        while clusters.count < clusterCount {
            let region = regions[index % regions.count]
            let theme = themes[(index * 7 + index / regions.count) % themes.count]
            let candidates = departmentsByRegion[region]!.sorted()
            let department = candidates[random.below(candidates.count)]
            let id = "\(slugText(theme.name))-\(department.code.lowercased())-\(index)"
            clusters.append(
                ClusterRecord(
                    id: Slug(trusted: id),
                    name: "Pôle \(theme.name) \(department.name)",
                    regions: [region],
                    departments: [department],
                    nafSection: NAFSection(letter: theme.section),
                    founded: CalendarDate(year: 1995 + random.below(12), month: 1 + random.below(12), day: 1)
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

    private static func makeCompanies(clusters: [ClusterRecord], random: inout SplitMix64) -> [(CompanyRecord, Slug)] {
        let codesBySection = Dictionary(grouping: NAFCode.all, by: \.section)
        var companies: [(CompanyRecord, Slug)] = []
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
                companies.append((record, cluster.id))
            }
        }
        return balanceJobs(companies)
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
    private static func balanceJobs(_ companies: [(CompanyRecord, Slug)]) -> [(CompanyRecord, Slug)] {
        var companies = companies
        var difference = totalJobs - companies.reduce(0) { $0 + $1.0.employees }
        let adjustable = companies.indices.filter { (20...240).contains(companies[$0].0.employees) }
        var cursor = 0
        while difference != 0 {
            let index = adjustable[cursor % adjustable.count]
            let step: Int64 = difference > 0 ? 1 : -1
            let next = companies[index].0.employees + step
            if (10...249).contains(next) {
                companies[index].0.employees = next
                difference -= step
            }
            cursor += 1
        }
        return companies
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
