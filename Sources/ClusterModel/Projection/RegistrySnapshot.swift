/// The projection as bytes, for snapshots: records in the event encoding, plus what the events
/// alone do not rebuild cheaply (membership periods, histories, request ids).
extension RegistryState {
    /// Version 2 holds projects and money (field 12), which a reader of version 1 would skip
    /// and lose: a projection without them is still written as version 1, byte for byte as
    /// before, and one with them as version 2, which an older clusterd refuses (and replays its
    /// log instead, where it names the event types it does not know).
    static let snapshotVersion: UInt8 = 1
    static let snapshotVersionWithProjects: UInt8 = 2
    /// Version 3 holds the companies packed (field 13, the layout `CompanyTable` keeps in
    /// memory), loaded whole instead of one by one; a reader of versions 1 and 2 would skip them
    /// and lose every company. Written by this build, with or without projects.
    static let snapshotVersionPacked: UInt8 = 3
    /// Version 4 also holds each survey's responses packed (survey field 4, the layout a
    /// `ResponseTable` keeps in memory) instead of one message per response (field 3): a reader of
    /// version 3 would skip them and lose every answer. Written by this build.
    static let snapshotVersionPackedResponses: UInt8 = 4

    /// The projection's bytes; `RegistryState(snapshot:)` rebuilds an equal projection from them.
    public func snapshotBytes() -> [UInt8] {
        var writer = BinaryWriter(capacity: 1 << 20)
        let projectEvents = self.projectEvents()
        writer.bytes.append(Self.snapshotVersionPackedResponses)
        writer.writeUnsigned(1, lastSequence)
        writer.writeUnsigned(2, UInt64(eventCount))
        writer.writeSigned(3, lastCommitTimeMicroseconds)
        // How many companies follow, so that loading reserves the table once instead of growing
        // it twenty times (older readers skip the field).
        writer.writeUnsigned(8, UInt64(companies.count))
        for id in clusters.keys.sorted() {
            let cluster = clusters[id]!
            writer.writeMessage(4) { message in
                message.writeMessage(1) { $0.bytes += EventCodec.encode(Event(kind: .clusterRegistered(cluster.record), recordedAtMicroseconds: 0, peerUID: 0)) }
                if let dissolved = cluster.dissolvedOn { message.writeSigned(2, Int64(dissolved.daysSinceEpoch)) }
                for partner in cluster.partners {
                    message.writeMessage(3) { $0.bytes += EventCodec.encode(Event(kind: .partnerLinked(cluster: id, partner: partner), recordedAtMicroseconds: 0, peerUID: 0)) }
                }
                // The members packed (field 7; version 3), as a `MemberTable` holds them loaded.
                message.writeBytes(7, cluster.members.packedBytes())
                for sequence in cluster.history { message.writeUnsigned(5, sequence) }
                // The open-member aggregates, so that loading need not look up every member's
                // company again (a third of a large snapshot's load); older snapshots, without
                // them, have them recomputed.
                message.writeMessage(6) { aggregates in
                    aggregates.writeUnsigned(1, UInt64(cluster.openMembers))
                    aggregates.writeSigned(2, cluster.openJobs)
                    if let latest = cluster.latestPeriodDate { aggregates.writeSigned(3, Int64(latest.daysSinceEpoch)) }
                }
            }
        }
        writer.writeBytes(13, companies.packedBytes())
        for id in surveys.keys.sorted() {
            let survey = surveys[id]!
            writer.writeMessage(6) { message in
                message.writeMessage(1) { $0.bytes += EventCodec.encode(Event(kind: .surveyDefined(survey.definition), recordedAtMicroseconds: 0, peerUID: 0)) }
                if let closed = survey.closedAtMicroseconds { message.writeSigned(2, closed) }
                message.writeBytes(4, survey.responses.packedBytes())
            }
        }
        for (request, record) in requests {
            writer.writeMessage(7) { message in
                message.writeString(1, request)
                message.writeUnsigned(2, record.sequence)
                if let fingerprint = record.fingerprint { message.writeBytes(3, fingerprint.bytes) }
            }
        }
        // People: the event that would create them as they are now (sealed fields and all), then
        // the erasure and the history.
        for id in people.keys.sorted() {
            let person = people[id]!
            writer.writeMessage(9) { message in
                let kind: EventKind
                switch person.role {
                case .tester(let facts): kind = .testerEnrolled(person: id, facts, fields: person.sealedFields)
                case .contact(let siren): kind = .contactAdded(person: id, siren: siren, fields: person.sealedFields)
                }
                message.writeMessage(1) { $0.bytes += EventCodec.encode(Event(kind: kind, recordedAtMicroseconds: 0, peerUID: 0)) }
                if let erasure = person.erasure {
                    message.writeSigned(2, erasure.recordedAtMicroseconds)
                    if let reason = erasure.reason { message.writeString(3, reason) }
                }
                for sequence in person.history { message.writeUnsigned(4, sequence) }
                if let withdrawal = person.withdrawal {
                    message.writeMessage(5) { $0.bytes += EventCodec.encode(Event(kind: .consentWithdrawn(person: id, withdrawal), recordedAtMicroseconds: 0, peerUID: 0)) }
                }
            }
        }
        // Campaigns: the opening, then each participation as its event (a person's campaigns
        // are rebuilt from them).
        for id in campaigns.keys.sorted() {
            let campaign = campaigns[id]!
            writer.writeMessage(10) { message in
                message.writeMessage(1) { $0.bytes += EventCodec.encode(Event(kind: .campaignOpened(campaign.record), recordedAtMicroseconds: 0, peerUID: 0)) }
                for person in campaign.participations.keys.sorted() {
                    let participation = campaign.participations[person]!
                    message.writeMessage(2) {
                        $0.bytes += EventCodec.encode(Event(kind: .testerParticipated(person: person, campaign: id, participation), recordedAtMicroseconds: 0, peerUID: 0))
                    }
                }
            }
        }
        // Privacy requests: the event that recorded each, its sequence number, and the answer's.
        for sequence in privacyRequests.keys.sorted() {
            let request = privacyRequests[sequence]!
            writer.writeMessage(11) { message in
                message.writeMessage(1) { $0.bytes += EventCodec.encode(Event(kind: .privacyRequestReceived(person: request.person, request.record), recordedAtMicroseconds: 0, peerUID: 0)) }
                message.writeUnsigned(2, sequence)
                if let answer = request.answer {
                    let kind = EventKind.privacyRequestAnswered(person: request.person, request: sequence, outcome: answer.outcome, reason: answer.reason)
                    message.writeMessage(3) { $0.bytes += EventCodec.encode(Event(kind: kind, recordedAtMicroseconds: answer.recordedAtMicroseconds, peerUID: 0)) }
                    message.writeUnsigned(4, answer.sequence)
                }
            }
        }
        // Projects and money: their events as the log holds them, each with its sequence number,
        // in order; loading applies them again (`applyProjectEvent`).
        for (sequence, event) in projectEvents {
            writer.writeMessage(12) { message in
                message.writeUnsigned(1, sequence)
                message.writeMessage(2) { $0.bytes += EventCodec.encode(event) }
            }
        }
        return writer.bytes
    }

    /// The events that built the projects and commitments, rebuilt from them, by sequence number.
    public func projectEvents() -> [(UInt64, Event)] {
        var events: [(UInt64, Event)] = []
        for project in projects.values {
            for (index, transition) in project.transitions.enumerated() {
                let kind: EventKind = index == 0
                    ? .projectProposed(project.record)
                    : .projectStatusChanged(project: project.record.id, status: transition.status, on: transition.on, reason: transition.reason)
                events.append((transition.sequence, Event(kind: kind, recordedAtMicroseconds: transition.recordedAtMicroseconds, peerUID: transition.peerUID)))
            }
        }
        for commitment in commitments.values {
            let id = commitment.record.id
            events.append(
                (commitment.sequence, Event(kind: .fundingCommitted(commitment.record), recordedAtMicroseconds: commitment.recordedAtMicroseconds, peerUID: commitment.peerUID))
            )
            for revision in commitment.revisions {
                let kind = EventKind.commitmentRevised(commitment: id, amountCents: revision.amountCents, on: revision.on, reason: revision.reason)
                events.append((revision.sequence, Event(kind: kind, recordedAtMicroseconds: revision.recordedAtMicroseconds, peerUID: revision.peerUID)))
            }
            for disbursement in commitment.disbursements {
                let kind = EventKind.fundingDisbursed(commitment: id, amountCents: disbursement.amountCents, on: disbursement.on, reference: disbursement.reference)
                events.append((disbursement.sequence, Event(kind: kind, recordedAtMicroseconds: disbursement.recordedAtMicroseconds, peerUID: disbursement.peerUID)))
            }
        }
        return events.sorted { $0.0 < $1.0 }
    }

    /// Rebuilds the projection that `snapshotBytes()` wrote.
    ///
    /// `perform(count, body)` must call `body` once for each of `0..<count`, on as many threads as
    /// it likes: a large snapshot's companies, most of its bytes, are decoded in that many chunks
    /// through it (the daemon passes `DispatchQueue.concurrentPerform`), and added in order after.
    public init(
        snapshot bytes: [UInt8],
        perform: (Int, @Sendable (Int) -> Void) -> Void = { count, body in for index in 0..<count { body(index) } }
    ) throws(EventDecodingError) {
        self.init()
        let result: Result<RegistryState, EventDecodingError> = bytes.withUnsafeBytes { raw in
            Result { () throws(EventDecodingError) -> RegistryState in try Self.decodeSnapshot(raw, storage: bytes, perform: perform) }
        }
        self = try result.get()
    }

    /// Snapshots of version 1 or 2 with at least this many companies decode them in chunks
    /// through `perform`.
    static let chunkedCompanyCount = 4096

    /// `raw` are the bytes of `storage`, which the packed companies keep (not a copy).
    private static func decodeSnapshot(_ raw: UnsafeRawBufferPointer, storage: [UInt8], perform: (Int, @Sendable (Int) -> Void) -> Void) throws(EventDecodingError) -> RegistryState {
        var reader = BinaryReader(raw)
        let version = try reader.readByte()
        guard (snapshotVersion...snapshotVersionPackedResponses).contains(version) else {
            throw EventDecodingError("snapshot version \(version) is not supported (this build reads versions \(snapshotVersion) to \(snapshotVersionPackedResponses))")
        }
        var state = RegistryState()
        var companyMessages: [UnsafeRawBufferPointer] = []
        var clusterMessages: [UnsafeRawBufferPointer] = []
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (1, BinaryWriter.varint): state.lastSequence = try reader.readRawVarint()
            case (2, BinaryWriter.varint):
                guard let count = Int(exactly: try reader.readRawVarint()) else { throw EventDecodingError("a snapshot's event count is out of range") }
                state.eventCount = count
            case (3, BinaryWriter.varint): state.lastCommitTimeMicroseconds = BinaryReader.signed(try reader.readRawVarint())
            case (8, BinaryWriter.varint):
                // A hint for hash tables; the hash trie needs none.
                _ = try reader.readRawVarint()
            case (4, BinaryWriter.lengthDelimited): clusterMessages.append(try reader.readLengthDelimited())
            case (5, BinaryWriter.lengthDelimited): companyMessages.append(try reader.readLengthDelimited())
            case (6, BinaryWriter.lengthDelimited): try state.decodeSurvey(try reader.readLengthDelimited(), storage: storage, base: raw.baseAddress)
            case (9, BinaryWriter.lengthDelimited): try state.decodePerson(try reader.readLengthDelimited())
            case (10, BinaryWriter.lengthDelimited): try state.decodeCampaign(try reader.readLengthDelimited())
            case (11, BinaryWriter.lengthDelimited): try state.decodePrivacyRequest(try reader.readLengthDelimited())
            case (13, BinaryWriter.lengthDelimited) where version >= snapshotVersionPacked:
                state.companies = CompanyTable(packed: try PackedRows(slice: try reader.readLengthDelimited(), of: storage, at: raw.baseAddress))
            case (12, BinaryWriter.lengthDelimited) where version >= snapshotVersionWithProjects:
                try state.decodeProjectEvent(try reader.readLengthDelimited())
            case (7, BinaryWriter.lengthDelimited):
                var message = BinaryReader(try reader.readLengthDelimited())
                var request = ""
                var sequence: UInt64 = 0
                var fingerprint: RequestFingerprint?
                while let (inner, innerWire) = try message.readKey() {
                    switch (inner, innerWire) {
                    case (1, BinaryWriter.lengthDelimited): request = try message.readString()
                    case (2, BinaryWriter.varint): sequence = try message.readRawVarint()
                    case (3, BinaryWriter.lengthDelimited):
                        guard let bytes = RequestFingerprint(bytes: try message.readLengthDelimited()) else {
                            throw EventDecodingError("a snapshot's request fingerprint is not 16 bytes long")
                        }
                        fingerprint = bytes
                    default: try message.skip(wire: innerWire)
                    }
                }
                state.requests[request] = RequestRecord(sequence: sequence, fingerprint: fingerprint)
            default: try reader.skip(wire: wire)
            }
        }
        // The clusters side by side, one task each: a snapshot of version 1 or 2 puts each one's
        // members into a hash trie one by one; version 3 holds them packed.
        var withoutAggregates: [Slug] = []
        let base = raw.baseAddress
        let decode = { (bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> (ClusterState, Bool) in
            try decodeCluster(bytes, storage: storage, base: base)
        }
        for (cluster, hasAggregates) in try decodeAll(clusterMessages, chunks: clusterMessages.count, perform: perform, decode) {
            state.clusters[cluster.record.id] = cluster
            if !hasAggregates { withoutAggregates.append(cluster.record.id) }
        }
        try state.addCompanies(companyMessages, perform: perform)
        // Partners known by SIRET: every record of one names it alike, so their order is free.
        for cluster in state.clusters.values {
            for partner in cluster.partners { state.noteFunder(partner) }
        }
        let companies = state.companies
        for id in withoutAggregates {
            state.clusters.modifyExisting(id) {
                $0.recomputeAggregates(employees: { companies[$0]?.record.employees ?? 0 }, headcountChangedOn: { companies[$0]?.headcounts?.changes.last?.day })
            }
        }
        return state
    }

    /// A cluster, and whether its aggregates came with it. Its packed members stay in `storage`,
    /// whose bytes start at `base`.
    private static func decodeCluster(_ bytes: UnsafeRawBufferPointer, storage: [UInt8], base: UnsafeRawPointer?) throws(EventDecodingError) -> (ClusterState, Bool) {
        var reader = BinaryReader(bytes)
        var cluster: ClusterState?
        var aggregates: (members: Int, jobs: Int64, latest: CalendarDate?)?
        var history = ChunkedList<UInt64>()
        while let (field, wire) = try reader.readKey() {
            switch field {
            case 1:
                guard case .clusterRegistered(let record) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's cluster is not a cluster")
                }
                cluster = ClusterState(record: record)
            case 2: cluster?.dissolvedOn = CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: BinaryReader.signed(try reader.readRawVarint())))
            case 3:
                guard case .partnerLinked(_, let partner) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's partner is not a partner")
                }
                cluster?.partners.append(partner)
            case 4:
                var member = BinaryReader(try reader.readLengthDelimited())
                var siren: SIREN?
                var starts: [Int64] = []
                var ends: [Int64] = []
                while let (inner, innerWire) = try member.readKey() {
                    switch inner {
                    case 1: siren = FastLookup.siren(try member.readRawVarint())
                    case 2: starts.append(BinaryReader.signed(try member.readRawVarint()))
                    case 3: ends.append(BinaryReader.signed(try member.readRawVarint()))
                    default: try member.skip(wire: innerWire)
                    }
                }
                guard let siren, starts.count == ends.count else { throw EventDecodingError("a snapshot's membership is malformed") }
                var periods = InlineList<MembershipPeriod>()
                for (start, end) in zip(starts, ends) {
                    periods.append(MembershipPeriod(
                        start: CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: start)),
                        end: end == Int64.min ? nil : CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: end))
                    ))
                }
                cluster?.members[siren] = periods
            case 5: history.append(try reader.readRawVarint())
            case 7:
                cluster?.members = MemberTable(packed: try PackedRows(slice: try reader.readLengthDelimited(), of: storage, at: base))
            case 6:
                var message = BinaryReader(try reader.readLengthDelimited())
                var found: (members: Int, jobs: Int64, latest: CalendarDate?) = (0, 0, nil)
                while let (inner, innerWire) = try message.readKey() {
                    switch (inner, innerWire) {
                    case (1, BinaryWriter.varint):
                        guard let members = Int(exactly: try message.readRawVarint()) else { throw EventDecodingError("a snapshot's member count is out of range") }
                        found.members = members
                    case (2, BinaryWriter.varint): found.jobs = BinaryReader.signed(try message.readRawVarint())
                    case (3, BinaryWriter.varint): found.latest = CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: BinaryReader.signed(try message.readRawVarint())))
                    default: try message.skip(wire: innerWire)
                    }
                }
                aggregates = found
            default: try reader.skip(wire: wire)
            }
        }
        guard var cluster else { throw EventDecodingError("a snapshot's cluster has no record") }
        cluster.history = history
        if let aggregates {
            cluster.openMembers = aggregates.members
            cluster.openJobs = aggregates.jobs
            cluster.latestPeriodDate = aggregates.latest
        }
        return (cluster, aggregates != nil)
    }

    /// Decodes the companies' messages of a snapshot of version 1 or 2 (version 3 packs them),
    /// in eight chunks through `perform` when there are many, and adds them in the order they came.
    private mutating func addCompanies(_ messages: [UnsafeRawBufferPointer], perform: (Int, @Sendable (Int) -> Void) -> Void) throws(EventDecodingError) {
        let chunks = messages.count >= Self.chunkedCompanyCount ? 8 : 1
        // A SIREN met again later replaces the earlier one, as the writer of the events did.
        for company in try Self.decodeAll(messages, chunks: chunks, perform: perform, Self.decodeCompany) {
            companies[company.record.siren] = company
        }
    }

    /// `messages` decoded by `decode`, in order, in `chunks` runs given to `perform` (which runs
    /// them on as many threads as it likes).
    private static func decodeAll<Value>(
        _ messages: [UnsafeRawBufferPointer],
        chunks count: Int,
        perform: (Int, @Sendable (Int) -> Void) -> Void,
        _ decode: @escaping (UnsafeRawBufferPointer) throws(EventDecodingError) -> Value
    ) throws(EventDecodingError) -> [Value] {
        guard count > 1, messages.count > 1 else {
            var values: [Value] = []
            values.reserveCapacity(messages.count)
            for message in messages { values.append(try decode(message)) }
            return values
        }
        let size = (messages.count + count - 1) / count
        let chunks = stride(from: 0, to: messages.count, by: size).map { DecodingChunk(messages[$0..<min($0 + size, messages.count)], decode) }
        perform(chunks.count) { chunks[$0].decode() }
        var values: [Value] = []
        values.reserveCapacity(messages.count)
        for chunk in chunks { values += try chunk.take() }
        return values
    }

    /// A run of messages, decoded by whichever thread `perform` gives it to.
    private final class DecodingChunk<Value>: @unchecked Sendable {
        private let messages: ArraySlice<UnsafeRawBufferPointer>
        private let decodeOne: (UnsafeRawBufferPointer) throws(EventDecodingError) -> Value
        /// Written once, by the thread that decodes the chunk; read after `perform` returned.
        private var decoded: Result<[Value], EventDecodingError> = .success([])

        init(_ messages: ArraySlice<UnsafeRawBufferPointer>, _ decode: @escaping (UnsafeRawBufferPointer) throws(EventDecodingError) -> Value) {
            self.messages = messages
            self.decodeOne = decode
        }

        func decode() {
            decoded = Result { () throws(EventDecodingError) -> [Value] in
                var values: [Value] = []
                values.reserveCapacity(messages.count)
                for message in messages { values.append(try decodeOne(message)) }
                return values
            }
        }

        /// The decoded values, no longer held here.
        func take() throws(EventDecodingError) -> [Value] {
            defer { decoded = .success([]) }
            return try decoded.get()
        }
    }

    static func decodeCompany(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> CompanyState {
        var reader = BinaryReader(bytes)
        var company: CompanyState?
        var history = SequenceList()
        var initial: Int64?
        var changes: [HeadcountTimeline.Change] = []
        while let (field, wire) = try reader.readKey() {
            switch field {
            case 1:
                guard case .companyRegistered(let record) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's company is not a company")
                }
                company = CompanyState(record: record)
            case 2: company?.clusters.append(Slug(trusted: try reader.readString()))
            case 3:
                let sequence = try reader.readRawVarint()
                guard sequence != 0 else { throw EventDecodingError("a snapshot's company history holds sequence number 0") }
                history.append(sequence)
            case 4:
                guard let count = Int64(exactly: try reader.readRawVarint()) else { throw EventDecodingError("a snapshot's headcount is out of range") }
                initial = count
            case 5: changes.append(try decodeHeadcountChange(try reader.readLengthDelimited()))
            default: try reader.skip(wire: wire)
            }
        }
        guard var company else { throw EventDecodingError("a snapshot's company has no record") }
        company.history = history
        if let initial {
            // Changes are written in order; a snapshot that says otherwise is not loaded.
            guard zip(changes, changes.dropFirst()).allSatisfy({ $0.day <= $1.day }), changes.last?.employees == company.record.employees else {
                throw EventDecodingError("a snapshot's company has a headcount timeline out of order or not ending at its record")
            }
            company.headcounts = HeadcountTimeline(initial: initial, changes: changes)
        }
        return company
    }

    private static func decodeHeadcountChange(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) -> HeadcountTimeline.Change {
        var reader = BinaryReader(bytes)
        var day: CalendarDate?
        var employees: Int64?
        while let (field, wire) = try reader.readKey() {
            switch field {
            case 1: day = CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: BinaryReader.signed(try reader.readRawVarint())))
            case 2: employees = Int64(exactly: try reader.readRawVarint())
            default: try reader.skip(wire: wire)
            }
        }
        guard let day, let employees else { throw EventDecodingError("a snapshot's headcount change lacks its day or count") }
        return HeadcountTimeline.Change(day: day, employees: employees)
    }

    /// A survey; its packed responses (version 4) stay in `storage`, whose bytes start at `base`.
    private mutating func decodeSurvey(_ bytes: UnsafeRawBufferPointer, storage: [UInt8], base: UnsafeRawPointer?) throws(EventDecodingError) {
        var reader = BinaryReader(bytes)
        var survey: SurveyState?
        while let (field, wire) = try reader.readKey() {
            switch field {
            case 1:
                guard case .surveyDefined(let definition) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's survey is not a survey")
                }
                survey = SurveyState(definition: definition)
            case 2: survey?.closedAtMicroseconds = BinaryReader.signed(try reader.readRawVarint())
            case 3:
                guard case .responseSubmitted(_, let siren, let submittedAt, let answers) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's response is not a response")
                }
                survey?.responses[siren] = SurveyResponse(submittedAt: submittedAt, answers: answers)
            case 4:
                survey?.responses = ResponseTable(packed: try PackedRows(slice: try reader.readLengthDelimited(), of: storage, at: base))
            default: try reader.skip(wire: wire)
            }
        }
        guard let survey else { throw EventDecodingError("a snapshot's survey has no definition") }
        surveys[survey.definition.id] = survey
    }

    private mutating func decodePerson(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) {
        var reader = BinaryReader(bytes)
        var person: PersonState?
        var withdrawal: Withdrawal?
        var erasedAt: Int64?
        var reason: String?
        var history: [UInt64] = []
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (1, BinaryWriter.lengthDelimited):
                switch try EventCodec.decode(try reader.readLengthDelimited()).kind {
                case .testerEnrolled(let id, let facts, let fields):
                    person = PersonState(id: id, role: .tester(facts), fields: Self.fieldTable(fields))
                case .contactAdded(let id, let siren, let fields):
                    person = PersonState(id: id, role: .contact(siren: siren), fields: Self.fieldTable(fields))
                default:
                    throw EventDecodingError("a snapshot's person is not a tester or a contact")
                }
            case (2, BinaryWriter.varint): erasedAt = BinaryReader.signed(try reader.readRawVarint())
            case (3, BinaryWriter.lengthDelimited): reason = try reader.readString()
            case (4, BinaryWriter.varint): history.append(try reader.readRawVarint())
            case (5, BinaryWriter.lengthDelimited):
                guard case .consentWithdrawn(_, let found) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's withdrawal is not a withdrawal")
                }
                withdrawal = found
            default: try reader.skip(wire: wire)
            }
        }
        guard var person else { throw EventDecodingError("a snapshot's person has no record") }
        if let erasedAt { person.erasure = PersonState.Erasure(recordedAtMicroseconds: erasedAt, reason: reason) }
        person.history = history
        person.withdrawal = withdrawal
        people[person.id] = person
    }

    private mutating func decodeCampaign(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) {
        var reader = BinaryReader(bytes)
        var campaign: CampaignState?
        var participations: [(PersonID, Participation)] = []
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (1, BinaryWriter.lengthDelimited):
                guard case .campaignOpened(let record) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's campaign is not a campaign")
                }
                campaign = CampaignState(record: record)
            case (2, BinaryWriter.lengthDelimited):
                guard case .testerParticipated(let person, _, let participation) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's participation is not a participation")
                }
                participations.append((person, participation))
            default: try reader.skip(wire: wire)
            }
        }
        guard var campaign else { throw EventDecodingError("a snapshot's campaign has no record") }
        let id = campaign.record.id
        for (person, participation) in participations {
            campaign.participations[person] = participation
            // People come before campaigns in a snapshot.
            guard people.modifyExisting(person, { $0.campaigns.insert(id) }) != nil else {
                throw EventDecodingError("a snapshot's participation in \(id) names a person it does not hold")
            }
        }
        campaigns[id] = campaign
    }

    private mutating func decodeProjectEvent(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) {
        var reader = BinaryReader(bytes)
        var sequence: UInt64?
        var event: Event?
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (1, BinaryWriter.varint): sequence = try reader.readRawVarint()
            case (2, BinaryWriter.lengthDelimited): event = try EventCodec.decode(try reader.readLengthDelimited())
            default: try reader.skip(wire: wire)
            }
        }
        guard let sequence, let event, event.kind.projectID != nil || event.kind.isAboutMoney else {
            throw EventDecodingError("a snapshot's project event has no sequence number, or is no event about projects")
        }
        applyProjectEvent(event, sequence: sequence)
    }

    private mutating func decodePrivacyRequest(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) {
        var reader = BinaryReader(bytes)
        var received: (PersonID, PrivacyRequestRecord)?
        var sequence: UInt64?
        var answered: (PrivacyOutcome, String?, Int64)?
        var answerSequence: UInt64?
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (1, BinaryWriter.lengthDelimited):
                guard case .privacyRequestReceived(let person, let record) = try EventCodec.decode(try reader.readLengthDelimited()).kind else {
                    throw EventDecodingError("a snapshot's privacy request is not a request")
                }
                received = (person, record)
            case (2, BinaryWriter.varint): sequence = try reader.readRawVarint()
            case (3, BinaryWriter.lengthDelimited):
                let event = try EventCodec.decode(try reader.readLengthDelimited())
                guard case .privacyRequestAnswered(_, _, let outcome, let reason) = event.kind else {
                    throw EventDecodingError("a snapshot's answer to a privacy request is not an answer")
                }
                answered = (outcome, reason, event.recordedAtMicroseconds)
            case (4, BinaryWriter.varint): answerSequence = try reader.readRawVarint()
            default: try reader.skip(wire: wire)
            }
        }
        guard let (person, record) = received, let sequence else { throw EventDecodingError("a snapshot's privacy request has no record or sequence") }
        guard people[person] != nil else { throw EventDecodingError("a snapshot's privacy request \(sequence) names a person it does not hold") }
        var request = PrivacyRequest(person: person, record: record)
        if let (outcome, reason, recordedAt) = answered {
            guard let answerSequence else { throw EventDecodingError("a snapshot's answer to privacy request \(sequence) has no sequence") }
            request.answer = PrivacyRequest.Answer(outcome: outcome, reason: reason, recordedAtMicroseconds: recordedAt, sequence: answerSequence)
        }
        privacyRequests[sequence] = request
    }
}
