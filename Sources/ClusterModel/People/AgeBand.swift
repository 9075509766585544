/// A five-year age band of the testers' statistics (docs/privacy.md): what stays in clear on the
/// events, where a birth year is personal and encrypted.
public enum AgeBand: String, Hashable, ClosedSet, Comparable {
    public static let field = "age_band"

    case from60 = "60-64"
    case from65 = "65-69"
    case from70 = "70-74"
    case from75 = "75-79"
    case from80 = "80-84"
    case from85 = "85-89"
    case from90 = "90+"

    /// The band of someone born in `birthYear` during the year of `date` (the age they reach
    /// that year: a birth year, never a birth date, is kept); nil under 60.
    public init?(birthYear: Int, on date: CalendarDate) {
        let age = date.components.year - birthYear
        guard age >= 60 else { return nil }
        self = Self.allCases[min((age - 60) / 5, Self.allCases.count - 1)]
    }

    public static func < (left: AgeBand, right: AgeBand) -> Bool {
        allCases.firstIndex(of: left)! < allCases.firstIndex(of: right)!
    }
}
