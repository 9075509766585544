/// A tester's consent as it was given: to what, to which text, when and how. No personal field:
/// it is kept in clear, so that the lawfulness of what was done can be shown.
public struct Consent: Sendable, Hashable {
    public var purpose: String
    public var textVersion: String
    public var givenOn: CalendarDate
    public var channel: ConsentChannel

    public init(purpose: String, textVersion: String, givenOn: CalendarDate, channel: ConsentChannel) {
        self.purpose = purpose
        self.textVersion = textVersion
        self.givenOn = givenOn
        self.channel = channel
    }

    /// Purpose and version: not blank, printable, short.
    func check() throws(DomainError) {
        _ = try validatedText(purpose, field: "consent.purpose", maximum: 200)
        _ = try validatedText(textVersion, field: "consent.text_version", maximum: 50)
    }
}

/// How a consent was given.
public enum ConsentChannel: String, Hashable, ClosedSet {
    public static let field = "consent.channel"

    case paper
    case online
    case phone
    case inPerson = "in_person"
}
