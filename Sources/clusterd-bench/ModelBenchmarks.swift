import ClusterModel
import Dispatch
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

    /// Resident memory of the projection that a snapshot at `path` holds, once loaded: the
    /// snapshot's bytes (its companies stay in them, packed) and what loading builds.
    static func memoryLoaded(path: String, companies: Int) {
        let before = residentBytes()
        let bytes = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: path)))
        let state = try! RegistryState(snapshot: bytes) { count, body in DispatchQueue.concurrentPerform(iterations: count, execute: body) }
        let after = residentBytes()
        precondition(state.companies.count == companies && state.companies.unpackedCount == 0)
        Figure(
            name: "projection_memory_packed", value: Double(after - before) / Double(companies), unit: "bytes/company",
            note: "the same projection loaded from its snapshot (\(bytes.count / 1_048_576) MiB), companies packed, in a process of its own; RSS grew by \((after - before) / 1_048_576) MiB"
        ).printed()
        withExtendedLifetime(state) {}
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
        Figure(name: "projection_memory", value: Double(after - before) / Double(companies), unit: "bytes/company", note: "\(companies) companies with one membership each, as applied (decoded); RSS grew by \((after - before) / 1_048_576) MiB").printed()
        // Packed, as a start from a snapshot of it holds them: measured in a process of its own,
        // where the decoded form never was (freed memory is not given back to the system).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("clusterd-bench-projection-\(getpid()).bin")
        try! Data(state.snapshotBytes()).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["memory-loaded", "--file", file.path, "--companies", "\(companies)"]
        try! child.run()
        child.waitUntilExit()
        precondition(child.terminationStatus == 0, "memory-loaded failed")
        withExtendedLifetime(state) {}
    }
}
