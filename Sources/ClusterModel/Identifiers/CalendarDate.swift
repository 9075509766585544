/// A calendar date (`YYYY-MM-DD`, proleptic Gregorian), stored as days since 1970-01-01.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    /// Validates `YYYY-MM-DD` (years 1800 to 2999).
    public init(_ text: String, field: String = "date") throws(DomainError) {
        // YYYY-MM-DD, read from the bytes in one pass.
        var numbers = (0, 0, 0)
        var length = 0
        var wellFormed = true
        for byte in text.utf8 {
            switch length {
            case 4, 7:
                wellFormed = wellFormed && byte == UInt8(ascii: "-")
            case 0..<10:
                let digit = Int(byte &- UInt8(ascii: "0"))
                if digit < 0 || digit > 9 || byte < UInt8(ascii: "0") { wellFormed = false }
                switch length {
                case 0..<4: numbers.0 = numbers.0 * 10 + digit
                case 5..<7: numbers.1 = numbers.1 * 10 + digit
                default: numbers.2 = numbers.2 * 10 + digit
                }
            default:
                wellFormed = false
            }
            length += 1
        }
        guard wellFormed, length == 10 else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not a date of the form YYYY-MM-DD")
        }
        let (year, month, day) = numbers
        guard (1800...2999).contains(year), (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not a real date")
        }
        daysSinceEpoch = Int32(Self.days(year: year, month: month, day: day))
    }

    public init(year: Int, month: Int, day: Int) {
        daysSinceEpoch = Int32(Self.days(year: year, month: month, day: day))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from civil (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Year, month and day.
    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public var description: String {
        let (year, month, day) = components
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// The date `days` later (earlier when negative).
    public func adding(days: Int32) -> CalendarDate {
        CalendarDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }
}
