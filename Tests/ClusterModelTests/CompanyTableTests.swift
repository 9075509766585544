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

    /// A company's compact row comes back as it was, whatever its history and headcounts; one
    /// that is cut, padded or out of order is refused.
    @Test func compactRowsComeBackAndMalformedOnesAreRefused() throws {
        let (state, _) = ProjectionPropertyTests.history(seed: 11, steps: 600)
        var withHeadcounts = 0
        for (siren, company) in state.companies {
            var bytes: [UInt8] = []
            company.encodePacked(into: &bytes)
            #expect(bytes.first == CompanyState.compactRowFormat)
            let decoded = try bytes.withUnsafeBytes { raw throws(EventDecodingError) in try CompanyState.decodePacked(raw, siren: siren) }
            #expect(decoded == company)
            if company.headcounts != nil { withHeadcounts += 1 }
        }
        #expect(withHeadcounts > 0)

        var company = try #require(state.companies.values.first { $0.headcounts != nil && $0.history.count > 1 })
        company.headcounts = HeadcountTimeline(initial: 3, changes: [.init(day: CalendarDate(daysSinceEpoch: 18000), employees: company.record.employees)])
        let siren = company.record.siren
        var good: [UInt8] = []
        company.encodePacked(into: &good)
        func decode(_ bytes: [UInt8]) throws -> CompanyState {
            try bytes.withUnsafeBytes { raw throws(EventDecodingError) in try CompanyState.decodePacked(raw, siren: siren) }
        }
        #expect(try decode(good) == company)
        // The headcounts are last: 1, initial 3, one change, its day (18000 zigzag: 3 bytes), employees.
        let employeesBytes = { var writer = BinaryWriter(capacity: 0); writer.writeRawVarint(UInt64(company.record.employees)); return writer.bytes.count }()
        let headcounts = good.count - employeesBytes - 3 - 3
        #expect(Array(good[headcounts..<(headcounts + 3)]) == [1, 3, 1])
        var cases: [(String, [UInt8])] = [
            ("cut short", Array(good.dropLast())),
            ("bytes after", good + [0]),
            ("headcounts of unknown form", { var bytes = good; bytes[headcounts] = 7; return bytes }()),
            ("a timeline not ending at the record", { var bytes = good; bytes[bytes.count - 1] ^= 1; return bytes }()),
        ]
        // The history starts where a row without history or headcounts ends, less its two bytes
        // (count 0, form 0); the step after the first sequence number is set to 0.
        var bare = company
        bare.history = SequenceList()
        bare.headcounts = nil
        var bareBytes: [UInt8] = []
        bare.encodePacked(into: &bareBytes)
        var writer = BinaryWriter(capacity: 0)
        writer.writeRawVarint(UInt64(company.history.count))
        writer.writeRawVarint(company.history[0])
        var zeroStep = good
        zeroStep[bareBytes.count - 2 + writer.bytes.count] = 0
        cases.append(("a history not in increasing order", zeroStep))
        cases.append(("another company's row", { var other = company; other.record.siren = SIREN.withCheckDigit(prefix: 99_999_999)!; var bytes: [UInt8] = []; other.encodePacked(into: &bytes); return bytes }()))
        for (label, bytes) in cases {
            #expect(throws: EventDecodingError.self, "\(label)") { try decode(bytes) }
        }
    }
}
