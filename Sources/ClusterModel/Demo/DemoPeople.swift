/// The people of the demo network: Silver Valley's testers, the entrepreneurs whose innovations
/// they test, and the support actions of the first lockdown. Fictitious, from the seeded
/// generator: unique names, e-mail addresses at `example.org`/`example.net`/`example.com` and
/// phone numbers in the ranges ARCEP keeps for fiction (`01 99 00 …` to `05 99 00 …`).
///
/// On 15 November 2020: 9,000 testers aged 60 to 90, enrolled from 2013 on with their consent;
/// 4,000 contacts, one entrepreneur for each of 4,000 companies of the network, each with an
/// innovation campaign tested by 3 to 12 testers; 50 companies' support actions between
/// 17 March and 11 May 2020 (video calls, thirty minutes of gym a day by video, digital lessons),
/// each with 40 to 250 testers; and 90 testers who withdrew their consent after their last
/// campaign. The personal values are in clear here: the daemon seals them as they arrive. No
/// clock and no I/O: the same seed always gives the same people.
public enum DemoPeople {
    public static let clusterID = "silver-valley"
    public static let testerCount = 9_000
    public static let entrepreneurCount = 4_000
    public static let supportActionCount = 50
    public static let withdrawalCount = 90
    public static let lockdownStart = CalendarDate(year: 2020, month: 3, day: 17)
    public static let lockdownEnd = CalendarDate(year: 2020, month: 5, day: 11)
    static let firstEnrolment = CalendarDate(year: 2013, month: 1, day: 1)
    static let rgpd = CalendarDate(year: 2018, month: 5, day: 25)

    public struct Tester: Sendable, Hashable {
        public var name: String
        public var email: String?
        public var phone: String?
        public var birthYear: Int
        public var department: String
        public var enrolledOn: CalendarDate
        public var consentVersion: String
        public var consentChannel: ConsentChannel
    }

    public struct Contact: Sendable, Hashable {
        public var siren: SIREN
        public var name: String
        public var role: String
        public var email: String
        public var phone: String
    }

    /// A tester's part in a campaign: the tester's position in `testers`.
    public struct Part: Sendable, Hashable {
        public var tester: Int
        public var on: CalendarDate
        public var rating: Int?
        public var comment: String?
    }

    public struct Campaign: Sendable, Hashable {
        public var record: CampaignRecord
        public var parts: [Part]
    }

    public struct Withdrawal: Sendable, Hashable {
        public var tester: Int
        public var on: CalendarDate
        public var channel: ConsentChannel
    }

    public struct Plan: Sendable {
        public var testers: [Tester]
        public var contacts: [Contact]
        public var campaigns: [Campaign]
        public var withdrawals: [Withdrawal]
    }

    public static let consentPurpose = "Tests d’usage des innovations des membres de Silver Valley"

    private static let firstNames = [
        "Jeanne", "Marie", "Monique", "Françoise", "Jacqueline", "Michèle", "Colette", "Simone", "Yvette", "Danielle",
        "Nicole", "Christiane", "Odette", "Paulette", "Suzanne", "Huguette", "Josiane", "Annie", "Martine", "Bernadette",
        "Éliane", "Geneviève", "Lucienne", "Arlette", "Ginette", "Renée", "Madeleine", "Denise", "Gisèle", "Solange",
        "Jean", "Michel", "Pierre", "André", "Bernard", "Jacques", "Claude", "Alain", "Gérard", "Daniel",
        "René", "Roger", "Marcel", "Robert", "Henri", "Guy", "Christian", "Serge", "Raymond", "Maurice",
        "Lucien", "Georges", "Yves", "Gilbert", "Roland", "Fernand", "Émile", "Louis", "Paul", "Lucien-Marie",
        "Thérèse", "Germaine", "Raymonde", "Marcelle", "Jeannine", "Claudine", "Hélène", "Andrée", "Yvonne", "Régine",
    ]
    private static let lastNames = [
        "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
        "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
        "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André",
        "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
        "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
        "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
        "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
        "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
        "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
        "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
        "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
        "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
        "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
        "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
        "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
        "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
        "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
        "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva",
        "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret",
        "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte",
    ]
    private static let departments = ["75", "77", "78", "91", "92", "93", "94", "95"]
    private static let roles = ["fondatrice", "fondateur", "présidente", "président", "directrice de l’innovation", "directeur de l’innovation"]
    private static let products = [
        "tablette simplifiée", "montre d’alerte", "pilulier connecté", "loupe numérique", "téléphone à grosses touches",
        "capteur de chute", "application de visioconférence", "siège de douche", "assistant vocal", "jeu de mémoire",
    ]
    private static let supportKinds = [
        "Appels vidéo avec les familles", "Trente minutes de gym par jour en visio", "Cours de tablette à distance",
        "Ateliers mémoire en visio", "Courses livrées et appel du matin",
    ]
    private static let comments = [
        "Facile à prendre en main.", "Trop petit pour mes yeux.", "Je le recommanderais à mes amis.", "Le son est trop faible.",
        "Très utile au quotidien.", "Un peu cher à mon avis.", "Les explications étaient claires.",
    ]

    /// The plan for the network `commands` (`DemoNetwork`'s): the entrepreneurs come from its
    /// members of 15 November 2020, the campaigns start after Silver Valley was founded.
    public static func plan(seed: UInt64 = DemoNetwork.defaultSeed, network commands: [Command]) -> Plan {
        var memberships: [SIREN: Int] = [:]
        var order: [SIREN] = []
        var founded: CalendarDate?
        for command in commands {
            switch command {
            case .registerCluster(let record) where record.id.text == clusterID:
                founded = record.founded
            case .joinCluster(let cluster, let siren, _) where cluster.text != DemoNetwork.dissolvedClusterID:
                if memberships[siren] == nil { order.append(siren) }
                memberships[siren, default: 0] += 1
            case .leaveCluster(let cluster, let siren, _, _) where cluster.text != DemoNetwork.dissolvedClusterID:
                memberships[siren, default: 0] -= 1
            default:
                break
            }
        }
        return plan(seed: seed, companies: order.filter { memberships[$0]! > 0 }, founded: founded)
    }

    /// The plan for `seed`: `companies` are the network's companies to draw the entrepreneurs and
    /// the helping companies from (at least 4,050), `founded` the cluster's foundation day.
    public static func plan(seed: UInt64 = DemoNetwork.defaultSeed, companies: [SIREN], founded: CalendarDate?) -> Plan {
        precondition(companies.count >= entrepreneurCount + supportActionCount, "the network has too few companies")
        var random = SplitMix64(seed: seed ^ 0x5117_E12_7A11E7)
        let published = DemoNetwork.publishedOn
        let opens = max(firstEnrolment, founded ?? firstEnrolment)

        // Unique names: every (first, last) pair at most once, in a shuffled order.
        var pairs = [(Int, Int)]()
        for first in firstNames.indices { for last in lastNames.indices { pairs.append((first, last)) } }
        pairs.shuffle(using: &random)
        var nextPair = 0
        func name() -> (String, String) {
            let (first, last) = pairs[nextPair]
            nextPair += 1
            let full = "\(firstNames[first]) \(lastNames[last])"
            return (full, "\(ascii(firstNames[first])).\(ascii(lastNames[last]))")
        }
        var phoneSerial = 0
        func phone() -> String {
            // 0X 99 00 AB CD, X from 1 to 5: numbers ARCEP keeps for fiction.
            let region = 1 + phoneSerial / 10_000
            let number = phoneSerial % 10_000
            phoneSerial += 1
            return "0\(region) 99 00 \(pad(number / 100)) \(pad(number % 100))"
        }
        let domains = ["example.org", "example.net", "example.com"]

        var testers: [Tester] = []
        for _ in 0..<testerCount {
            let (full, local) = name()
            // 60 to 90 on 15 November 2020.
            let birthYear = 1930 + random.below(31)
            let earliest = max(opens, CalendarDate(year: birthYear + 60, month: 1, day: 1))
            let enrolledOn = day(from: earliest, to: published, random: &random)
            let contact = random.below(20)
            testers.append(
                Tester(
                    name: full,
                    email: contact < 15 ? "\(local)@\(domains[random.below(domains.count)])" : nil,
                    phone: contact >= 12 ? phone() : nil,
                    birthYear: birthYear,
                    department: departments[random.below(departments.count)],
                    enrolledOn: enrolledOn,
                    consentVersion: enrolledOn < rgpd ? "v1" : "v2-rgpd",
                    consentChannel: [ConsentChannel.paper, .inPerson, .online, .phone][random.below(4)]
                )
            )
        }
        // Enrolled by a day, in enrolment order of the plan.
        let byEnrolment = testers.indices.sorted { (testers[$0].enrolledOn, $0) < (testers[$1].enrolledOn, $1) }
        func enrolled(by day: CalendarDate) -> ArraySlice<Int> {
            var low = 0
            var high = byEnrolment.count
            while low < high {
                let middle = (low + high) / 2
                if testers[byEnrolment[middle]].enrolledOn <= day { low = middle + 1 } else { high = middle }
            }
            return byEnrolment[..<low]
        }

        // Companies: a shuffled draw, the first 4,000 for entrepreneurs, the next 50 to help.
        var drawn = companies
        drawn.shuffle(using: &random)
        var contacts: [Contact] = []
        var campaigns: [Campaign] = []
        var lastPart = [CalendarDate?](repeating: nil, count: testers.count)
        func parts(of record: CampaignRecord, count: Int, rated: Bool) -> [Part] {
            // Testers enrolled by the campaign's start; each once.
            let pool = enrolled(by: record.startsOn)
            guard !pool.isEmpty else { return [] }
            var chosen: Set<Int> = []
            var parts: [Part] = []
            let length = Int(record.endsOn.daysSinceEpoch - record.startsOn.daysSinceEpoch)
            while parts.count < min(count, pool.count) {
                let tester = pool[pool.startIndex + random.below(pool.count)]
                guard chosen.insert(tester).inserted else { continue }
                let on = record.startsOn.adding(days: Int32(random.below(length + 1)))
                let rating = rated || random.below(2) == 0 ? [3, 4, 4, 5, 5, 2, 4, 5, 3, 1][random.below(10)] : nil
                let comment = random.below(5) == 0 ? comments[random.below(comments.count)] : nil
                parts.append(Part(tester: tester, on: on, rating: rating, comment: comment))
                if lastPart[tester].map({ $0 < on }) ?? true { lastPart[tester] = on }
            }
            return parts
        }
        let cluster = Slug(trusted: clusterID)
        for index in 0..<entrepreneurCount {
            let (full, local) = name()
            let siren = drawn[index]
            contacts.append(Contact(siren: siren, name: full, role: roles[random.below(roles.count)], email: "\(local)@\(domains[random.below(domains.count)])", phone: phone()))
            let startsOn = day(from: opens.adding(days: 60), to: published.adding(days: -60), random: &random)
            let record = CampaignRecord(
                id: Slug(trusted: "test-\(index + 1)"), cluster: cluster, kind: .innovation, siren: siren,
                title: "Test d’usage n° \(index + 1) : \(products[random.below(products.count)])",
                startsOn: startsOn, endsOn: startsOn.adding(days: Int32(14 + random.below(47)))
            )
            campaigns.append(Campaign(record: record, parts: parts(of: record, count: 3 + random.below(10), rated: true)))
        }
        for index in 0..<supportActionCount {
            let siren = drawn[entrepreneurCount + index]
            let startsOn = lockdownStart.adding(days: Int32(random.below(8)))
            let record = CampaignRecord(
                id: Slug(trusted: "soutien-confinement-\(index + 1)"), cluster: cluster, kind: .support, siren: siren,
                title: supportKinds[index % supportKinds.count], startsOn: startsOn, endsOn: lockdownEnd
            )
            campaigns.append(Campaign(record: record, parts: parts(of: record, count: 40 + random.below(211), rated: false)))
        }

        // Withdrawals: testers who took part in something, after their last campaign.
        var withdrawals: [Withdrawal] = []
        var candidates = testers.indices.filter { lastPart[$0].map { $0 < published.adding(days: -1) } ?? false }
        candidates.shuffle(using: &random)
        for tester in candidates.prefix(withdrawalCount).sorted() {
            let on = day(from: lastPart[tester]!.adding(days: 1), to: published, random: &random)
            withdrawals.append(Withdrawal(tester: tester, on: on, channel: [ConsentChannel.paper, .phone, .online][random.below(3)]))
        }
        return Plan(testers: testers, contacts: contacts, campaigns: campaigns, withdrawals: withdrawals)
    }

    private static func day(from first: CalendarDate, to last: CalendarDate, random: inout SplitMix64) -> CalendarDate {
        first.adding(days: Int32(random.below(Int(last.daysSinceEpoch - first.daysSinceEpoch) + 1)))
    }

    private static func pad(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }

    /// A name for an e-mail address: lower case, accents and spaces dropped.
    private static func ascii(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            switch character {
            case "é", "è", "ê", "ë": result.append("e")
            case "à", "â": result.append("a")
            case "î", "ï": result.append("i")
            case "ô": result.append("o")
            case "ç": result.append("c")
            case " ", "’": result.append("-")
            default: if character.isASCII { result.append(character) }
            }
        }
        return result
    }
}
