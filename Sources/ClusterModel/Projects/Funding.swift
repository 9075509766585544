/// How a funder puts money in (the instrument of a commitment).
public enum FundingInstrument: String, Hashable, ClosedSet {
    public static let field = "instrument"

    case grant
    case loan
    case equity
    case guarantee
    /// A company's or a private person's own money in the project.
    case privateContribution = "private_contribution"
}

/// What is given: money, or goods and services (SCDL's `nature`).
public enum FundingNature: String, Hashable, ClosedSet {
    public static let field = "nature"

    case cash
    case inKind = "in_kind"

    /// As SCDL writes it.
    public var scdl: String { self == .cash ? "aide en numéraire" : "aide en nature" }
}

/// How a commitment is paid (SCDL's `conditionsVersement`).
public enum PaymentTerms: Sendable, Hashable {
    case single
    case staged
    /// Other terms, described (at most 256 characters).
    case other(String)

    /// The kind's name: `single`, `staged` or `other`.
    public var kind: String {
        switch self {
        case .single: return "single"
        case .staged: return "staged"
        case .other: return "other"
        }
    }

    /// The description of other terms.
    public var text: String? {
        if case .other(let text) = self { return text }
        return nil
    }

    /// Reads terms: a kind, and a description for `other` (only for it).
    public init(kind: String, text: String?, field: String = "payment_terms") throws(DomainError) {
        switch (kind, text) {
        case ("single", nil): self = .single
        case ("staged", nil): self = .staged
        case ("other", let text?): self = .other(try validatedText(text, field: field + "_text", maximum: 256))
        case ("other", nil): throw .invalidArgument(field: field + "_text", reason: "terms 'other' are described: give the text")
        case ("single", _), ("staged", _):
            throw .invalidArgument(field: field + "_text", reason: "only terms 'other' have a text, not '\(kind)'")
        default: throw .invalidArgument(field: field, reason: "'\(kind)' is not one of single, staged, other")
        }
    }

    /// As SCDL writes it: `unique`, `échelonné`, or the description of other terms.
    public var scdl: String {
        switch self {
        case .single: return "unique"
        case .staged: return "échelonné"
        case .other(let text): return text
        }
    }
}

/// Who puts money in: one identity across clusters and projects, known by its SIRET. The first
/// record of a SIRET (a partner linked to a cluster, a project's partner, a commitment's grantor)
/// names it; every later one must give the same name.
public struct Funder: Sendable, Hashable {
    public var name: String
    public var siret: SIRET
    public var kind: PartnerKind

    public init(name: String, siret: SIRET, kind: PartnerKind) {
        self.name = name
        self.siret = siret
        self.kind = kind
    }

    /// ANCT, Banque des Territoires and the other national agencies: the public money whose
    /// leverage the registry reports.
    public var isNationalAgency: Bool { kind == .agency }
}

/// Who receives a commitment's money.
public enum BeneficiaryParty: Sendable, Hashable {
    /// An establishment of a registered company (its SIRET, whose SIREN is the company's).
    case company(SIRET)
    /// A cluster's legal entity: the cluster's SIRET (`siret` on the cluster).
    case cluster(Slug)
    /// An association, by its RNA number, with its name and, when it has one, its SIRET.
    case association(rna: RNA, name: String, siret: SIRET?)

    /// `company`, `cluster` or `association`.
    public var kind: String {
        switch self {
        case .company: return "company"
        case .cluster: return "cluster"
        case .association: return "association"
        }
    }
}

/// A beneficiary and its share of the commitment, in percent (SCDL's `pourcentageSubvention`,
/// 0.01 to 1, is `sharePercent / 100`).
public struct Beneficiary: Sendable, Hashable {
    public var party: BeneficiaryParty
    public var sharePercent: Int

    public init(party: BeneficiaryParty, sharePercent: Int = 100) {
        self.party = party
        self.sharePercent = sharePercent
    }
}

/// The planned payment: a day, or a period (SCDL's `datesPeriodeVersement`).
public struct PaymentPeriod: Sendable, Hashable, CustomStringConvertible {
    public var from: CalendarDate
    /// Nil: a single day.
    public var to: CalendarDate?

    public init(from: CalendarDate, to: CalendarDate? = nil) {
        self.from = from
        self.to = to
    }

    /// `YYYY-MM-DD` or `YYYY-MM-DD/YYYY-MM-DD`.
    public var description: String { to.map { "\(from)/\($0)" } ?? from.description }
}

/// A commitment as a funder records it: the instrument, the parties, the agreement and what it
/// gives. Its amount is the one agreed; revisions come as their own events.
public struct CommitmentRecord: Sendable, Hashable {
    public var id: Slug
    public var project: Slug
    public var instrument: FundingInstrument
    public var grantor: Funder
    public var amountCents: Int64
    /// The agreement's date (SCDL's `dateConvention`): when the money is committed.
    public var agreedOn: CalendarDate
    public var decisionReference: String
    /// At most 256 characters (SCDL's `objet`).
    public var object: String
    public var nature: FundingNature
    public var paymentTerms: PaymentTerms
    public var plannedPayment: PaymentPeriod
    /// Notified to the European Commission as state aid (de minimis).
    public var notifiedEU: Bool
    public var beneficiaries: [Beneficiary]
    /// The aid's number in the Répertoire des aides aux entreprises, when it has one.
    public var raeID: String?
    /// The aid scheme it was granted under (SCDL's `dispositifAide`).
    public var aidScheme: String?

    public init(
        id: Slug, project: Slug, instrument: FundingInstrument, grantor: Funder, amountCents: Int64, agreedOn: CalendarDate,
        decisionReference: String, object: String, nature: FundingNature, paymentTerms: PaymentTerms, plannedPayment: PaymentPeriod,
        notifiedEU: Bool, beneficiaries: [Beneficiary], raeID: String? = nil, aidScheme: String? = nil
    ) {
        self.id = id
        self.project = project
        self.instrument = instrument
        self.grantor = grantor
        self.amountCents = amountCents
        self.agreedOn = agreedOn
        self.decisionReference = decisionReference
        self.object = object
        self.nature = nature
        self.paymentTerms = paymentTerms
        self.plannedPayment = plannedPayment
        self.notifiedEU = notifiedEU
        self.beneficiaries = beneficiaries
        self.raeID = raeID
        self.aidScheme = aidScheme
    }

    /// The longest object SCDL allows.
    public static let objectLimit = 256
}

/// A dated change of a commitment's amount: the new amount, from that day.
public struct CommitmentRevision: Sendable, Hashable {
    public var on: CalendarDate
    public var amountCents: Int64
    public var reason: String
    public var sequence: UInt64
    public var recordedAtMicroseconds: Int64
    public var peerUID: UInt32

    public init(on: CalendarDate, amountCents: Int64, reason: String, sequence: UInt64, recordedAtMicroseconds: Int64, peerUID: UInt32) {
        self.on = on
        self.amountCents = amountCents
        self.reason = reason
        self.sequence = sequence
        self.recordedAtMicroseconds = recordedAtMicroseconds
        self.peerUID = peerUID
    }
}

/// Money paid out against a commitment, on a day.
public struct Disbursement: Sendable, Hashable {
    public var on: CalendarDate
    public var amountCents: Int64
    public var reference: String?
    public var sequence: UInt64
    public var recordedAtMicroseconds: Int64
    public var peerUID: UInt32

    public init(on: CalendarDate, amountCents: Int64, reference: String?, sequence: UInt64, recordedAtMicroseconds: Int64, peerUID: UInt32) {
        self.on = on
        self.amountCents = amountCents
        self.reference = reference
        self.sequence = sequence
        self.recordedAtMicroseconds = recordedAtMicroseconds
        self.peerUID = peerUID
    }
}

/// A commitment in the projection, with its revisions and disbursements in the order recorded.
public struct CommitmentState: Sendable, Hashable {
    public var record: CommitmentRecord
    public var sequence: UInt64
    public var recordedAtMicroseconds: Int64
    public var peerUID: UInt32
    public var revisions: [CommitmentRevision] = []
    public var disbursements: [Disbursement] = []

    public init(record: CommitmentRecord, sequence: UInt64, recordedAtMicroseconds: Int64, peerUID: UInt32) {
        self.record = record
        self.sequence = sequence
        self.recordedAtMicroseconds = recordedAtMicroseconds
        self.peerUID = peerUID
    }

    /// What was committed on `day`, before any release by an abandoned project: nothing before
    /// the agreement, then the amount of the latest revision dated on or before the day (of two
    /// on the same day, the one recorded last), or the agreed amount.
    public func committedBeforeRelease(on day: CalendarDate) -> Int64 {
        guard record.agreedOn <= day else { return 0 }
        var amount = record.amountCents
        var latest: (CalendarDate, UInt64)?
        for revision in revisions where revision.on <= day {
            if latest.map({ (revision.on, revision.sequence) > $0 }) ?? true {
                latest = (revision.on, revision.sequence)
                amount = revision.amountCents
            }
        }
        return amount
    }

    /// What was paid out up to and including `day`.
    public func disbursed(on day: CalendarDate) -> Int64 {
        disbursements.reduce(0) { $1.on <= day ? $0 + $1.amountCents : $0 }
    }

    /// Everything paid out.
    public var disbursedTotal: Int64 { disbursements.reduce(0) { $0 + $1.amountCents } }

    /// What is committed on `day`, when the project was abandoned (withdrawn or rejected) on
    /// `abandonedOn`: from that day on, what was not paid out is released, and the commitment
    /// is what was disbursed.
    public func committed(on day: CalendarDate, abandonedOn: CalendarDate?) -> Int64 {
        if let abandonedOn, abandonedOn <= day { return disbursed(on: day) }
        return committedBeforeRelease(on: day)
    }

    /// The days on which what is committed or disbursed may change.
    public var changeDays: [CalendarDate] {
        Array(Set([record.agreedOn] + revisions.map(\.on) + disbursements.map(\.on))).sorted()
    }

    /// The first day on which more would be disbursed than committed, with both amounts: what
    /// a revision or a disbursement must not cause.
    public func firstExcess() -> (day: CalendarDate, committed: Int64, disbursed: Int64)? {
        for day in changeDays {
            let committed = committedBeforeRelease(on: day)
            let disbursed = disbursed(on: day)
            if disbursed > committed { return (day, committed, disbursed) }
        }
        return nil
    }
}
