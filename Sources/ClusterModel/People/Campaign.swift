/// What a campaign of a cluster's testers is.
public enum CampaignKind: String, Hashable, ClosedSet {
    public static let field = "kind"

    /// A member company's innovation, tested by the cluster's testers.
    case innovation
    /// A company helping the testers (digital lessons, video calls during a lockdown).
    case support
}

/// A campaign as opened: nothing personal in it.
public struct CampaignRecord: Sendable, Hashable {
    public var id: Slug
    public var cluster: Slug
    public var kind: CampaignKind
    /// The company whose innovation is tested, or who helps.
    public var siren: SIREN
    public var title: String
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate

    public init(id: Slug, cluster: Slug, kind: CampaignKind, siren: SIREN, title: String, startsOn: CalendarDate, endsOn: CalendarDate) {
        self.id = id
        self.cluster = cluster
        self.kind = kind
        self.siren = siren
        self.title = title
        self.startsOn = startsOn
        self.endsOn = endsOn
    }
}

/// A tester's part in a campaign: the day, their age band that day and their rating in clear
/// (what statistics need after an erasure), their comment sealed with their key.
public struct Participation: Sendable, Hashable {
    public var on: CalendarDate
    public var ageBand: AgeBand
    /// 1 to 5; nil when the tester gave none.
    public var rating: Int?
    /// The sealed comment; nil when none was given, or once the tester is erased.
    public var comment: [UInt8]?

    public init(on: CalendarDate, ageBand: AgeBand, rating: Int?, comment: [UInt8]?) {
        self.on = on
        self.ageBand = ageBand
        self.rating = rating
        self.comment = comment
    }

    /// A rating is 1 to 5.
    public static let ratings = 1...5
}

/// A campaign in the projection: its record and who took part.
public struct CampaignState: Sendable, Hashable {
    public var record: CampaignRecord
    public var participations: [PersonID: Participation]

    public init(record: CampaignRecord, participations: [PersonID: Participation] = [:]) {
        self.record = record
        self.participations = participations
    }
}

/// A tester's withdrawal of their consent: from `on`, they take part in no campaign.
public struct Withdrawal: Sendable, Hashable {
    public var on: CalendarDate
    public var channel: ConsentChannel

    public init(on: CalendarDate, channel: ConsentChannel) {
        self.on = on
        self.channel = channel
    }
}
