/// A person the retention rules say is due for erasure on a day (docs/privacy.md, "Retention"):
/// a tester some years after their last participation or their withdrawal (or their enrolment,
/// without either), a contact some years after their company left its last cluster. A contact
/// whose company never was a member is not due: there is no day to count from.
public struct RetentionDue: Sendable, Hashable {
    public var person: PersonID
    /// The day counted from.
    public var lastActivity: CalendarDate
    /// What that day is: "last participation", "consent withdrawn", "enrolled, no participation"
    /// or "company 732829320 left its last cluster".
    public var activity: String
    /// The first day the person is due: `lastActivity` and the retention period.
    public var dueOn: CalendarDate
}

extension RegistryState {
    /// Who is due for erasure on `date` with a retention of `years`, not yet erased, in the order
    /// they were recorded.
    public func dueForErasure(on date: CalendarDate, afterYears years: Int) -> [RetentionDue] {
        var due: [RetentionDue] = []
        for person in people.values where !person.isErased {
            guard let (day, activity) = lastActivity(of: person) else { continue }
            let dueOn = day.adding(months: 12 * years)
            if dueOn <= date { due.append(RetentionDue(person: person.id, lastActivity: day, activity: activity, dueOn: dueOn)) }
        }
        return due.sorted { (people[$0.person]?.history.first ?? 0) < (people[$1.person]?.history.first ?? 0) }
    }

    /// The day a person's retention is counted from, and what it is; nil when there is none yet.
    private func lastActivity(of person: PersonState) -> (CalendarDate, String)? {
        switch person.role {
        case .tester(let facts):
            if let withdrawal = person.withdrawal { return (withdrawal.on, "consent withdrawn") }
            let days = person.campaigns.compactMap { campaigns[$0]?.participations[person.id]?.on }
            if let last = days.max() { return (last, "last participation") }
            return (facts.enrolledOn, "enrolled, no participation")
        case .contact(let siren):
            guard let company = companies[siren] else { return nil }
            var last: CalendarDate?
            for cluster in company.clusters {
                for period in clusters[cluster]?.members[siren] ?? [] {
                    guard let end = period.end else { return nil }  // still a member
                    last = max(last ?? end, end)
                }
            }
            return last.map { ($0, "company \(siren) left its last cluster") }
        }
    }
}
