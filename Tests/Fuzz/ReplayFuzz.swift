// Structure-aware fuzzing of the log reader and of replay. The input is not a log file but a list
// of event payloads (each a two-byte little-endian length, then that many bytes); the harness
// reseals them into a log image — a real header, each payload a record with its CRC-32C and its
// SHA-256 chain hash, as the writer makes them — so that every mutation gets past the checks a
// damaged file fails, and reaches what a log edited and resealed by hand reaches: the record
// scanner, the chain, the event decoder, the rules (`checkReplayed`), the projection, every query
// on what was accepted, and the snapshot round trip. Never a crash, whatever the events say.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplay(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkSHA256Once()
    var payloads: [[UInt8]] = []
    var position = 0
    while position + 2 <= size, payloads.count < 1024 {
        let length = min(Int(data[position]) | Int(data[position + 1]) << 8, size - position - 2)
        payloads.append(Array(UnsafeBufferPointer(start: data + position + 2, count: length)))
        position += 2 + length
    }

    // Reseal: the log as the writer would have written these payloads.
    let header = LogHeader(logID: [UInt8](repeating: 0x5A, count: 16), createdAtMicroseconds: 1_600_000_000_000_000, firstSequence: 1).encoded
    let genesis = header.withUnsafeBytes { ChainHash.genesis(header: $0) }
    var image = header
    var encoder = RecordEncoder(chain: genesis)
    for (index, payload) in payloads.enumerated() {
        encoder.append(
            sequence: UInt64(index + 1), commitTimeMicroseconds: 1_600_000_000_000_000 + Int64(index), payload: payload,
            endsBatch: index == payloads.count - 1, to: &image
        )
    }

    image.withUnsafeBytes { bytes in
        // Read it back as opening a log does: framing, CRC, sequence numbers, then the chain.
        var scanner = RecordScanner(bytes: bytes, expectedSequence: 1)
        var chain = genesis
        var state = RegistryState()
        var refused = false
        scanning: while true {
            switch scanner.next() {
            case .record(let record):
                chain = chain.next(hashing: UnsafeRawBufferPointer(rebasing: bytes[(record.offset + 8)..<record.payloadRange.upperBound]))
                precondition(chain == ChainHash(copying: UnsafeRawBufferPointer(rebasing: bytes[record.chainHashOffset...])), "a resealed record's chain hash differs")
                guard !refused else { continue }
                // Replay: decode, check against the rules, apply; the first refusal ends it, as
                // it stops the daemon's start.
                let payload = UnsafeRawBufferPointer(rebasing: bytes[record.payloadRange])
                guard let event = try? EventCodec.decode(payload) else {
                    refused = true
                    continue
                }
                do {
                    try checkReplayed(event, state: state)
                } catch {
                    refused = true
                    continue
                }
                state.apply(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds)
            case .end:
                break scanning
            case .problem(let offset, let problem):
                preconditionFailure("a resealed log must scan: \(problem) at \(offset)")
            }
        }
        precondition(scanner.expectedSequence == UInt64(payloads.count + 1), "records were lost in the scan")
        exerciseReads(state)
    }
    return 0
}

/// Every read a client can make of a projection replay accepted.
private func exerciseReads(_ state: RegistryState) {
    let dates = [CalendarDate(daysSinceEpoch: 0), CalendarDate(daysSinceEpoch: 18_500), CalendarDate(daysSinceEpoch: 20_000)]
    for date in dates {
        _ = state.statistics(on: date)
        _ = state.listClusters(region: nil, section: nil, offset: 0, limit: 1000, on: date)
        for id in state.clusters.keys {
            _ = try? state.cluster(id, on: date)
            _ = try? state.members(of: id, on: date, offset: 0, limit: 1000)
        }
    }
    for siren in state.companies.keys { _ = try? state.company(siren) }
    for id in state.surveys.keys {
        for weighted in [false, true] {
            _ = try? state.surveyResults(id, breakdown: nil, weighted: weighted)
            for breakdown in SurveyBreakdown.allCases { _ = try? state.surveyResults(id, breakdown: breakdown, weighted: weighted) }
        }
    }
    let reloaded = try? RegistryState(snapshot: state.snapshotBytes())
    precondition(reloaded == state, "a snapshot of a replayed projection does not load back equal")
}

/// The harness's SHA-256 against FIPS 180-4's example, once.
private func checkSHA256Once() {
    struct Checked { nonisolated(unsafe) static var done = false }
    guard !Checked.done else { return }
    Checked.done = true
    let digest = Array("abc".utf8).withUnsafeBytes { SHA256.hash(data: $0) }.bytes
    precondition(ChainHash.hexString(digest) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "the fuzz harness's SHA-256 is wrong")
}
