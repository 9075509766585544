/// The status of a survey at a moment: open, or closed by its window's end or by an event.
public enum SurveyStatus: Sendable, Hashable {
    case notYetOpen
    case open
    case closedByDate(Timestamp)
    case closedByEvent(microseconds: Int64)

    /// The status at `microseconds`: closed by event when a close was recorded by then (or at
    /// all, when `closedAtMicroseconds` is already known to be before), by date once the window ended.
    public init(_ survey: SurveyState, at microseconds: Int64) {
        if let closed = survey.closedAtMicroseconds, closed <= microseconds {
            self = .closedByEvent(microseconds: closed)
        } else if survey.definition.closesAt.microsecondsSinceEpoch < microseconds {
            self = .closedByDate(survey.definition.closesAt)
        } else if microseconds < survey.definition.opensAt.microsecondsSinceEpoch {
            self = .notYetOpen
        } else {
            self = .open
        }
    }

    /// `open`, `not_yet_open`, `closed`.
    public var name: String {
        switch self {
        case .notYetOpen: return "not_yet_open"
        case .open: return "open"
        case .closedByDate, .closedByEvent: return "closed"
        }
    }

    /// For a closed survey: `date` (its window ended) or `event` (closed with CloseSurvey).
    public var closedBy: String? {
        switch self {
        case .closedByDate: return "date"
        case .closedByEvent: return "event"
        default: return nil
        }
    }

    /// When it closed, for a closed survey.
    public var closedAt: String? {
        switch self {
        case .closedByDate(let time): return time.description
        case .closedByEvent(let microseconds): return Timestamp.utcString(microseconds: microseconds)
        default: return nil
        }
    }
}
