import ClusterModel
import Testing

/// The demo network must read exactly as the design says, on the day it is published and after,
/// and have a history that a yearly audit finds movement in.
struct DemoNetworkTests {
    static let built: RegistryState = {
        var state = RegistryState()
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 0)
        let events = try! decideAll(DemoNetwork.defaultCommands, state: state, context: context)
        for (index, event) in events.enumerated() { state.apply(event, sequence: UInt64(index + 1)) }
        return state
    }()

    static let published = DemoNetwork.publishedOn

    @Test func hasSeventyClustersTwentyThousandCompaniesAndAMillionJobsFromTheSurveysLastDay() {
        for day in [Self.published, CalendarDate(year: 2021, month: 1, day: 1), CalendarDate(year: 2026, month: 6, day: 30)] {
            let stats = Self.built.statistics(on: day)
            #expect(stats.total.clusters == 70, "\(day)")
            #expect(stats.total.companies == 20_000, "\(day)")
            #expect(stats.total.jobs == 1_000_000, "\(day)")
        }
        // At the end of 2019 the network was smaller: it grew in 2020.
        let before = Self.built.statistics(on: CalendarDate(year: 2019, month: 12, day: 31)).total
        #expect(before.companies < 20_000 && before.jobs < 1_000_000)
        // Nothing is dated after the published day.
        let days = Self.built.clusters.values.flatMap { $0.members.values.flatMap { $0.flatMap { [$0.start] + ($0.end.map { [$0] } ?? []) } } }
        #expect(days.max()! <= Self.published)
    }

    @Test func spreadsTheClustersOverTheRegionsByTheirWeight() {
        let active = Self.built.clusters.values.filter { $0.dissolvedOn == nil }
        var byRegion: [String: Int] = [:]
        for cluster in active { byRegion[cluster.record.regions[0].code, default: 0] += 1 }
        // Every region has one at least; the largest economies the most.
        #expect(byRegion.count == 18)
        #expect(byRegion.values.min() == 1)
        #expect(byRegion["11"] == 16)  // Île-de-France: 5,990 of 25,064 thousand salaried jobs, 16.7 of 70
        #expect(byRegion["75"] == 6)  // Nouvelle-Aquitaine: 5.9 of 70, the largest remainder
        #expect(byRegion["84"] == 8)  // Auvergne-Rhône-Alpes
        #expect(byRegion["94"] == 1 && byRegion["06"] == 1)  // Corse, Mayotte
        let spanning = active.filter { $0.record.regions.count == 2 }
        #expect(spanning.map(\.record.id.text) == ["glass-valley"])
        #expect(Self.built.clusters.values.allSatisfy { !$0.partners.isEmpty })
    }

    @Test func clusterSizesAre286And285OnThePublishedDay() {
        let sizes = Self.built.clusters.values.filter { $0.dissolvedOn == nil }.map { cluster in
            cluster.members.values.filter { $0.contains { $0.contains(Self.published) } }.count
        }
        #expect(sizes.filter { $0 == 286 }.count == 50)
        #expect(sizes.filter { $0 == 285 }.count == 20)
    }

    @Test func oneClusterWasDissolvedAndSomeOfItsMembersMovedOn() throws {
        let dissolved = try #require(Self.built.clusters[try Slug(DemoNetwork.dissolvedClusterID, field: "id")])
        #expect(dissolved.dissolvedOn == DemoNetwork.dissolvedOn)
        #expect(dissolved.members.values.allSatisfy { $0.allSatisfy { $0.end != nil && $0.end! <= DemoNetwork.dissolvedOn } })
        let endedByTheDissolution = dissolved.members.filter { $0.value.contains { $0.end == DemoNetwork.dissolvedOn } }.map(\.key)
        #expect(endedByTheDissolution.count == 70)
        let movedOn = endedByTheDissolution.filter { Self.built.isMemberOfAnyCluster($0, on: Self.published) }
        #expect(movedOn.count == 50)
    }

    /// Each year from 2009 has joins, leaves and dated headcount changes, and reconciles; 2016 has
    /// the dissolution.
    @Test func everyYearHasMovementThatReconciles() {
        for year in [2009, 2016, 2020] {
            let report = PeriodReport(state: Self.built, from: CalendarDate(year: year, month: 1, day: 1), to: CalendarDate(year: year, month: 12, day: 31))
            let network = report.network
            #expect(network.reconciles, "\(year)")
            #expect(network.joined > 0 && network.left > 0 && network.jobsChanged != 0, "\(year): \(network)")
            #expect(report.newCompanies > 0, "\(year)")
            #expect(report.clusters.allSatisfy { $0.figures.reconciles }, "\(year)")
            #expect(report.clusterCounts.reconciles, "\(year)")
            if year == 2016 { #expect(report.clusterCounts.dissolved == 1) }
            if year == 2020 { #expect(report.clusterCounts.end == 70 && network.membersEnd == 20_000 && network.jobsEnd == 1_000_000) }
        }
        // Clusters were founded over the years, not all before the history.
        let founded = Set(Self.built.clusters.values.compactMap { $0.record.founded?.components.year })
        #expect(founded.filter { $0 >= 2008 }.count >= 5)
    }

    /// A report whose period starts on a day some members joined (the case the first report got
    /// wrong for 5 of 70 clusters): they are joins, not members at the start.
    @Test func everyClusterReconcilesWhenMembersJoinOnTheFirstDay() {
        let state = Self.built
        let from = CalendarDate(year: 2019, month: 1, day: 1)
        let to = CalendarDate(year: 2019, month: 12, day: 31)
        // The clusters the old report got wrong: a member joined on the first day.
        let joinedOnTheFirstDay = state.clusters.filter { $0.value.members.values.contains { $0.contains { $0.start == from } } }.map(\.key.text).sorted()
        #expect(!joinedOnTheFirstDay.isEmpty)
        let report = PeriodReport(state: state, from: from, to: to)
        #expect(report.clusters.count == 70)
        for row in report.clusters {
            #expect(row.figures.reconciles, "\(row.id)")
            let members = state.clusters[row.id]!.members.values
            #expect(row.figures.membersStart == members.filter { $0.contains { $0.contains(from.adding(days: -1)) } }.count, "\(row.id)")
            #expect(row.figures.joined == members.reduce(0) { $0 + $1.filter { from <= $0.start && $0.start <= to }.count }, "\(row.id)")
        }
        for id in joinedOnTheFirstDay {
            let row = report.clusters.first { $0.id.text == id }!
            #expect(row.figures.joined > 0 && row.figures.membersStart + row.figures.joined - row.figures.left == row.figures.membersEnd, "\(id)")
        }
        #expect(report.network.reconciles && report.network.membersEnd == report.regions.reduce(0) { $0 + $1.figures.membersEnd })
        #expect(report.network.jobsEnd == state.statistics(on: to).total.jobs)
        #expect(report.network.membersEnd == state.statistics(on: to).total.companies)
    }

    @Test func someCompaniesLeftWithAReasonAndSomeCameBack() {
        var reasons: Set<String> = []
        for command in DemoNetwork.defaultCommands {
            if case .leaveCluster(_, _, _, let reason?) = command { reasons.insert(reason) }
        }
        #expect(reasons == Set(["ceased trading", "moved out of the territory", "did not renew its membership", "taken over by a group"]))
        let rejoined = Self.built.clusters.values.reduce(0) { $0 + $1.members.values.filter { $0.count > 1 }.count }
        #expect(rejoined >= 200)
    }

    @Test func headcountsChangedOnDatedDays() {
        let changed = Self.built.companies.values.compactMap(\.headcounts).filter { !$0.changes.isEmpty }
        #expect(changed.count > 1_000)
        let timeline = changed.first { $0.changes[0].day < Self.published }!
        let day = timeline.changes[0].day
        #expect(timeline.employees(on: day.adding(days: -1)) != timeline.employees(on: day))
    }

    @Test func theSurveyReadsAsPublished() throws {
        let results = try Self.built.surveyResults(try Slug("crisis-2020-11", field: "survey"), breakdown: nil, weighted: false)
        #expect(results.respondents == 300)
        let yes = results.questions.map { $0.options.first { $0.value == "yes" }!.percent }
        #expect(yes == [97.0, 90.0, 73.7, 65.0, 36.0])
        let first = results.questions[0].options[0]
        #expect(first.count == 291)
        #expect(first.ci95 == (94.4, 98.4))
    }

    @Test func isDeterministic() {
        #expect(DemoNetwork.commands() == DemoNetwork.defaultCommands)
        #expect(DemoNetwork.commands(seed: 1) != DemoNetwork.defaultCommands)
    }

    /// Silver Valley's people (`DemoPeople`): as many as described, aged 60 to 90 on the published
    /// day, unique, reachable, and every command accepted by the registry's rules.
    @Test func silverValleysPeopleAreAsDescribedAndTheRulesAcceptThem() throws {
        let plan = DemoPeople.plan(network: DemoNetwork.defaultCommands)
        #expect(plan.testers.count == 9_000 && plan.contacts.count == 4_000 && plan.campaigns.count == 4_050)
        #expect(plan.withdrawals.count == DemoPeople.withdrawalCount)
        #expect(DemoPeople.plan(network: DemoNetwork.defaultCommands).testers == plan.testers, "the same seed, the same people")
        let names = plan.testers.map(\.name) + plan.contacts.map(\.name)
        #expect(Set(names).count == names.count)
        let emails = plan.testers.compactMap(\.email) + plan.contacts.map(\.email)
        #expect(Set(emails).count == emails.count)
        #expect(plan.testers.allSatisfy { $0.email != nil || $0.phone != nil })
        let ages = plan.testers.map { Self.published.components.year - $0.birthYear }
        #expect(ages.min() == 60 && ages.max() == 90)
        let support = plan.campaigns.filter { $0.record.kind == .support }
        #expect(support.count == 50 && support.allSatisfy { $0.record.startsOn >= DemoPeople.lockdownStart && $0.record.endsOn == DemoPeople.lockdownEnd })
        #expect(Set(plan.contacts.map(\.siren)).count == 4_000)
        let cluster = try #require(Self.built.clusters[try Slug(DemoPeople.clusterID, field: "id")])
        #expect(cluster.record.name == "Silver Valley" && cluster.record.regions.map(\.code) == ["11"])

        // Every command as the daemon would write it (sealed values as placeholders) is accepted.
        var commands: [Command] = plan.campaigns.map { .openCampaign($0.record) }
        func sealed(_ name: PersonalFieldName) -> SealedField { SealedField(name: name, sealed: [1] + [UInt8](repeating: 0, count: 40)) }
        let ids = plan.testers.indices.map { PersonID(high: 1, low: UInt64($0 + 1)) }
        for (tester, id) in zip(plan.testers, ids) {
            let facts = TesterFacts(
                cluster: cluster.record.id, department: try Department(tester.department), enrolledOn: tester.enrolledOn,
                ageBandAtEnrolment: try #require(AgeBand(birthYear: tester.birthYear, on: tester.enrolledOn)),
                consent: Consent(purpose: DemoPeople.consentPurpose, textVersion: tester.consentVersion, givenOn: tester.enrolledOn, channel: tester.consentChannel)
            )
            commands.append(.enrollTester(person: id, facts, fields: [sealed(.name), sealed(.birthYear)] + (tester.email == nil ? [] : [sealed(.email)]) + (tester.phone == nil ? [] : [sealed(.phone)])))
        }
        for (index, contact) in plan.contacts.enumerated() {
            commands.append(.addContact(person: PersonID(high: 2, low: UInt64(index + 1)), siren: contact.siren, fields: [sealed(.name), sealed(.role), sealed(.email), sealed(.phone)]))
        }
        var participations = 0
        for campaign in plan.campaigns {
            for part in campaign.parts {
                let band = try #require(AgeBand(birthYear: plan.testers[part.tester].birthYear, on: part.on))
                commands.append(.recordParticipation(person: ids[part.tester], campaign: campaign.record.id, Participation(on: part.on, ageBand: band, rating: part.rating, comment: part.comment.map { _ in sealed(.comment).sealed })))
                participations += 1
            }
        }
        for withdrawal in plan.withdrawals {
            commands.append(.withdrawConsent(person: ids[withdrawal.tester], Withdrawal(on: withdrawal.on, channel: withdrawal.channel)))
        }
        #expect(participations > 30_000)
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 0)
        let decided = try decideAll(commands, applyingTo: Self.built, context: context)
        #expect(decided.state.people.count == 13_000 && decided.state.campaigns.count == 4_050)
        // The network's figures do not move.
        #expect(decided.state.statistics(on: Self.published).total.companies == 20_000)
    }
}
