/// The binary encoding of events in log payloads (docs/event-codec.md): a version byte, the event
/// type, then tagged fields. Unknown fields are skipped; an unknown event type is an error that names it.
public enum EventCodec {
    public static let version: UInt8 = 1

    enum TypeTag: UInt64 {
        case clusterRegistered = 1, clusterUpdated, clusterDissolved, companyRegistered, companyUpdated
        case membershipStarted, membershipEnded, partnerLinked, surveyDefined, surveyClosed, responseSubmitted
        case snapshotTaken
        case testerEnrolled, contactAdded, personRectified, personErased
        case campaignOpened, testerParticipated, consentWithdrawn
        case privacyRequestReceived, privacyRequestAnswered
        case projectProposed, projectStatusChanged, fundingCommitted, commitmentRevised, fundingDisbursed

        static let last = TypeTag.fundingDisbursed
    }

    // Envelope fields, shared by every type.
    static let recordedAtField: UInt64 = 1
    static let peerUIDField: UInt64 = 2
    static let requestIDField: UInt64 = 3
    static let requestFingerprintField: UInt64 = 4

    public static func encode(_ event: Event) -> [UInt8] {
        var writer = BinaryWriter(capacity: 96)
        writer.bytes.append(version)
        writer.writeRawVarint(tag(of: event.kind).rawValue)
        writer.writeSigned(recordedAtField, event.recordedAtMicroseconds)
        writer.writeUnsigned(peerUIDField, UInt64(event.peerUID))
        if let requestID = event.requestID { writer.writeString(requestIDField, requestID) }
        if let fingerprint = event.requestFingerprint { writer.writeBytes(requestFingerprintField, fingerprint.bytes) }
        encodeBody(event.kind, into: &writer)
        return writer.bytes
    }

    /// Which decoder reads the event types that make up most of a log.
    public enum DecodingPath: Sendable {
        /// `decodeHot` for company and membership events, the general decoder for the rest.
        case fastest
        /// The general decoder for every type: what the fuzz target holds `decodeHot` to, and
        /// what `clusterd-bench twins` compares it with.
        case general
    }

    public static func decode(_ bytes: [UInt8], path: DecodingPath = .fastest) throws(EventDecodingError) -> Event {
        let result: Result<Event, EventDecodingError> = bytes.withUnsafeBytes { raw in
            Result { () throws(EventDecodingError) -> Event in try decode(raw, path: path) }
        }
        return try result.get()
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, path: DecodingPath = .fastest) throws(EventDecodingError) -> Event {
        var reader = BinaryReader(bytes)
        let version = try reader.readByte()
        guard version == Self.version else {
            throw EventDecodingError("event encoding version \(version) is not supported (this build reads version \(Self.version))")
        }
        let rawTag = try reader.readRawVarint()
        guard let tag = TypeTag(rawValue: rawTag) else {
            throw EventDecodingError(
                "unknown event type \(rawTag) (this build knows types 1 to \(TypeTag.last.rawValue)); the log was written by a newer clusterd"
            )
        }
        if path == .fastest && (tag == .companyRegistered || tag == .companyUpdated || tag == .membershipStarted) {
            return try decodeHot(tag, &reader)
        }
        var fields = FieldBag()
        var recordedAt: Int64 = 0
        var peerUID: UInt32 = 0
        var requestID: String?
        var fingerprint: RequestFingerprint?
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (recordedAtField, BinaryWriter.varint): recordedAt = BinaryReader.signed(try reader.readRawVarint())
            case (peerUIDField, BinaryWriter.varint): peerUID = UInt32(truncatingIfNeeded: try reader.readRawVarint())
            case (requestIDField, BinaryWriter.lengthDelimited): requestID = try reader.readString()
            case (requestFingerprintField, BinaryWriter.lengthDelimited): fingerprint = try readFingerprint(&reader)
            default: try fields.read(field: field, wire: wire, from: &reader)
            }
        }
        let kind: EventKind
        do {
            kind = try decodeBody(tag, fields)
        } catch let error as EventDecodingError {
            throw error
        } catch let error as DomainError {
            throw EventDecodingError("an event of type \(tag) holds an invalid value: \(error)")
        } catch {
            throw EventDecodingError("\(error)")
        }
        return Event(kind: kind, recordedAtMicroseconds: recordedAt, peerUID: peerUID, requestID: requestID, requestFingerprint: fingerprint)
    }

    /// The events that make up nearly all of a log, decoded in one pass without intermediate
    /// collections: the replay speed depends on them. A twin of the general decoder, kept because
    /// it wins: `clusterd-bench twins` read the replay mix at 3.65 million events/s with it and
    /// 0.73 million with the general decoder alone (5.0 ×, 2026-12-06). The event fuzz target
    /// holds the two to the same events.
    private static func decodeHot(_ tag: TypeTag, _ reader: inout BinaryReader) throws(EventDecodingError) -> Event {
        var recordedAt: Int64 = 0
        var peerUID: UInt32 = 0
        var requestID: String?
        var fingerprint: RequestFingerprint?
        var siren: SIREN?
        var text8: String?
        var name: String?
        var naf: NAFCode?
        var department: Department?
        var employees: Int64?
        var turnover: Int64?
        var declared: SizeCategory?
        var date: CalendarDate?
        var effectiveOn: CalendarDate?
        while let (field, wire) = try reader.readKey() {
            switch (field, wire) {
            case (recordedAtField, BinaryWriter.varint): recordedAt = BinaryReader.signed(try reader.readRawVarint())
            case (peerUIDField, BinaryWriter.varint): peerUID = UInt32(truncatingIfNeeded: try reader.readRawVarint())
            case (requestIDField, BinaryWriter.lengthDelimited): requestID = try reader.readString()
            case (requestFingerprintField, BinaryWriter.lengthDelimited): fingerprint = try readFingerprint(&reader)
            case (8, BinaryWriter.varint) where tag != .membershipStarted:
                siren = try checkedSIREN(try reader.readRawVarint(), field: 8)
            case (8, BinaryWriter.lengthDelimited) where tag == .membershipStarted:
                text8 = try reader.readString()
            case (9, BinaryWriter.lengthDelimited) where tag != .membershipStarted:
                name = try reader.readString()
            case (9, BinaryWriter.varint) where tag == .membershipStarted:
                siren = try checkedSIREN(try reader.readRawVarint(), field: 9)
            case (10, BinaryWriter.lengthDelimited) where tag != .membershipStarted:
                let bytes = try reader.readLengthDelimited()
                guard let code = FastLookup.naf(bytes) else { throw EventDecodingError("a company event holds an unknown NAF code") }
                naf = code
            case (10, BinaryWriter.varint) where tag == .membershipStarted:
                date = CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: BinaryReader.signed(try reader.readRawVarint())))
            case (11, BinaryWriter.lengthDelimited) where tag != .membershipStarted:
                let bytes = try reader.readLengthDelimited()
                guard let code = FastLookup.department(bytes) else { throw EventDecodingError("a company event holds an unknown department") }
                department = code
            case (12, BinaryWriter.varint) where tag != .membershipStarted:
                guard let count = Int64(exactly: try reader.readRawVarint()) else { throw EventDecodingError("an employee count is out of range") }
                employees = count
            case (13, BinaryWriter.varint) where tag != .membershipStarted:
                turnover = BinaryReader.signed(try reader.readRawVarint())
            case (14, BinaryWriter.lengthDelimited) where tag != .membershipStarted:
                guard let category = SizeCategory(rawValue: try reader.readString()) else {
                    throw EventDecodingError("a company event holds an unknown size category")
                }
                declared = category
            case (15, BinaryWriter.varint) where tag == .companyUpdated:
                effectiveOn = CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: BinaryReader.signed(try reader.readRawVarint())))
            default:
                try reader.skip(wire: wire)
            }
        }
        let kind: EventKind
        if tag == .membershipStarted {
            guard let text8, let siren, let date else { throw EventDecodingError("a MembershipStarted event lacks a required field") }
            // Checked as the general decoder checks it: a log handed in may be crafted.
            let cluster: Slug
            do {
                cluster = try Slug(text8, field: "cluster")
            } catch {
                throw EventDecodingError("an event of type \(tag) holds an invalid value: \(error)")
            }
            kind = .membershipStarted(cluster: cluster, siren: siren, date: date)
        } else {
            guard let siren, let name, let naf, let department, let employees else {
                throw EventDecodingError("a company event lacks a required field")
            }
            let record = CompanyRecord(siren: siren, name: name, naf: naf, department: department, employees: employees, turnoverEUR: turnover, declaredCategory: declared)
            kind = tag == .companyRegistered ? .companyRegistered(record) : .companyUpdated(record, effectiveOn: effectiveOn)
        }
        return Event(kind: kind, recordedAtMicroseconds: recordedAt, peerUID: peerUID, requestID: requestID, requestFingerprint: fingerprint)
    }

    /// The 16 bytes of a request fingerprint; any other length makes the event undecodable.
    private static func readFingerprint(_ reader: inout BinaryReader) throws(EventDecodingError) -> RequestFingerprint {
        guard let fingerprint = RequestFingerprint(bytes: try reader.readLengthDelimited()) else {
            throw EventDecodingError("a request fingerprint is not 16 bytes long")
        }
        return fingerprint
    }

    /// A SIREN field read by `decodeHot`, refused as the general decoder refuses it.
    private static func checkedSIREN(_ value: UInt64, field: UInt64) throws(EventDecodingError) -> SIREN {
        guard let siren = FastLookup.siren(value) else {
            throw EventDecodingError("field \(field) holds \(value), which is no SIREN (nine digits and a valid Luhn check digit)")
        }
        return siren
    }

    static func tag(of kind: EventKind) -> TypeTag {
        switch kind {
        case .clusterRegistered: return .clusterRegistered
        case .clusterUpdated: return .clusterUpdated
        case .clusterDissolved: return .clusterDissolved
        case .companyRegistered: return .companyRegistered
        case .companyUpdated: return .companyUpdated
        case .membershipStarted: return .membershipStarted
        case .membershipEnded: return .membershipEnded
        case .partnerLinked: return .partnerLinked
        case .surveyDefined: return .surveyDefined
        case .surveyClosed: return .surveyClosed
        case .responseSubmitted: return .responseSubmitted
        case .snapshotTaken: return .snapshotTaken
        case .testerEnrolled: return .testerEnrolled
        case .contactAdded: return .contactAdded
        case .personRectified: return .personRectified
        case .personErased: return .personErased
        case .campaignOpened: return .campaignOpened
        case .testerParticipated: return .testerParticipated
        case .consentWithdrawn: return .consentWithdrawn
        case .privacyRequestReceived: return .privacyRequestReceived
        case .privacyRequestAnswered: return .privacyRequestAnswered
        case .projectProposed: return .projectProposed
        case .projectStatusChanged: return .projectStatusChanged
        case .fundingCommitted: return .fundingCommitted
        case .commitmentRevised: return .commitmentRevised
        case .fundingDisbursed: return .fundingDisbursed
        }
    }

    private static func encodeBody(_ kind: EventKind, into writer: inout BinaryWriter) {
        switch kind {
        case .clusterRegistered(let record), .clusterUpdated(let record):
            writer.writeString(8, record.id.text)
            writer.writeString(9, record.name)
            for region in record.regions { writer.writeString(10, region.code) }
            for department in record.departments { writer.writeString(11, department.code) }
            if let section = record.nafSection { writer.writeString(12, section.description) }
            if let founded = record.founded { writer.writeSigned(13, Int64(founded.daysSinceEpoch)) }
            if let siret = record.siret { writer.writeString(14, siret.description) }
        case .clusterDissolved(let cluster, let date):
            writer.writeString(8, cluster.text)
            writer.writeSigned(9, Int64(date.daysSinceEpoch))
        case .companyRegistered(let record), .companyUpdated(let record, _):
            writer.writeUnsigned(8, UInt64(record.siren.value))
            writer.writeString(9, record.name)
            writer.writeString(10, record.naf.code)
            writer.writeString(11, record.department.code)
            writer.writeUnsigned(12, UInt64(record.employees))
            if let turnover = record.turnoverEUR { writer.writeSigned(13, turnover) }
            if let declared = record.declaredCategory { writer.writeString(14, declared.rawValue) }
            if case .companyUpdated(_, let effectiveOn?) = kind { writer.writeSigned(15, Int64(effectiveOn.daysSinceEpoch)) }
        case .membershipStarted(let cluster, let siren, let date):
            writer.writeString(8, cluster.text)
            writer.writeUnsigned(9, UInt64(siren.value))
            writer.writeSigned(10, Int64(date.daysSinceEpoch))
        case .membershipEnded(let cluster, let siren, let date, let reason):
            writer.writeString(8, cluster.text)
            writer.writeUnsigned(9, UInt64(siren.value))
            writer.writeSigned(10, Int64(date.daysSinceEpoch))
            if let reason { writer.writeString(11, reason) }
        case .partnerLinked(let cluster, let partner):
            writer.writeString(8, cluster.text)
            writer.writeString(9, partner.id.text)
            writer.writeString(10, partner.name)
            writer.writeString(11, partner.kind.rawValue)
            if let siret = partner.siret { writer.writeString(12, siret.description) }
        case .surveyDefined(let survey):
            writer.writeString(8, survey.id.text)
            writer.writeString(9, survey.title)
            writer.writeMessage(10) { encodeTimestamp(survey.opensAt, into: &$0) }
            writer.writeMessage(11) { encodeTimestamp(survey.closesAt, into: &$0) }
            for question in survey.questions {
                writer.writeMessage(12) { nested in
                    nested.writeString(1, question.id.text)
                    nested.writeString(2, question.text)
                    nested.writeString(3, question.kind.rawValue)
                    for option in question.options { nested.writeString(4, option) }
                    if let minimum = question.minimum { nested.writeSigned(5, minimum) }
                    if let maximum = question.maximum { nested.writeSigned(6, maximum) }
                    nested.writeBool(7, question.required)
                }
            }
        case .surveyClosed(let survey):
            writer.writeString(8, survey.text)
        case .snapshotTaken(let sequence, let digest):
            writer.writeUnsigned(8, sequence)
            writer.writeBytes(9, digest)
        case .testerEnrolled(let person, let facts, let fields):
            writer.writeBytes(8, person.bytes)
            writer.writeString(9, facts.cluster.text)
            writer.writeString(10, facts.department.code)
            writer.writeSigned(11, Int64(facts.enrolledOn.daysSinceEpoch))
            writer.writeString(12, facts.ageBandAtEnrolment.rawValue)
            encodeSealed(fields, into: &writer)
            writer.writeMessage(14) { nested in
                nested.writeString(1, facts.consent.purpose)
                nested.writeString(2, facts.consent.textVersion)
                nested.writeSigned(3, Int64(facts.consent.givenOn.daysSinceEpoch))
                nested.writeString(4, facts.consent.channel.rawValue)
            }
        case .contactAdded(let person, let siren, let fields):
            writer.writeBytes(8, person.bytes)
            writer.writeUnsigned(9, UInt64(siren.value))
            encodeSealed(fields, into: &writer)
        case .personRectified(let person, let fields, let department, let ageBand):
            writer.writeBytes(8, person.bytes)
            if let department { writer.writeString(10, department.code) }
            if let ageBand { writer.writeString(12, ageBand.rawValue) }
            encodeSealed(fields, into: &writer)
        case .personErased(let person, let reason):
            writer.writeBytes(8, person.bytes)
            if let reason { writer.writeString(9, reason) }
        case .campaignOpened(let record):
            writer.writeString(8, record.id.text)
            writer.writeString(9, record.cluster.text)
            writer.writeString(10, record.kind.rawValue)
            writer.writeUnsigned(11, UInt64(record.siren.value))
            writer.writeString(12, record.title)
            writer.writeSigned(13, Int64(record.startsOn.daysSinceEpoch))
            writer.writeSigned(14, Int64(record.endsOn.daysSinceEpoch))
        case .testerParticipated(let person, let campaign, let participation):
            writer.writeBytes(8, person.bytes)
            writer.writeString(9, campaign.text)
            writer.writeSigned(10, Int64(participation.on.daysSinceEpoch))
            writer.writeString(11, participation.ageBand.rawValue)
            if let rating = participation.rating { writer.writeUnsigned(12, UInt64(rating)) }
            if let comment = participation.comment { encodeSealed([SealedField(name: .comment, sealed: comment)], into: &writer) }
        case .consentWithdrawn(let person, let withdrawal):
            writer.writeBytes(8, person.bytes)
            writer.writeSigned(9, Int64(withdrawal.on.daysSinceEpoch))
            writer.writeString(10, withdrawal.channel.rawValue)
        case .privacyRequestReceived(let person, let record):
            writer.writeBytes(8, person.bytes)
            writer.writeString(9, record.right.rawValue)
            writer.writeSigned(10, Int64(record.receivedOn.daysSinceEpoch))
            writer.writeString(11, record.channel.rawValue)
        case .privacyRequestAnswered(let person, let request, let outcome, let reason):
            writer.writeBytes(8, person.bytes)
            writer.writeUnsigned(9, request)
            writer.writeString(10, outcome.rawValue)
            if let reason { writer.writeString(11, reason) }
        case .projectProposed(let record):
            writer.writeString(8, record.id.text)
            writer.writeString(9, record.title)
            writer.writeString(10, record.leadCluster.text)
            for cluster in record.otherClusters { writer.writeString(11, cluster.text) }
            for region in record.regions { writer.writeString(12, region.code) }
            for department in record.departments { writer.writeString(13, department.code) }
            writer.writeSigned(14, Int64(record.startsOn.daysSinceEpoch))
            writer.writeSigned(15, Int64(record.endsOn.daysSinceEpoch))
            if let description = record.description { writer.writeString(16, description) }
            for company in record.companies {
                writer.writeMessage(17) { nested in
                    nested.writeUnsigned(1, UInt64(company.siren.value))
                    nested.writeString(2, company.role.rawValue)
                }
            }
            for participant in record.partners {
                writer.writeMessage(18) { nested in
                    nested.writeString(1, participant.partner.id.text)
                    nested.writeString(2, participant.partner.name)
                    nested.writeString(3, participant.partner.kind.rawValue)
                    nested.writeString(4, participant.role.rawValue)
                    if let siret = participant.partner.siret { nested.writeString(5, siret.description) }
                }
            }
            writer.writeSigned(19, Int64(record.proposedOn.daysSinceEpoch))
        case .projectStatusChanged(let project, let status, let on, let reason):
            writer.writeString(8, project.text)
            writer.writeString(9, status.rawValue)
            writer.writeSigned(10, Int64(on.daysSinceEpoch))
            if let reason { writer.writeString(11, reason) }
        case .fundingCommitted(let record):
            writer.writeString(8, record.id.text)
            writer.writeString(9, record.project.text)
            writer.writeString(10, record.instrument.rawValue)
            writer.writeMessage(11) { nested in
                nested.writeString(1, record.grantor.name)
                nested.writeString(2, record.grantor.siret.description)
                nested.writeString(3, record.grantor.kind.rawValue)
            }
            writer.writeUnsigned(12, UInt64(record.amountCents))
            writer.writeSigned(13, Int64(record.agreedOn.daysSinceEpoch))
            writer.writeString(14, record.decisionReference)
            writer.writeString(15, record.object)
            writer.writeString(16, record.nature.rawValue)
            writer.writeMessage(17) { nested in
                nested.writeString(1, record.paymentTerms.kind)
                if let text = record.paymentTerms.text { nested.writeString(2, text) }
            }
            writer.writeSigned(18, Int64(record.plannedPayment.from.daysSinceEpoch))
            if let to = record.plannedPayment.to { writer.writeSigned(19, Int64(to.daysSinceEpoch)) }
            writer.writeBool(20, record.notifiedEU)
            for beneficiary in record.beneficiaries {
                writer.writeMessage(21) { nested in
                    nested.writeString(1, beneficiary.party.kind)
                    switch beneficiary.party {
                    case .company(let siret): nested.writeString(2, siret.description)
                    case .cluster(let cluster): nested.writeString(3, cluster.text)
                    case .association(let rna, let name, let siret):
                        nested.writeString(4, rna.description)
                        nested.writeString(5, name)
                        if let siret { nested.writeString(2, siret.description) }
                    }
                    nested.writeUnsigned(6, UInt64(beneficiary.sharePercent))
                }
            }
            if let rae = record.raeID { writer.writeString(22, rae) }
            if let scheme = record.aidScheme { writer.writeString(23, scheme) }
        case .commitmentRevised(let commitment, let amount, let on, let reason):
            writer.writeString(8, commitment.text)
            writer.writeUnsigned(9, UInt64(amount))
            writer.writeSigned(10, Int64(on.daysSinceEpoch))
            writer.writeString(11, reason)
        case .fundingDisbursed(let commitment, let amount, let on, let reference):
            writer.writeString(8, commitment.text)
            writer.writeUnsigned(9, UInt64(amount))
            writer.writeSigned(10, Int64(on.daysSinceEpoch))
            if let reference { writer.writeString(11, reference) }
        case .responseSubmitted(let survey, let siren, let submittedAt, let answers):
            writer.writeString(8, survey.text)
            writer.writeUnsigned(9, UInt64(siren.value))
            writer.writeMessage(10) { encodeTimestamp(submittedAt, into: &$0) }
            for question in answers.keys.sorted() {
                writer.writeMessage(11) { nested in
                    nested.writeString(1, question.text)
                    switch answers[question]! {
                    case .yesNo(let yes):
                        nested.writeUnsigned(5, 1)
                        nested.writeBool(2, yes)
                    case .choice(let option):
                        nested.writeUnsigned(5, 2)
                        nested.writeString(3, option)
                    case .choices(let options):
                        nested.writeUnsigned(5, 3)
                        for option in options { nested.writeString(4, option) }
                    case .integer(let value):
                        nested.writeUnsigned(5, 4)
                        nested.writeSigned(6, value)
                    }
                }
            }
        }
    }

    /// Field 13 of the people's events: one message per personal field, 1 its name, 2 its sealed
    /// value.
    private static func encodeSealed(_ fields: [SealedField], into writer: inout BinaryWriter) {
        for field in fields {
            writer.writeMessage(13) { nested in
                nested.writeString(1, field.name.rawValue)
                nested.writeBytes(2, field.sealed)
            }
        }
    }

    private static func decodeSealed(_ fields: FieldBag) throws -> [SealedField] {
        try fields.messages(13).map { message in
            let name = try message.string(1)
            guard let field = PersonalFieldName(rawValue: name) else { throw EventDecodingError("unknown personal field '\(name)'") }
            guard let sealed = message.optionalBytes(2) else { throw EventDecodingError("personal field \(name) has no value") }
            return SealedField(name: field, sealed: sealed)
        }
    }

    private static func person(_ fields: FieldBag) throws -> PersonID {
        guard let bytes = fields.optionalBytes(8), let person = PersonID(bytes: bytes) else {
            throw EventDecodingError("a person id (field 8) must be 16 bytes, not all zeros")
        }
        return person
    }

    private static func encodeTimestamp(_ timestamp: Timestamp, into writer: inout BinaryWriter) {
        writer.writeSigned(1, timestamp.microsecondsSinceEpoch)
        writer.writeSigned(2, Int64(timestamp.offsetMinutes))
    }

    private static func decodeBody(_ tag: TypeTag, _ fields: FieldBag) throws -> EventKind {
        switch tag {
        case .clusterRegistered, .clusterUpdated:
            let record = ClusterRecord(
                id: try Slug(fields.string(8), field: "id"),
                name: try fields.string(9),
                regions: try fields.strings(10).map { try Region($0) },
                departments: try fields.strings(11).map { try Department($0) },
                nafSection: try fields.optionalString(12).map { try NAFSection($0) },
                founded: fields.optionalSigned(13).map { CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: $0)) },
                siret: try fields.optionalString(14).map { try SIRET($0) }
            )
            return tag == .clusterRegistered ? .clusterRegistered(record) : .clusterUpdated(record)
        case .clusterDissolved:
            return .clusterDissolved(cluster: try Slug(fields.string(8), field: "cluster"), date: try fields.date(9))
        case .companyRegistered, .companyUpdated:
            let record = CompanyRecord(
                siren: try fields.siren(8),
                name: try fields.string(9),
                naf: try NAFCode(fields.string(10)),
                department: try Department(fields.string(11)),
                employees: try employees(fields.unsigned(12)),
                turnoverEUR: fields.optionalSigned(13),
                declaredCategory: try fields.optionalString(14).map { try SizeCategory($0) }
            )
            let effectiveOn = fields.optionalSigned(15).map { CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: $0)) }
            return tag == .companyRegistered ? .companyRegistered(record) : .companyUpdated(record, effectiveOn: effectiveOn)
        case .membershipStarted:
            return .membershipStarted(cluster: try Slug(fields.string(8), field: "cluster"), siren: try fields.siren(9), date: try fields.date(10))
        case .membershipEnded:
            return .membershipEnded(
                cluster: try Slug(fields.string(8), field: "cluster"),
                siren: try fields.siren(9),
                date: try fields.date(10),
                reason: try fields.optionalString(11)
            )
        case .partnerLinked:
            return .partnerLinked(
                cluster: try Slug(fields.string(8), field: "cluster"),
                partner: Partner(
                    id: try Slug(fields.string(9), field: "partner_id"), name: try fields.string(10), kind: try PartnerKind(fields.string(11)),
                    siret: try fields.optionalString(12).map { try SIRET($0) }
                )
            )
        case .surveyDefined:
            return .surveyDefined(
                SurveyDefinition(
                    id: try Slug(fields.string(8), field: "id"),
                    title: try fields.string(9),
                    opensAt: try fields.timestamp(10),
                    closesAt: try fields.timestamp(11),
                    questions: try fields.messages(12).map(decodeQuestion)
                )
            )
        case .surveyClosed:
            return .surveyClosed(survey: try Slug(fields.string(8), field: "id"))
        case .snapshotTaken:
            guard let digest = fields.optionalBytes(9), digest.count == 32 else { throw EventDecodingError("a snapshot's SHA-256 (field 9) must have 32 bytes") }
            return .snapshotTaken(sequence: try fields.unsigned(8), sha256: digest)
        case .testerEnrolled:
            guard let consent = try fields.messages(14).last else { throw EventDecodingError("a tester's consent (field 14) is missing") }
            let facts = TesterFacts(
                cluster: try Slug(fields.string(9), field: "cluster"),
                department: try Department(fields.string(10)),
                enrolledOn: try fields.date(11),
                ageBandAtEnrolment: try AgeBand(fields.string(12)),
                consent: Consent(
                    purpose: try consent.string(1),
                    textVersion: try consent.string(2),
                    givenOn: try consent.date(3),
                    channel: try ConsentChannel(consent.string(4))
                )
            )
            return .testerEnrolled(person: try person(fields), facts, fields: try decodeSealed(fields))
        case .contactAdded:
            return .contactAdded(person: try person(fields), siren: try fields.siren(9), fields: try decodeSealed(fields))
        case .personRectified:
            return .personRectified(
                person: try person(fields), fields: try decodeSealed(fields), department: try fields.optionalString(10).map { try Department($0) },
                ageBand: try fields.optionalString(12).map { try AgeBand($0) }
            )
        case .personErased:
            return .personErased(person: try person(fields), reason: try fields.optionalString(9))
        case .campaignOpened:
            return .campaignOpened(
                CampaignRecord(
                    id: try Slug(fields.string(8), field: "id"), cluster: try Slug(fields.string(9), field: "cluster"),
                    kind: try CampaignKind(fields.string(10)), siren: try fields.siren(11), title: try fields.string(12),
                    startsOn: try fields.date(13), endsOn: try fields.date(14)
                )
            )
        case .testerParticipated:
            let sealed = try decodeSealed(fields)
            guard sealed.allSatisfy({ $0.name == .comment }), sealed.count <= 1 else {
                throw EventDecodingError("a participation's only personal field is one comment")
            }
            var rating: Int?
            if let value = fields.optionalUnsigned(12) {
                guard let int = Int(exactly: value), Participation.ratings.contains(int) else { throw EventDecodingError("a rating (field 12) is 1 to 5, not \(value)") }
                rating = int
            }
            return .testerParticipated(
                person: try person(fields), campaign: try Slug(fields.string(9), field: "campaign"),
                Participation(on: try fields.date(10), ageBand: try AgeBand(fields.string(11)), rating: rating, comment: sealed.first?.sealed)
            )
        case .consentWithdrawn:
            return .consentWithdrawn(person: try person(fields), Withdrawal(on: try fields.date(9), channel: try ConsentChannel(fields.string(10))))
        case .privacyRequestReceived:
            return .privacyRequestReceived(
                person: try person(fields),
                PrivacyRequestRecord(right: try PrivacyRight(fields.string(9)), receivedOn: try fields.date(10), channel: try ConsentChannel(fields.string(11)))
            )
        case .privacyRequestAnswered:
            return .privacyRequestAnswered(
                person: try person(fields), request: try fields.unsigned(9), outcome: try PrivacyOutcome(fields.string(10)), reason: try fields.optionalString(11)
            )
        case .projectProposed:
            return .projectProposed(
                ProjectRecord(
                    id: try Slug(fields.string(8), field: "id"), title: try fields.string(9), leadCluster: try Slug(fields.string(10), field: "lead_cluster"),
                    otherClusters: try fields.strings(11).map { try Slug($0, field: "clusters") }, regions: try fields.strings(12).map { try Region($0) },
                    departments: try fields.strings(13).map { try Department($0) }, startsOn: try fields.date(14), endsOn: try fields.date(15),
                    description: try fields.optionalString(16), proposedOn: try fields.date(19),
                    companies: try fields.messages(17).map { message in
                        ProjectCompany(siren: try message.siren(1), role: try ProjectRole(message.string(2)))
                    },
                    partners: try fields.messages(18).map { message in
                        ProjectPartner(
                            partner: Partner(
                                id: try Slug(message.string(1), field: "partner_id"), name: try message.string(2), kind: try PartnerKind(message.string(3)),
                                siret: try message.optionalString(5).map { try SIRET($0) }
                            ),
                            role: try ProjectRole(message.string(4))
                        )
                    }
                )
            )
        case .projectStatusChanged:
            return .projectStatusChanged(
                project: try Slug(fields.string(8), field: "project"), status: try ProjectStatus(fields.string(9)), on: try fields.date(10),
                reason: try fields.optionalString(11)
            )
        case .fundingCommitted:
            guard let grantor = try fields.messages(11).last else { throw EventDecodingError("a commitment's grantor (field 11) is missing") }
            guard let terms = try fields.messages(17).last else { throw EventDecodingError("a commitment's payment terms (field 17) are missing") }
            return .fundingCommitted(
                CommitmentRecord(
                    id: try Slug(fields.string(8), field: "id"), project: try Slug(fields.string(9), field: "project"),
                    instrument: try FundingInstrument(fields.string(10)),
                    grantor: Funder(name: try grantor.string(1), siret: try SIRET(grantor.string(2)), kind: try PartnerKind(grantor.string(3))),
                    amountCents: try cents(fields.unsigned(12)), agreedOn: try fields.date(13), decisionReference: try fields.string(14),
                    object: try fields.string(15), nature: try FundingNature(fields.string(16)),
                    paymentTerms: try PaymentTerms(kind: terms.string(1), text: terms.optionalString(2)),
                    plannedPayment: PaymentPeriod(from: try fields.date(18), to: fields.optionalSigned(19).map { CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: $0)) }),
                    notifiedEU: (fields.optionalUnsigned(20) ?? 0) != 0,
                    beneficiaries: try fields.messages(21).map(decodeBeneficiary),
                    raeID: try fields.optionalString(22), aidScheme: try fields.optionalString(23)
                )
            )
        case .commitmentRevised:
            return .commitmentRevised(
                commitment: try Slug(fields.string(8), field: "commitment"), amountCents: try cents(fields.unsigned(9)), on: try fields.date(10),
                reason: try fields.string(11)
            )
        case .fundingDisbursed:
            return .fundingDisbursed(
                commitment: try Slug(fields.string(8), field: "commitment"), amountCents: try cents(fields.unsigned(9)), on: try fields.date(10),
                reference: try fields.optionalString(11)
            )
        case .responseSubmitted:
            var answers: [Slug: Answer] = [:]
            for message in try fields.messages(11) {
                let (question, answer) = try decodeAnswer(message)
                answers[question] = answer
            }
            return .responseSubmitted(
                survey: try Slug(fields.string(8), field: "survey"),
                siren: try fields.siren(9),
                submittedAt: try fields.timestamp(10),
                answers: answers
            )
        }
    }

    /// An amount in cents, as a write allows it.
    private static func cents(_ value: UInt64) throws -> Int64 {
        guard value <= UInt64(Money.maximumCents) else { throw EventDecodingError("an amount of \(value) cents is above the most one amount may state") }
        return Int64(value)
    }

    private static func decodeBeneficiary(_ fields: FieldBag) throws -> Beneficiary {
        let kind = try fields.string(1)
        let party: BeneficiaryParty
        switch kind {
        case "company": party = .company(try SIRET(fields.string(2)))
        case "cluster": party = .cluster(try Slug(fields.string(3), field: "cluster"))
        case "association":
            party = .association(rna: try RNA(fields.string(4)), name: try fields.string(5), siret: try fields.optionalString(2).map { try SIRET($0) })
        default: throw EventDecodingError("a beneficiary's kind is company, cluster or association, not '\(kind)'")
        }
        guard let share = fields.optionalUnsigned(6), (1...100).contains(share) else { throw EventDecodingError("a beneficiary's share (field 6) is 1 to 100 percent") }
        return Beneficiary(party: party, sharePercent: Int(share))
    }

    private static func employees(_ value: UInt64) throws -> Int64 {
        guard let employees = Int64(exactly: value) else { throw EventDecodingError("an employee count is out of range") }
        return employees
    }

    private static func decodeQuestion(_ fields: FieldBag) throws -> Question {
        guard let kind = QuestionKind(rawValue: try fields.string(3)) else { throw EventDecodingError("unknown question kind") }
        return Question(
            id: try Slug(fields.string(1), field: "question"),
            text: try fields.string(2),
            kind: kind,
            options: try fields.strings(4),
            minimum: fields.optionalSigned(5),
            maximum: fields.optionalSigned(6),
            required: (fields.optionalUnsigned(7) ?? 0) != 0
        )
    }

    private static func decodeAnswer(_ fields: FieldBag) throws -> (Slug, Answer) {
        let question = try Slug(fields.string(1), field: "question")
        switch fields.optionalUnsigned(5) {
        case 1: return (question, .yesNo((fields.optionalUnsigned(2) ?? 0) != 0))
        case 2: return (question, .choice(try fields.string(3)))
        case 3: return (question, .choices(try fields.strings(4)))
        case 4: return (question, .integer(fields.optionalSigned(6) ?? 0))
        default: throw EventDecodingError("an answer to \(question) has an unknown kind")
        }
    }
}

/// The fields of one message, gathered by number (repeated fields keep their order).
struct FieldBag {
    private var varints: [UInt64: [UInt64]] = [:]
    private var blobs: [UInt64: [[UInt8]]] = [:]

    init() {}

    init(_ bytes: UnsafeRawBufferPointer) throws(EventDecodingError) {
        var reader = BinaryReader(bytes)
        while let (field, wire) = try reader.readKey() {
            try read(field: field, wire: wire, from: &reader)
        }
    }

    mutating func read(field: UInt64, wire: UInt64, from reader: inout BinaryReader) throws(EventDecodingError) {
        switch wire {
        case BinaryWriter.varint: varints[field, default: []].append(try reader.readRawVarint())
        case BinaryWriter.lengthDelimited: blobs[field, default: []].append(Array(try reader.readLengthDelimited()))
        default: try reader.skip(wire: wire)
        }
    }

    func string(_ field: UInt64) throws -> String {
        guard let value = try optionalString(field) else { throw EventDecodingError("required field \(field) is missing") }
        return value
    }

    func optionalString(_ field: UInt64) throws -> String? {
        guard let bytes = blobs[field]?.last else { return nil }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw EventDecodingError("field \(field) is not valid UTF-8") }
        return string
    }

    func strings(_ field: UInt64) throws -> [String] {
        try (blobs[field] ?? []).map { bytes in
            guard let string = String(validating: bytes, as: UTF8.self) else { throw EventDecodingError("field \(field) is not valid UTF-8") }
            return string
        }
    }

    func unsigned(_ field: UInt64) throws -> UInt64 {
        guard let value = optionalUnsigned(field) else { throw EventDecodingError("required field \(field) is missing") }
        return value
    }

    func optionalUnsigned(_ field: UInt64) -> UInt64? { varints[field]?.last }

    /// The bytes of a length-delimited field, as they are.
    func optionalBytes(_ field: UInt64) -> [UInt8]? { blobs[field]?.last }
    func optionalSigned(_ field: UInt64) -> Int64? { varints[field]?.last.map(BinaryReader.signed) }

    func date(_ field: UInt64) throws -> CalendarDate {
        guard let days = optionalSigned(field) else { throw EventDecodingError("required date field \(field) is missing") }
        return CalendarDate(daysSinceEpoch: Int32(truncatingIfNeeded: days))
    }

    func siren(_ field: UInt64) throws -> SIREN {
        let value = try unsigned(field)
        guard value <= 999_999_999 else { throw EventDecodingError("field \(field) is no SIREN") }
        let digits = String(value)
        return try SIREN(String(repeating: "0", count: 9 - digits.count) + digits)
    }

    func messages(_ field: UInt64) throws -> [FieldBag] {
        try (blobs[field] ?? []).map { bytes in try bytes.withUnsafeBytes { try FieldBag($0) } }
    }

    func timestamp(_ field: UInt64) throws -> Timestamp {
        guard let bytes = blobs[field]?.last else { throw EventDecodingError("required time field \(field) is missing") }
        let nested = try bytes.withUnsafeBytes { try FieldBag($0) }
        return Timestamp(
            microsecondsSinceEpoch: nested.optionalSigned(1) ?? 0,
            offsetMinutes: Int16(truncatingIfNeeded: nested.optionalSigned(2) ?? 0)
        )
    }
}
