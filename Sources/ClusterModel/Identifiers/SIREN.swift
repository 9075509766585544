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
        // One pass over the bytes (an Import parses tens of thousands): spaces skipped, nine
        // ASCII digits, the Luhn sum kept as they come (with exactly nine digits, the ones to
        // double are those at odd positions from the left).
        var value: UInt32 = 0
        var count = 0
        var luhn = 0
        for byte in text.utf8 where byte != UInt8(ascii: " ") {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), count < 9 else {
                throw .invalidArgument(field: field, reason: "'\(text)' is not 9 digits")
            }
            let digit = Int(byte &- UInt8(ascii: "0"))
            value = value * 10 + UInt32(digit)
            if count % 2 == 1 {
                let doubled = digit * 2
                luhn += doubled > 9 ? doubled - 9 : doubled
            } else {
                luhn += digit
            }
            count += 1
        }
        guard count == 9 else { throw .invalidArgument(field: field, reason: "'\(text)' is not 9 digits") }
        guard value != 0 else { throw .invalidArgument(field: field, reason: "000000000 is not a SIREN") }
        guard luhn % 10 == 0 else {
            throw .invalidArgument(field: field, reason: "'\(text.filter { $0 != " " })' fails the Luhn check (a digit is wrong)")
        }
        self.value = value
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
