/// What a write asked for, as 16 bytes: the first half of the SHA-256 of `canonicalBytes`, the
/// canonical encoding of its method, its commands and its expected sequence number (the daemon
/// hashes them: `RequestKey`; the model does no cryptography).
///
/// Stored beside the request id on the last event of a request, so that a retry with the same id
/// but other content is told apart from a true retry, also after a restart (docs/api.md,
/// "Request ids"). Canonical: two requests that decode to the same commands (a SIREN written
/// with or without spaces, the members of an object in any order) have the same fingerprint.
/// The encoding is fixed: changing it would make every stored request look reused.
public struct RequestFingerprint: Sendable, Hashable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The bytes whose SHA-256 a request's fingerprint is: unambiguous, and the same for requests
    /// that decode to the same commands.
    public static func canonicalBytes(method: String, commands: [Command], expectedSequence: UInt64?) -> [UInt8] {
        var canonical = CanonicalBytes()
        canonical.byte(1)  // the encoding's version
        canonical.string(method)
        canonical.optional(expectedSequence) { $0.unsigned($1) }
        canonical.list(commands) { $0.command($1) }
        return canonical.bytes
    }

    /// Its 16 bytes, most significant first (the codec's form).
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// Reads the 16 bytes `bytes` wrote; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        let values = Array(bytes)
        self.init(high: values[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, low: values[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// An unambiguous byte form of commands: every value behind its kind, strings and lists behind
/// their length, optionals behind a presence byte, dictionaries in key order.
private struct CanonicalBytes {
    /// The event codec's writer: its varints (LEB128) are the canonical form's integers.
    private var writer = BinaryWriter(capacity: 128)

    var bytes: [UInt8] { writer.bytes }

    mutating func byte(_ value: UInt8) { writer.bytes.append(value) }

    mutating func unsigned(_ value: UInt64) { writer.writeRawVarint(value) }

    mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func string(_ value: String) {
        unsigned(UInt64(value.utf8.count))
        writer.bytes.append(contentsOf: value.utf8)
    }

    mutating func bool(_ value: Bool) { byte(value ? 1 : 0) }

    mutating func optional<Value>(_ value: Value?, _ body: (inout Self, Value) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        body(&self, value)
    }

    /// A field added after requests were first fingerprinted: written only when present,
    /// behind a marker no command starts with, so that a request without it keeps the
    /// fingerprint it always had.
    mutating func addedField<Value>(_ value: Value?, _ body: (inout Self, Value) -> Void) {
        guard let value else { return }
        byte(0xFE)
        body(&self, value)
    }

    mutating func list<Element>(_ values: [Element], _ body: (inout Self, Element) -> Void) {
        unsigned(UInt64(values.count))
        for value in values { body(&self, value) }
    }

    mutating func date(_ date: CalendarDate) { signed(Int64(date.daysSinceEpoch)) }

    mutating func timestamp(_ time: Timestamp) {
        signed(time.microsecondsSinceEpoch)
        signed(Int64(time.offsetMinutes))
    }

    mutating func command(_ command: Command) {
        switch command {
        case .registerCluster(let record):
            byte(1)
            cluster(record)
        case .updateCluster(let patch):
            byte(2)
            string(patch.id.text)
            optional(patch.name) { $0.string($1) }
            optional(patch.regions) { $0.list($1) { $0.string($1.code) } }
            optional(patch.departments) { $0.list($1) { $0.string($1.code) } }
            optional(patch.nafSection) { $0.string(String($1.letter)) }
            optional(patch.founded) { $0.date($1) }
            addedField(patch.siret) { $0.string($1.description) }
        case .dissolveCluster(let id, let date):
            byte(3)
            string(id.text)
            self.date(date)
        case .registerCompany(let record):
            byte(4)
            unsigned(UInt64(record.siren.value))
            string(record.name)
            string(record.naf.code)
            string(record.department.code)
            signed(record.employees)
            optional(record.turnoverEUR) { $0.signed($1) }
            optional(record.declaredCategory) { $0.string($1.rawValue) }
        case .updateCompany(let patch):
            byte(5)
            unsigned(UInt64(patch.siren.value))
            optional(patch.name) { $0.string($1) }
            optional(patch.naf) { $0.string($1.code) }
            optional(patch.department) { $0.string($1.code) }
            optional(patch.employees) { $0.signed($1) }
            optional(patch.turnoverEUR) { $0.signed($1) }
            optional(patch.declaredCategory) { $0.string($1.rawValue) }
            // Only when given, so that fingerprints of updates without it stay what they were.
            if let effectiveOn = patch.effectiveOn {
                byte(1)
                self.date(effectiveOn)
            }
        case .joinCluster(let cluster, let siren, let date):
            byte(6)
            string(cluster.text)
            unsigned(UInt64(siren.value))
            self.date(date)
        case .leaveCluster(let cluster, let siren, let date, let reason):
            byte(7)
            string(cluster.text)
            unsigned(UInt64(siren.value))
            self.date(date)
            optional(reason) { $0.string($1) }
        case .linkPartner(let cluster, let partner):
            byte(8)
            string(cluster.text)
            string(partner.id.text)
            string(partner.name)
            string(partner.kind.rawValue)
            addedField(partner.siret) { $0.string($1.description) }
        case .defineSurvey(let survey):
            byte(9)
            string(survey.id.text)
            string(survey.title)
            timestamp(survey.opensAt)
            timestamp(survey.closesAt)
            list(survey.questions) { canonical, question in
                canonical.string(question.id.text)
                canonical.string(question.text)
                canonical.string(question.kind.rawValue)
                canonical.list(question.options) { $0.string($1) }
                canonical.optional(question.minimum) { $0.signed($1) }
                canonical.optional(question.maximum) { $0.signed($1) }
                canonical.bool(question.required)
            }
        case .submitResponse(let survey, let siren, let submittedAt, let answers):
            byte(10)
            string(survey.text)
            unsigned(UInt64(siren.value))
            timestamp(submittedAt)
            list(answers.keys.sorted()) { canonical, question in
                canonical.string(question)
                canonical.answer(answers[question]!)
            }
        case .closeSurvey(let id):
            byte(11)
            string(id.text)
        case .recordSnapshot(let sequence, let digest):
            byte(12)
            unsigned(sequence)
            list(digest) { $0.byte($1) }
        // The people's commands: never their sealed values (random nonces would make every retry
        // another request, and a hash of personal data must not outlive an erasure in the log),
        // only the names of the fields given; nor the person id of a new person, which the
        // registry draws for each attempt.
        case .enrollTester(_, let facts, let fields):
            byte(13)
            string(facts.cluster.text)
            string(facts.department.code)
            self.date(facts.enrolledOn)
            string(facts.ageBandAtEnrolment.rawValue)
            string(facts.consent.purpose)
            string(facts.consent.textVersion)
            self.date(facts.consent.givenOn)
            string(facts.consent.channel.rawValue)
            list(fields.map(\.name.rawValue).sorted()) { $0.string($1) }
        case .addContact(_, let siren, let fields):
            byte(14)
            unsigned(UInt64(siren.value))
            list(fields.map(\.name.rawValue).sorted()) { $0.string($1) }
        case .rectifyPerson(let person, let fields, let department, let ageBand):
            byte(15)
            list(person.bytes) { $0.byte($1) }
            list(fields.map(\.name.rawValue).sorted()) { $0.string($1) }
            optional(department) { $0.string($1.code) }
            optional(ageBand) { $0.string($1.rawValue) }
        case .erasePerson(let person, let reason):
            byte(16)
            list(person.bytes) { $0.byte($1) }
            optional(reason) { $0.string($1) }
        case .openCampaign(let record):
            byte(17)
            string(record.id.text)
            string(record.cluster.text)
            string(record.kind.rawValue)
            unsigned(UInt64(record.siren.value))
            string(record.title)
            date(record.startsOn)
            date(record.endsOn)
        case .recordParticipation(let person, let campaign, let participation):
            // Whether a comment was given, never the sealed comment.
            byte(18)
            list(person.bytes) { $0.byte($1) }
            string(campaign.text)
            date(participation.on)
            string(participation.ageBand.rawValue)
            optional(participation.rating) { $0.unsigned(UInt64($1)) }
            bool(participation.comment != nil)
        case .withdrawConsent(let person, let withdrawal):
            byte(19)
            list(person.bytes) { $0.byte($1) }
            date(withdrawal.on)
            string(withdrawal.channel.rawValue)
        case .recordPrivacyRequest(let person, let record):
            byte(20)
            list(person.bytes) { $0.byte($1) }
            string(record.right.rawValue)
            date(record.receivedOn)
            string(record.channel.rawValue)
        case .answerPrivacyRequest(let request, let outcome, let reason):
            byte(21)
            unsigned(request)
            string(outcome.rawValue)
            optional(reason) { $0.string($1) }
        case .proposeProject(let record):
            byte(22)
            string(record.id.text)
            string(record.title)
            string(record.leadCluster.text)
            list(record.otherClusters) { $0.string($1.text) }
            list(record.regions) { $0.string($1.code) }
            list(record.departments) { $0.string($1.code) }
            date(record.startsOn)
            date(record.endsOn)
            optional(record.description) { $0.string($1) }
            date(record.proposedOn)
            list(record.companies) {
                $0.unsigned(UInt64($1.siren.value))
                $0.string($1.role.rawValue)
            }
            list(record.partners) {
                $0.partner($1.partner)
                $0.string($1.role.rawValue)
            }
        case .changeProjectStatus(let project, let status, let on, let reason):
            byte(23)
            string(project.text)
            string(status.rawValue)
            date(on)
            optional(reason) { $0.string($1) }
        case .commitFunding(let record):
            byte(24)
            string(record.id.text)
            string(record.project.text)
            string(record.instrument.rawValue)
            string(record.grantor.name)
            string(record.grantor.siret.description)
            string(record.grantor.kind.rawValue)
            signed(record.amountCents)
            date(record.agreedOn)
            string(record.decisionReference)
            string(record.object)
            string(record.nature.rawValue)
            string(record.paymentTerms.kind)
            optional(record.paymentTerms.text) { $0.string($1) }
            date(record.plannedPayment.from)
            optional(record.plannedPayment.to) { $0.date($1) }
            bool(record.notifiedEU)
            list(record.beneficiaries) { canonical, beneficiary in
                canonical.string(beneficiary.party.kind)
                switch beneficiary.party {
                case .company(let siret): canonical.string(siret.description)
                case .cluster(let cluster): canonical.string(cluster.text)
                case .association(let rna, let name, let siret):
                    canonical.string(rna.description)
                    canonical.string(name)
                    canonical.optional(siret) { $0.string($1.description) }
                }
                canonical.unsigned(UInt64(beneficiary.sharePercent))
            }
            optional(record.raeID) { $0.string($1) }
            optional(record.aidScheme) { $0.string($1) }
        case .reviseCommitment(let commitment, let amount, let on, let reason):
            byte(25)
            string(commitment.text)
            signed(amount)
            date(on)
            string(reason)
        case .disburseFunding(let commitment, let amount, let on, let reference):
            byte(26)
            string(commitment.text)
            signed(amount)
            date(on)
            optional(reference) { $0.string($1) }
        }
    }

    private mutating func cluster(_ record: ClusterRecord) {
        string(record.id.text)
        string(record.name)
        list(record.regions) { $0.string($1.code) }
        list(record.departments) { $0.string($1.code) }
        optional(record.nafSection) { $0.string(String($1.letter)) }
        optional(record.founded) { $0.date($1) }
        addedField(record.siret) { $0.string($1.description) }
    }

    private mutating func partner(_ partner: Partner) {
        string(partner.id.text)
        string(partner.name)
        string(partner.kind.rawValue)
        optional(partner.siret) { $0.string($1.description) }
    }

    private mutating func answer(_ answer: AnswerInput) {
        switch answer {
        case .text(let text):
            byte(1)
            string(text)
        case .list(let items):
            byte(2)
            list(items) { $0.string($1) }
        case .integer(let value):
            byte(3)
            signed(value)
        case .boolean(let value):
            byte(4)
            bool(value)
        case .other(let description):
            byte(5)
            string(description)
        }
    }
}
