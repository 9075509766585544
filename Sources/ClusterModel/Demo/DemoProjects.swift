/// The co-investment projects of the demo network: ANCT and Banque des Territoires linked to every
/// active cluster as partners, and 24 projects across the regions — one for the Bresle glass
/// valley, one for Silver Valley — with grants, loans, equity and private contributions,
/// revisions, payments, a withdrawn project and a rejected one. Dated from 2019 to the autumn of
/// 2023, so that `decide` accepts them on any day since. From their own generator, seeded from the
/// network's seed: the network (70 clusters, 20,000 companies, a million jobs, the survey) reads
/// exactly as without them. Fictitious SIRETs, decisions and amounts.
public enum DemoProjects {
    public static let projectCount = 24
    /// The last day any of them is dated.
    public static let lastDay = CalendarDate(year: 2023, month: 10, day: 31)
    public static let glassValleyProject = "verre-bresle-four-hybride"
    public static let silverValleyProject = "silver-valley-living-lab"

    public static let anct = Funder(name: "ANCT – Agence nationale de la cohésion des territoires", siret: try! SIRET("13002603200016"), kind: .agency)
    public static let banqueDesTerritoires = Funder(name: "Banque des Territoires", siret: try! SIRET("18002002600019"), kind: .agency)

    /// The commands, to run after the network's (`DemoNetwork.commands(seed:)`), which they name.
    public static func commands(network: [Command], seed: UInt64 = DemoNetwork.defaultSeed) -> [Command] {
        var random = SplitMix64(seed: seed ^ 0x7072_6f6a_6563_7473)  // "projects"
        var clusters: [Slug: ClusterRecord] = [:]
        var order: [Slug] = []
        var dissolved: Set<Slug> = []
        var members: [Slug: [SIREN]] = [:]
        var partners: [Slug: [Partner]] = [:]
        var names: [SIREN: String] = [:]
        for command in network {
            switch command {
            case .registerCluster(let record):
                clusters[record.id] = record
                order.append(record.id)
            case .dissolveCluster(let id, _): dissolved.insert(id)
            case .joinCluster(let cluster, let siren, _): members[cluster, default: []].append(siren)
            case .linkPartner(let cluster, let partner): partners[cluster, default: []].append(partner)
            case .registerCompany(let record): names[record.siren] = record.name
            default: break
            }
        }
        let active = order.filter { !dissolved.contains($0) }
        var commands: [Command] = []
        for id in active {
            commands.append(.linkPartner(cluster: id, partner: Partner(id: Slug(trusted: "anct"), name: anct.name, kind: .agency, siret: anct.siret)))
            commands.append(.linkPartner(cluster: id, partner: Partner(id: Slug(trusted: "banque-des-territoires"), name: banqueDesTerritoires.name, kind: .agency, siret: banqueDesTerritoires.siret)))
        }
        // The leads: the glass valley, Silver Valley, then a cluster of each region in turn.
        var leads: [Slug] = [Slug(trusted: "glass-valley"), Slug(trusted: DemoPeople.clusterID)]
        var byRegion: [Region: [Slug]] = [:]
        for id in active where !leads.contains(id) { byRegion[clusters[id]!.regions[0], default: []].append(id) }
        let regions = byRegion.keys.sorted()
        var round = 0
        while leads.count < projectCount {
            for region in regions where leads.count < projectCount {
                if let candidates = byRegion[region], round < candidates.count { leads.append(candidates[round]) }
            }
            round += 1
        }
        for (index, lead) in leads.enumerated() {
            commands += project(index: index, lead: clusters[lead]!, members: members[lead] ?? [], partners: partners[lead] ?? [], names: names, random: &random)
        }
        return commands
    }

    /// A SIRET of the company `siren`: its first establishment number that passes the check.
    static func siret(_ siren: SIREN) -> SIRET {
        for nic in 10...99 {
            let nicText = String(nic)
            if let siret = try? SIRET(siren.description + String(repeating: "0", count: 5 - nicText.count) + nicText) { return siret }
        }
        preconditionFailure("no establishment of \(siren) passes the Luhn check")
    }

    /// The regional council of `region`, a funder with its own (fictitious) SIRET.
    static func council(_ region: Region) -> Funder {
        let index = UInt32(Region.all.firstIndex(of: region) ?? 0)
        return Funder(name: "Région \(region.name)", siret: siret(SIREN.withCheckDigit(prefix: 20_005_300 + index * 7)!), kind: .localAuthority)
    }

    private static func project(
        index: Int, lead: ClusterRecord, members: [SIREN], partners: [Partner], names: [SIREN: String], random: inout SplitMix64
    ) -> [Command] {
        let special = index < 2
        let id = Slug(trusted: index == 0 ? glassValleyProject : index == 1 ? silverValleyProject : "projet-\(lead.id.text.prefix(40))-\(index)")
        let title: String
        switch index {
        case 0: title = "Four hybride électrique pour les verriers de la Bresle"
        case 1: title = "Living lab de la silver économie : tests d'usage par les seniors"
        default: title = ["Usine du futur", "Transition énergétique", "Numérique et industrie", "Compétences et emploi", "Économie circulaire", "Innovation en santé"][index % 6] + " — \(lead.name)"
        }
        let founded = max(lead.founded ?? CalendarDate(year: 2019, month: 1, day: 1), CalendarDate(year: 2019, month: 1, day: 1))
        let proposed = day(from: founded, to: CalendarDate(year: 2022, month: 3, day: 31), &random)
        let approved = proposed.adding(days: Int32(30 + random.below(60)))
        let started = approved.adding(days: Int32(20 + random.below(40)))
        let ends = started.adding(days: Int32(365 + random.below(730)))
        let unique = Array(Set(members)).sorted()
        let companies = (0..<min(unique.count, 2 + random.below(3))).map { unique[(index * 13 + $0 * 7) % unique.count] }
        var record = ProjectRecord(
            id: id, title: title, leadCluster: lead.id, regions: lead.regions, departments: lead.departments, startsOn: started, endsOn: ends,
            description: special ? title + " (projet de démonstration)" : nil, proposedOn: proposed,
            companies: companies.enumerated().map { ProjectCompany(siren: $1, role: $0 == 0 ? .coordinator : .partner) },
            partners: [
                ProjectPartner(partner: Partner(id: Slug(trusted: "anct"), name: anct.name, kind: .agency, siret: anct.siret), role: .funder),
                ProjectPartner(partner: Partner(id: Slug(trusted: "banque-des-territoires"), name: banqueDesTerritoires.name, kind: .agency, siret: banqueDesTerritoires.siret), role: .funder),
            ]
        )
        if let university = partners.first(where: { $0.kind == .university }) { record.partners.append(ProjectPartner(partner: university, role: .advisor)) }
        var commands: [Command] = [.proposeProject(record)]
        // What happens to it: most run; some wait, finish, or stop.
        let fate: ProjectStatus
        switch index {
        case 0, 1: fate = index == 0 ? .running : .completed
        case 5: fate = .withdrawn
        case 11: fate = .rejected
        case 7, 15, 21: fate = .proposed
        case 3, 9, 17, 23: fate = .approved
        case 13, 19: fate = .completed
        default: fate = .running
        }
        if fate == .rejected { return commands + [.changeProjectStatus(project: id, to: .rejected, on: approved, reason: "hors du cadre de l'appel à projets")] }
        guard fate != .proposed else { return commands }
        commands.append(.changeProjectStatus(project: id, to: .approved, on: approved, reason: nil))
        // The cluster's legal entity receives part of the agency's grant.
        commands.append(.updateCluster(ClusterPatch(id: lead.id, siret: siret(SIREN.withCheckDigit(prefix: 77_000_000 + UInt32(index) * 31)!))))
        let lastPayment = min(lastDay, ends.adding(days: 60))
        let agreed = approved.adding(days: Int32(5 + random.below(40)))
        var money: [(id: Slug, funder: Funder, instrument: FundingInstrument, cents: Int64)] = []
        let anctCents = Int64(50_000 + random.below(750_000)) * 100
        money.append((Slug(trusted: "anct-\(index)"), anct, .grant, anctCents))
        money.append((Slug(trusted: "bdt-\(index)"), banqueDesTerritoires, index % 3 == 0 ? .equity : .loan, Int64(100_000 + random.below(1_900_000)) * 100))
        money.append((Slug(trusted: "region-\(index)"), council(lead.regions[0]), .grant, anctCents * Int64(40 + random.below(80)) / 100))
        if let company = companies.first {
            let funder = Funder(name: names[company] ?? "Entreprise \(company)", siret: siret(company), kind: .other)
            money.append((Slug(trusted: "prive-\(index)"), funder, .privateContribution, Int64(10_000 + random.below(290_000)) * 100))
        }
        for (position, item) in money.enumerated() {
            let shared = item.instrument == .grant && position == 0
            var beneficiaries = [Beneficiary(party: .cluster(lead.id), sharePercent: shared ? 40 : 100)]
            if shared, let coordinator = companies.first { beneficiaries.append(Beneficiary(party: .company(siret(coordinator)), sharePercent: 60)) }
            if item.instrument != .grant, let coordinator = companies.first { beneficiaries = [Beneficiary(party: .company(siret(coordinator)))] }
            if position == 2 && index % 4 == 2 {
                beneficiaries = [Beneficiary(party: .association(rna: try! RNA("W" + String(751_000_000 + index * 1_237)), name: "Association des amis de \(lead.name)", siret: nil))]
            }
            let when = agreed.adding(days: Int32(position * 9))
            commands.append(.commitFunding(CommitmentRecord(
                id: item.id, project: id, instrument: item.instrument, grantor: item.funder, amountCents: item.cents, agreedOn: when,
                decisionReference: "\(item.funder.kind == .agency ? "CONV" : "DELIB")-\(when.components.year)-\(String(format3(index * 10 + position)))",
                object: String(title.prefix(200)), nature: .cash, paymentTerms: position == 0 ? .staged : position == 3 ? .other("versement à la livraison du démonstrateur") : .single,
                plannedPayment: PaymentPeriod(from: started, to: position == 0 ? ends : nil), notifiedEU: position == 0 && index % 2 == 0,
                beneficiaries: beneficiaries, raeID: item.instrument == .grant && index % 5 == 0 ? String(10_000 + index) : nil,
                aidScheme: position == 0 ? "Territoires d'industrie" : nil
            )))
        }
        if fate == .approved { return commands }
        commands.append(.changeProjectStatus(project: id, to: .running, on: started, reason: nil))
        // Payments: an advance, then instalments; the agency's grant revised once in three.
        for (position, item) in money.enumerated() {
            let first = max(started, agreed.adding(days: Int32(position * 9 + 1)))
            guard first < lastPayment else { continue }
            let parts = position == 0 ? 3 : 1
            var paid: Int64 = 0
            for part in 0..<parts {
                let on = day(from: first.adding(days: Int32(part * 120)), to: min(lastPayment, first.adding(days: Int32(part * 120 + 90))), &random)
                guard on <= lastPayment else { break }
                let amount = item.cents * Int64(part == 0 ? 30 : 25) / 100
                paid += amount
                commands.append(.disburseFunding(commitment: item.id, amountCents: amount, on: on, reference: "VIR-\(id.text.prefix(12))-\(position)\(part)"))
            }
            if position == 0 && index % 3 == 1 {
                let on = min(lastPayment, first.adding(days: 200))
                commands.append(.reviseCommitment(commitment: item.id, amountCents: max(paid, item.cents + item.cents / 5), on: on, reason: "avenant : seconde phase"))
            }
        }
        switch fate {
        case .withdrawn:
            commands.append(.changeProjectStatus(project: id, to: .withdrawn, on: lastDay, reason: "le partenaire industriel s'est retiré"))
        case .completed:
            commands.append(.changeProjectStatus(project: id, to: .completed, on: min(lastDay, max(ends, lastPayment)), reason: nil))
        default: break
        }
        return commands
    }

    private static func format3(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }

    private static func day(from first: CalendarDate, to last: CalendarDate, _ random: inout SplitMix64) -> CalendarDate {
        guard first < last else { return first }
        return first.adding(days: Int32(random.below(Int(last.daysSinceEpoch - first.daysSinceEpoch) + 1)))
    }
}
