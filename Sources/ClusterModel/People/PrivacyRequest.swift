/// A right a person exercises about their data (GDPR articles 15 to 21).
public enum PrivacyRight: String, Hashable, ClosedSet {
    public static let field = "right"

    case access
    case portability
    case rectification
    case erasure
    case restriction
    case objection
}

/// How a request was answered: the right was given effect, or the request refused (with the
/// reason, which the person is told).
public enum PrivacyOutcome: String, Hashable, ClosedSet {
    public static let field = "outcome"

    case done
    case refused
}

/// A person's request as received: which right, on what day, by which channel. No free text: a
/// request's record stays in clear after the person is erased.
public struct PrivacyRequestRecord: Sendable, Hashable {
    public var right: PrivacyRight
    public var receivedOn: CalendarDate
    public var channel: ConsentChannel

    public init(right: PrivacyRight, receivedOn: CalendarDate, channel: ConsentChannel) {
        self.right = right
        self.receivedOn = receivedOn
        self.channel = channel
    }

    /// The day by which it must be answered: one month after it was received (GDPR article
    /// 12(3); the end of a shorter month when the day does not exist in it).
    public var deadline: CalendarDate { receivedOn.adding(months: 1) }
}

/// A request the registry holds, known by the sequence number of the event that recorded it.
public struct PrivacyRequest: Sendable, Hashable {
    public var person: PersonID
    public var record: PrivacyRequestRecord
    public var answer: Answer?

    public struct Answer: Sendable, Hashable {
        public var outcome: PrivacyOutcome
        public var reason: String?
        public var recordedAtMicroseconds: Int64
        public var sequence: UInt64

        public init(outcome: PrivacyOutcome, reason: String?, recordedAtMicroseconds: Int64, sequence: UInt64) {
            self.outcome = outcome
            self.reason = reason
            self.recordedAtMicroseconds = recordedAtMicroseconds
            self.sequence = sequence
        }
    }

    public init(person: PersonID, record: PrivacyRequestRecord, answer: Answer? = nil) {
        self.person = person
        self.record = record
        self.answer = answer
    }
}

extension CalendarDate {
    /// The same day `months` months later (earlier when negative), or the last day of that month when it is shorter.
    public func adding(months: Int) -> CalendarDate {
        let (year, month, day) = components
        let index = year * 12 + (month - 1) + months
        let (newYear, newMonth) = (index / 12, index % 12 + 1)
        return CalendarDate(year: newYear, month: newMonth, day: min(day, Self.daysIn(month: newMonth, year: newYear)))
    }
}
