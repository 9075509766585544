/// A SIREN: the 9-digit identifier of a French company. Cannot hold an invalid value.
///
/// Rules: 9 digits (spaces allowed on input, stored bare), not all zeros, Luhn check digit.
public struct SIREN: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The nine digits as a number (leading zeros implied).
    public let value: UInt32

    /// La Poste's SIREN: its SIRETs follow a different check rule.
    public static let laPoste = SIREN(trusted: 356_000_000)

    init(trusted value: UInt32) {
        self.value = value
    }

    /// Validates `text`; the error names `field` and says what is wrong.
    public init(_ text: String, field: String = "siren") throws(DomainError) {
        let digits = text.filter { $0 != " " }
        guard digits.count == 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not 9 digits")
        }
        let numbers = digits.map { Int($0.asciiValue! - 48) }
        guard numbers.contains(where: { $0 != 0 }) else {
            throw .invalidArgument(field: field, reason: "000000000 is not a SIREN")
        }
        guard Luhn.isValid(numbers) else {
            throw .invalidArgument(field: field, reason: "'\(digits)' fails the Luhn check (a digit is wrong)")
        }
        value = UInt32(digits)!
    }

    /// The nine digits.
    public var description: String {
        let text = String(value)
        return String(repeating: "0", count: 9 - text.count) + text
    }

    public static func < (lhs: SIREN, rhs: SIREN) -> Bool { lhs.value < rhs.value }

    /// The SIREN whose first eight digits are `prefix` (0 to 99,999,999), with its Luhn digit.
    public static func withCheckDigit(prefix: UInt32) -> SIREN? {
        guard prefix < 100_000_000 else { return nil }
        let eight = String(prefix)
        let padded = String(repeating: "0", count: 8 - eight.count) + eight
        let numbers = padded.map { Int($0.asciiValue! - 48) }
        for check in 0...9 where Luhn.isValid(numbers + [check]) {
            let value = prefix * 10 + UInt32(check)
            return value == 0 ? nil : SIREN(trusted: value)
        }
        return nil
    }
}

/// The Luhn (mod 10) check used by SIREN and SIRET.
enum Luhn {
    static func isValid(_ digits: [Int]) -> Bool {
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            if index % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }
}
