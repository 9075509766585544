@testable import ClusterModel
import Testing

/// The companies' two layers (packed bytes and the trie of changes) hold what one trie would:
/// whenever the table is compacted, the projection, its queries and its snapshots are the same.
struct CompanyTableTests {
    @Test(arguments: [1, 2, 3, 42, 2020] as [UInt64])
    func compactingAtAnyPointChangesNothing(seed: UInt64) throws {
        let (incremental, log) = ProjectionPropertyTests.history(seed: seed, steps: 600)
        var random = SplitMix64(seed: seed &+ 7)
        var compacted = RegistryState()
        var compactions = 0
        for (event, sequence) in log {
            compacted.apply(event, sequence: sequence)
            if random.next() % 20 == 0 {
                compacted.compactCompanies()
                compactions += 1
                #expect(compacted.companies.unpackedCount == 0)
            }
        }
        #expect(compactions > 3)
        #expect(compacted == incremental)
        #expect(compacted.companies.count == incremental.companies.count)
        // Every company found alike, by lookup and by iteration (each once).
        var seen = Set<SIREN>()
        for (siren, company) in compacted.companies {
            #expect(seen.insert(siren).inserted, "\(siren) twice")
            #expect(incremental.companies[siren] == company)
            #expect(compacted.companies.contains(siren))
        }
        #expect(seen.count == incremental.companies.count)
        let day = CalendarDate(daysSinceEpoch: 16500)
        #expect(compacted.statistics(on: day) == incremental.statistics(on: day))
    }

    @Test(arguments: [4, 5, 6] as [UInt64])
    func aSnapshotOfEitherLayoutLoadsTheSameProjection(seed: UInt64) throws {
        let (incremental, log) = ProjectionPropertyTests.history(seed: seed, steps: 400)
        var compacted = incremental
        compacted.compactCompanies()
        let fromTrie = try RegistryState(snapshot: incremental.snapshotBytes())
        let fromPacked = try RegistryState(snapshot: compacted.snapshotBytes())
        #expect(fromTrie == incremental)
        #expect(fromPacked == incremental)
        #expect(incremental.snapshotBytes() == compacted.snapshotBytes(), "one snapshot for one projection, however it is held")
        // Loaded from a snapshot, the companies are packed; changes then go to the trie.
        #expect(fromPacked.companies.unpackedCount == 0)
        var continued = fromPacked
        var reference = incremental
        let more = ProjectionPropertyTests.history(seed: seed &+ 100, steps: 200).1
        for (event, _) in more {
            guard (try? checkReplayed(event, state: continued)) != nil else { continue }
            let sequence = continued.lastSequence + 1
            continued.apply(event, sequence: sequence)
            reference.apply(event, sequence: sequence)
        }
        #expect(continued == reference)
        #expect(log.count > 50)
    }

    @Test func malformedPackedCompaniesAreRefused() throws {
        var state = ProjectionPropertyTests.history(seed: 9, steps: 300).0
        state.compactCompanies()
        let bytes = state.snapshotBytes()
        // The packed layout starts after field 13's key and length; its first SIREN follows the count.
        let packed = state.companies.packedBytes()
        let start = try #require(bytes.indices.first { bytes[$0...].starts(with: packed) })
        var disordered = bytes
        disordered.replaceSubrange((start + 4)..<(start + 12), with: Array(bytes[(start + 8)..<(start + 12)] + bytes[(start + 4)..<(start + 8)]))
        #expect(throws: EventDecodingError.self) { try RegistryState(snapshot: disordered) }
        var cut = bytes
        cut[start] = 0xFF  // a count larger than the layout
        #expect(throws: EventDecodingError.self) { try RegistryState(snapshot: cut) }
    }
}
