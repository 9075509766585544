import ClusterModel
import Testing

/// The demo network must read exactly as the design says.
struct DemoNetworkTests {
    static let built: RegistryState = {
        var state = RegistryState()
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 0)
        let events = try! decideAll(DemoNetwork.commands(), state: state, context: context)
        for (index, event) in events.enumerated() { state.apply(event, sequence: UInt64(index + 1)) }
        return state
    }()

    @Test func hasSeventyClustersTwentyThousandCompaniesAndAMillionJobs() {
        let stats = Self.built.statistics(on: CalendarDate(year: 2021, month: 1, day: 1))
        #expect(stats.total.clusters == 70)
        #expect(stats.total.companies == 20_000)
        #expect(stats.total.jobs == 1_000_000)
        // Network jobs are the sum over distinct companies.
        #expect(Self.built.companies.values.reduce(0) { $0 + $1.record.employees } == 1_000_000)
    }

    @Test func usesEveryRegionAndOneClusterSpansTwo() {
        let regions = Set(Self.built.clusters.values.flatMap(\.record.regions))
        #expect(regions.count == 18)
        let spanning = Self.built.clusters.values.filter { $0.record.regions.count == 2 }
        #expect(spanning.count == 1)
        #expect(Self.built.clusters.values.allSatisfy { !$0.partners.isEmpty })
    }

    @Test func clusterSizesAre286And285() {
        let sizes = Self.built.clusters.values.map(\.members.count).sorted()
        #expect(sizes.filter { $0 == 286 }.count == 50)
        #expect(sizes.filter { $0 == 285 }.count == 20)
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
        #expect(DemoNetwork.commands() == DemoNetwork.commands())
        #expect(DemoNetwork.commands(seed: 1) != DemoNetwork.commands())
    }
}
