import ClusterModel
import Testing

/// The demo's projects: accepted by the rules after the network and its people, with ANCT and
/// Banque des Territoires as partners, the glass valley's and Silver Valley's projects, money
/// that reconciles, and the network's own figures unchanged.
struct DemoProjectsTests {
    static let built: RegistryState = {
        var state = DemoNetworkTests.built
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 0)
        let events = try! decideAll(DemoProjects.commands(network: DemoNetwork.defaultCommands), state: state, context: context)
        for event in events { state.apply(event, sequence: state.lastSequence + 1) }
        return state
    }()

    @Test func theNetworksFiguresStayExact() throws {
        for day in [DemoNetwork.publishedOn, CalendarDate(year: 2023, month: 10, day: 31)] {
            let stats = Self.built.statistics(on: day)
            #expect(stats.total.clusters == 70 && stats.total.companies == 20_000 && stats.total.jobs == 1_000_000, "\(day)")
        }
        #expect(try Self.built.surveyResults(Slug(DemoNetwork.surveyID, field: "survey"), breakdown: nil, weighted: false).respondents == DemoNetwork.respondentCount)
    }

    @Test func agenciesArePartnersAndProjectsSpanTheRegions() throws {
        let state = Self.built
        #expect(state.projects.count == DemoProjects.projectCount)
        let active = state.clusters.values.filter { $0.dissolvedOn == nil }
        #expect(active.allSatisfy { cluster in cluster.partners.contains { $0.siret == DemoProjects.anct.siret } && cluster.partners.contains { $0.siret == DemoProjects.banqueDesTerritoires.siret } })
        let glass = try #require(state.projects[try Slug(DemoProjects.glassValleyProject, field: "id")])
        #expect(glass.record.leadCluster.text == "glass-valley" && glass.record.regions.count == 2 && glass.status == .running)
        let silver = try #require(state.projects[try Slug(DemoProjects.silverValleyProject, field: "id")])
        #expect(silver.record.leadCluster.text == DemoPeople.clusterID && silver.status == .completed)
        #expect(Set(state.projects.values.flatMap(\.record.regions)).count == 18)
        let statuses = Set(state.projects.values.map(\.status))
        #expect(statuses == Set(ProjectStatus.allCases))
        #expect(state.commitments.values.contains { !$0.revisions.isEmpty })
        #expect(state.commitments.values.contains { $0.record.beneficiaries.contains { if case .association = $0.party { return true } else { return false } } })
    }

    @Test func theFundersTableIsWorthReadingAndEveryPeriodReconciles() {
        let totals = Self.built.fundingTotals(on: DemoProjects.lastDay)
        #expect(totals.byFunder[DemoProjects.anct.siret]!.committedCents > 0 && totals.byFunder[DemoProjects.banqueDesTerritoires.siret]!.committedCents > 0)
        #expect(totals.total.disbursedCents > 0 && totals.total.disbursedCents < totals.total.committedCents)
        #expect(totals.byRegion.count >= 16, "money in most regions (a region whose only project waits or was rejected has none)")
        #expect(totals.leverage.perAgencyEuro != nil && totals.leverage.projects > 10)
        for year in 2019...2023 {
            let period = Self.built.fundingPeriod(from: CalendarDate(year: year, month: 1, day: 1), to: CalendarDate(year: year, month: 12, day: 31))
            #expect(period.total.reconciles && period.byFunder.values.allSatisfy(\.reconciles) && period.byRegion.values.allSatisfy(\.reconciles), "\(year)")
        }
        let withdrawn = Self.built.fundingPeriod(from: CalendarDate(year: 2023, month: 1, day: 1), to: CalendarDate(year: 2023, month: 12, day: 31))
        #expect(withdrawn.total.releasedCents > 0)
    }

    @Test func isDeterministic() {
        #expect(DemoProjects.commands(network: DemoNetwork.defaultCommands) == DemoProjects.commands(network: DemoNetwork.defaultCommands))
    }
}
