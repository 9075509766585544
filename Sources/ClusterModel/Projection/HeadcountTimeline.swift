/// A company's headcount on the valid-date axis, once it has changed: the registered count since
/// always, then each change from the day it took effect (`effective_on`, else the day it was
/// recorded). Changes are kept in order of day, and in the order recorded within a day, so a
/// correction recorded later about an earlier day lands on that day.
public struct HeadcountTimeline: Sendable, Hashable {
    public struct Change: Sendable, Hashable {
        public var day: CalendarDate
        public var employees: Int64
    }

    /// The count the company was registered with.
    public private(set) var initial: Int64
    public private(set) var changes: [Change] = []

    public init(initial: Int64, changes: [Change] = []) {
        self.initial = initial
        self.changes = changes
    }

    public mutating func change(to employees: Int64, on day: CalendarDate) {
        let index = changes.lastIndex { $0.day <= day }.map { $0 + 1 } ?? 0
        changes.insert(Change(day: day, employees: employees), at: index)
    }

    /// Employees on `day`: the last change effective on or before it, else the registered count.
    public func employees(on day: CalendarDate) -> Int64 {
        var low = 0
        var high = changes.count
        while low < high {
            let middle = (low + high) / 2
            if changes[middle].day <= day { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? initial : changes[low - 1].employees
    }

    /// Employees from the last day a change took effect on.
    public var latest: Int64 { changes.last?.employees ?? initial }

    /// The distinct days in `range` on which the headcount changed.
    func changeDays(in range: ClosedRange<CalendarDate>) -> [CalendarDate] {
        var days: [CalendarDate] = []
        for change in changes where range.contains(change.day) && days.last != change.day { days.append(change.day) }
        return days
    }
}
