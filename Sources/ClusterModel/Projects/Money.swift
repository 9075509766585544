/// Amounts of money: integer euro cents, never floating point. Sums are exact; a ratio or a
/// percentage is computed from integers and rounded once, when it is written.
public enum Money {
    /// The largest amount one commitment, revision or disbursement may state: ten billion euros.
    /// With it, sums of up to nine million of them fit in 64 bits.
    public static let maximumCents: Int64 = 1_000_000_000_000

    /// `cents` in euros with two decimals and a `.`, as open-data formats write amounts:
    /// `1234.56`, `-0.05`.
    public static func euros(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + String(magnitude / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// `cents` for people: thousands grouped, `1,234,567.89 €`.
    public static func display(_ cents: Int64) -> String {
        let plain = euros(cents)
        let negative = plain.hasPrefix("-")
        let digits = Array(plain.drop(while: { $0 == "-" }).prefix(while: { $0 != "." }))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (negative ? "-" : "") + grouped + "." + plain.suffix(2) + " €"
    }

    /// Reads an amount in euros as a person writes it on a command line: `1500`, `1500.5`,
    /// `1500.50`, `1 500,50` (a space or `_` between thousands, `,` or `.` before the cents).
    /// Never through a floating-point number.
    public static func cents(euros text: String, field: String) throws(DomainError) -> Int64 {
        let compact = text.filter { $0 != " " && $0 != "_" && $0 != "\u{a0}" && $0 != "\u{202f}" }
        let parts = compact.split(separator: compact.contains(",") ? "," : ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit),
            parts.count == 1 || (1...2).contains(parts[1].count) && parts[1].allSatisfy(\.isASCIIDigit)
        else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not an amount in euros (as 1500, 1500.5 or 1500.50)")
        }
        guard whole.count <= 11, let euros = Int64(whole) else { throw tooLarge(field) }
        var cents = euros * 100
        if parts.count == 2 { cents += Int64(parts[1])! * (parts[1].count == 1 ? 10 : 1) }
        guard cents <= maximumCents else { throw tooLarge(field) }
        return cents
    }

    /// Checks an amount stated in cents: positive (zero too when `zeroAllowed`), at most
    /// `maximumCents`.
    public static func check(_ cents: Int64, field: String, zeroAllowed: Bool = false) throws(DomainError) {
        guard cents > 0 || (zeroAllowed && cents == 0) else {
            throw .invalidArgument(field: field, reason: zeroAllowed ? "must not be negative, it is \(cents)" : "must be more than zero, it is \(cents)")
        }
        guard cents <= maximumCents else { throw tooLarge(field) }
    }

    private static func tooLarge(_ field: String) -> DomainError {
        .invalidArgument(field: field, reason: "is above \(display(maximumCents)), the most one amount may state")
    }

    /// `numerator × multiplier / denominator` with `decimals` digits after the point, rounded
    /// half up, once: `ratio(2, 3, decimals: 2)` is `0.67`, `ratio(1, 8, decimals: 1, multiplier:
    /// 100)` is `12.5`. Nil when the denominator is zero (or the quotient beyond 64 bits). Neither may be negative.
    public static func ratio(_ numerator: Int64, _ denominator: Int64, decimals: Int, multiplier: Int64 = 1) -> String? {
        precondition(numerator >= 0 && denominator >= 0 && multiplier > 0 && (0...6).contains(decimals))
        guard denominator > 0 else { return nil }
        var places: UInt64 = 1
        for _ in 0..<decimals { places *= 10 }
        let product = UInt64(numerator).multipliedFullWidth(by: places * UInt64(multiplier))
        guard product.high < UInt64(denominator) else { return nil }  // a quotient above 2⁶⁴
        var (quotient, remainder) = UInt64(denominator).dividingFullWidth(product)
        if remainder >= UInt64(denominator) - remainder { quotient += 1 }
        let whole = String(quotient / places)
        guard decimals > 0 else { return whole }
        let fraction = String(quotient % places)
        return whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// `part` as a percentage of `whole` with one decimal, `12.5%`; nil when the whole is zero.
    public static func percent(_ part: Int64, of whole: Int64) -> String? {
        ratio(part, whole, decimals: 1, multiplier: 100).map { $0 + "%" }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
