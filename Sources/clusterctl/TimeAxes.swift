import ArgumentParser
import ClusterModel
import Varlink

/// The valid-date axis of a read: memberships on a day, as the registry knows them now.
struct ValidDateOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Memberships valid on this day (YYYY-MM-DD), as known now. Default: today, or the day of --as-recorded-at/--at-seq.", valueName: "date")
    )
    var on: String?

    func validate() throws {
        if let on { try TimeAxes.checkDate(on, option: "--on", axisHint: true) }
    }
}

/// The recording axis: what the registry had recorded at an instant or through a record, before
/// later corrections. Every read and `audit report` take it.
struct RecordingPointOptions: ParsableArguments {
    @Option(
        name: .customLong("as-recorded-at"), parsing: .unconditional,
        help: ArgumentHelp("What the registry had recorded at this time (RFC 3339, e.g. 2021-01-01T00:00:00+01:00).", valueName: "time")
    )
    var asRecordedAt: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("What the registry had recorded through event N of the log.", valueName: "n"))
    var atSeq: UInt64?

    func validate() throws {
        if let asRecordedAt { try TimeAxes.checkTime(asRecordedAt, option: "--as-recorded-at") }
        if atSeq != nil && asRecordedAt != nil {
            throw ValidationError("--at-seq and --as-recorded-at both name a point on the recording axis: give one of them")
        }
    }

    var parameters: [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        if let atSeq { result["at_seq"] = .int(Int64(atSeq)) }
        if let asRecordedAt { result["as_recorded_at"] = .string(asRecordedAt) }
        return result
    }
}

/// Both axes of a read, with `--as-of`, the deprecated option that meant either.
struct PointInTimeOptions: ParsableArguments {
    @OptionGroup var recorded: RecordingPointOptions

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Deprecated, removed in the next release: a date means --on, a time --as-recorded-at.", valueName: "date-or-time")
    )
    var asOf: String?

    func validate() throws {
        if let asOf {
            if (try? CalendarDate(asOf)) == nil, (try? Timestamp(asOf)) == nil {
                throw ValidationError("--as-of: '\(asOf)' is neither a date (YYYY-MM-DD) nor an RFC 3339 time; use --on DATE or --as-recorded-at TIME")
            }
            if recorded.atSeq != nil || recorded.asRecordedAt != nil, asOf.count > 10 {
                throw ValidationError("--as-of with a time is the deprecated form of --as-recorded-at: give --as-recorded-at or --at-seq alone")
            }
        }
    }

    /// The parameters of both axes; `validDate` for the methods that take a valid date (`on`),
    /// nil for the others, where a date is refused with the reason.
    func parameters(validDate: ValidDateOptions?) throws -> [String: JSONValue] {
        var result = recorded.parameters
        if let on = validDate?.on { result["on"] = .string(on) }
        if let asOf {
            let isDate = asOf.count == 10
            if isDate {
                guard let validDate else {
                    throw ValidationError("--as-of \(asOf): this command has no valid date to set; for what the registry had recorded then, use --as-recorded-at TIME or --at-seq N")
                }
                guard validDate.on == nil else { throw ValidationError("--as-of is the deprecated form of --on: give --on alone") }
                result["on"] = .string(asOf)
            } else {
                result["as_recorded_at"] = .string(asOf)
            }
            Terminal.printError("warning: --as-of is deprecated and will be removed in the next release: use \(isDate ? "--on \(asOf)" : "--as-recorded-at \(asOf)")")
        }
        return result
    }
}

/// Messages for a value of the wrong kind on either axis, naming the option that was meant.
enum TimeAxes {
    /// `axisHint`: a time given to a valid-date option names the recording axis as what was meant.
    static func checkDate(_ text: String, option: String, axisHint: Bool = false) throws {
        guard (try? CalendarDate(text)) == nil else { return }
        if axisHint, (try? Timestamp(text)) != nil {
            throw ValidationError("\(option): '\(text)' is a time, but \(option) takes a date (YYYY-MM-DD); for what the registry had recorded at that time, use --as-recorded-at")
        }
        throw ValidationError("\(option): '\(text)' is not a date (YYYY-MM-DD)")
    }

    static func checkTime(_ text: String, option: String) throws {
        guard (try? Timestamp(text)) == nil else { return }
        if (try? CalendarDate(text)) != nil {
            throw ValidationError("\(option): '\(text)' is a date, but \(option) takes a time (RFC 3339, e.g. \(text)T23:59:59+01:00); for memberships valid on that day, use --on")
        }
        throw ValidationError("\(option): '\(text)' is not an RFC 3339 time (e.g. 2021-01-01T00:00:00+01:00)")
    }
}
