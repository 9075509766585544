/// An instant given in RFC 3339 with its offset (`2020-11-09T00:00:00+01:00`), kept as microseconds
/// since the epoch plus the offset it was written with, so it prints back as given.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let microsecondsSinceEpoch: Int64
    public let offsetMinutes: Int16

    public init(microsecondsSinceEpoch: Int64, offsetMinutes: Int16 = 0) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
        self.offsetMinutes = offsetMinutes
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; an offset is required.
    public init(_ text: String, field: String = "time") throws(DomainError) {
        let invalid = DomainError.invalidArgument(
            field: field,
            reason: "'\(text)' is not an RFC 3339 time with offset (e.g. 2020-11-09T09:30:00+01:00)"
        )
        let scalars = Array(text.utf8)
        guard scalars.count >= 20, scalars[10] == UInt8(ascii: "T") || scalars[10] == UInt8(ascii: "t") else { throw invalid }
        let date: CalendarDate
        do {
            date = try CalendarDate(String(decoding: scalars[0..<10], as: UTF8.self), field: field)
        } catch {
            throw invalid
        }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count, scalars[range].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int(String(decoding: scalars[range], as: UTF8.self))
        }
        guard let hour = number(11..<13), scalars[13] == UInt8(ascii: ":"), let minute = number(14..<16),
            scalars[16] == UInt8(ascii: ":"), let second = number(17..<19), hour < 24, minute < 60, second < 60
        else { throw invalid }
        var index = 19
        var micros = 0
        if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(scalars[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw invalid }
            for _ in digits..<6 where digits < 6 { micros *= 10 }
        }
        guard index < scalars.count else { throw invalid }
        var offset = 0
        if scalars[index] == UInt8(ascii: "Z") || scalars[index] == UInt8(ascii: "z") {
            guard index + 1 == scalars.count else { throw invalid }
        } else {
            guard scalars[index] == UInt8(ascii: "+") || scalars[index] == UInt8(ascii: "-"), index + 6 == scalars.count,
                let offsetHours = number((index + 1)..<(index + 3)), scalars[index + 3] == UInt8(ascii: ":"),
                let offsetMinutes = number((index + 4)..<(index + 6)), offsetHours < 24, offsetMinutes < 60
            else { throw invalid }
            offset = (offsetHours * 60 + offsetMinutes) * (scalars[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        let seconds = Int64(date.daysSinceEpoch) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset * 60)
        microsecondsSinceEpoch = seconds * 1_000_000 + Int64(micros)
        offsetMinutes = Int16(offset)
    }

    /// The calendar date in the timestamp's own offset.
    public var localDate: CalendarDate {
        let local = microsecondsSinceEpoch / 1_000_000 + Int64(offsetMinutes) * 60
        return CalendarDate(daysSinceEpoch: Int32((local - (local % 86400 + 86400) % 86400) / 86400))
    }

    /// RFC 3339 in the original offset; fractions only when present.
    public var description: String {
        let localSeconds = microsecondsSinceEpoch.floorDivided(by: 1_000_000) + Int64(offsetMinutes) * 60
        let micros = microsecondsSinceEpoch - microsecondsSinceEpoch.floorDivided(by: 1_000_000) * 1_000_000
        let days = localSeconds.floorDivided(by: 86400)
        let secondOfDay = Int(localSeconds - days * 86400)
        let date = CalendarDate(daysSinceEpoch: Int32(days))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(date)T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if micros != 0 { text += "." + pad(Int(micros), 6) }
        if offsetMinutes == 0 { return text + "Z" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let magnitude = Int(offsetMinutes.magnitude)
        return text + "\(sign)\(pad(magnitude / 60, 2)):\(pad(magnitude % 60, 2))"
    }

    /// UTC with microseconds, as the log's commit times are printed.
    public static func utcString(microseconds: Int64) -> String {
        let seconds = microseconds.floorDivided(by: 1_000_000)
        let micros = Int(microseconds - seconds * 1_000_000)
        let days = seconds.floorDivided(by: 86400)
        let secondOfDay = Int(seconds - days * 86400)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(CalendarDate(daysSinceEpoch: Int32(days)))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(micros, 6))Z"
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
