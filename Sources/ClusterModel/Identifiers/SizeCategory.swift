/// Company size category of the French decree of 2008 (n° 2008-1354): micro, PME, ETI, GE.
///
/// The decree combines employees with turnover and balance sheet; employees alone can only rule
/// categories out (a 5-person holding with a billion in turnover is no micro-enterprise). So the
/// derived category uses employees and, when known, turnover; a declared category is kept beside it.
public enum SizeCategory: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case micro
    case pme
    case eti
    case ge

    /// The smallest category that employees and turnover allow.
    public static func derived(employees: Int64, turnoverEUR: Int64?) -> SizeCategory {
        let turnover = turnoverEUR ?? 0
        if employees < 10 && turnover <= 2_000_000 { return .micro }
        if employees < 250 && turnover <= 50_000_000 { return .pme }
        if employees < 5000 && turnover <= 1_500_000_000 { return .eti }
        return .ge
    }

    public init(_ text: String, field: String = "declared_category") throws(DomainError) {
        guard let category = SizeCategory(rawValue: text.lowercased()) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not one of micro, pme, eti, ge")
        }
        self = category
    }

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: SizeCategory, rhs: SizeCategory) -> Bool { lhs.rank < rhs.rank }
    public var description: String { rawValue }
}
