import ClusterModel
import Foundation

enum ModelBenchmarks {
    /// apply() on the demo event mix, repeated into fresh projections.
    static func apply(rounds: Int) {
        let events = Workload.demo()
        var best = Double.infinity
        for _ in 0..<rounds {
            var state = RegistryState()
            let start = Clock.now()
            // As a replay does: room for the entities the log may hold, reserved up front.
            for index in events.indices { state.apply(events[index], sequence: UInt64(index + 1)) }
            best = min(best, Clock.seconds(since: start))
            precondition(state.lastSequence == UInt64(events.count) && state.clusters.count == DemoNetwork.clusterCount + 1)
        }
        Figure(name: "apply_demo_mix", value: Double(events.count) / best, unit: "events/s", note: "\(events.count) events, best of \(rounds)").printed()
    }

    /// Resident memory of a projection holding `companies` companies, each a member of a cluster.
    static func memory(companies: Int) {
        let before = residentBytes()
        var state = RegistryState()
        var sequence: UInt64 = 0
        for event in Workload.clusters(70) {
            sequence += 1
            state.apply(event, sequence: sequence)
        }
        for index in 0..<companies {
            sequence += 1
            state.apply(Workload.company(index), sequence: sequence)
            sequence += 1
            state.apply(Workload.membership(index, clusters: 70), sequence: sequence)
        }
        let after = residentBytes()
        precondition(state.companies.count == companies)
        Figure(name: "projection_memory", value: Double(after - before) / Double(companies), unit: "bytes/company", note: "\(companies) companies with one membership each; RSS grew by \((after - before) / 1_048_576) MiB").printed()
        withExtendedLifetime(state) {}
    }
}
