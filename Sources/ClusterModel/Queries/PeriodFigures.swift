/// The movement of one unit (a cluster, a region, the network) over the days `from` through `to`,
/// on the valid-date axis. Built so that it reconciles:
/// `membersStart + joined - left == membersEnd` and
/// `jobsStart + jobsJoined - jobsLeft + jobsChanged == jobsEnd`.
public struct PeriodFigures: Sendable, Hashable {
    /// Members on the day before `from` (at the start of the first day).
    public var membersStart = 0
    /// Memberships that began on a day of the period.
    public var joined = 0
    /// Memberships that ended on a day of the period (the member's first day as a non-member).
    public var left = 0
    /// Members on `to` (at the end of the last day).
    public var membersEnd = 0
    /// Employees of the members at the start, on the day before `from`.
    public var jobsStart: Int64 = 0
    /// Employees of the joining companies on the day they joined.
    public var jobsJoined: Int64 = 0
    /// Employees of the leaving companies on their last day as members.
    public var jobsLeft: Int64 = 0
    /// Net headcount changes of members, on days of the period they were members on and the day before.
    public var jobsChanged: Int64 = 0
    /// Employees of the members at the end, on `to`.
    public var jobsEnd: Int64 = 0

    public init() {}

    public var reconciles: Bool {
        membersStart + joined - left == membersEnd && jobsStart + jobsJoined - jobsLeft + jobsChanged == jobsEnd
    }

    /// Adds one membership (or one stretch of network membership) of a company.
    mutating func add(_ period: MembershipPeriod, headcount: HeadcountTimeline, from: CalendarDate, to: CalendarDate) {
        let dayBefore = from.adding(days: -1)
        if period.contains(dayBefore) {
            membersStart += 1
            jobsStart += headcount.employees(on: dayBefore)
        }
        if from <= period.start && period.start <= to {
            joined += 1
            jobsJoined += headcount.employees(on: period.start)
        }
        if let end = period.end, from <= end && end <= to {
            left += 1
            jobsLeft += headcount.employees(on: end.adding(days: -1))
        }
        if period.contains(to) {
            membersEnd += 1
            jobsEnd += headcount.employees(on: to)
        }
        // A change counts when the company was a member on its day and on the day before.
        let first = max(from, period.start.adding(days: 1))
        let last = min(to, period.end?.adding(days: -1) ?? to)
        if first <= last {
            for day in headcount.changeDays(in: first...last) {
                jobsChanged += headcount.employees(on: day) - headcount.employees(on: day.adding(days: -1))
            }
        }
    }
}
