import ClusterModel
import EventLog
import Varlink

/// What happened in a period, per cluster, proven from the log file alone: joins, leaves, new
/// companies, survey responses, and the results of the surveys that closed in the period.
public enum AuditReport {
    /// Builds the report for the days `from` through `to`. Memberships count by their own dates;
    /// new companies by the day their registration was committed; responses by their submission
    /// day; a survey closes in the period when its window ends in it or it was closed in it.
    public static func build(log: EventLog, from: CalendarDate, to: CalendarDate) throws -> [String: JSONValue] {
        var state = RegistryState()
        var joins: [Slug: [JSONValue]] = [:]
        var leaves: [Slug: [JSONValue]] = [:]
        var responses: [Slug: Int] = [:]
        var newCompanies: [JSONValue] = []
        var closedSurveys: [Slug] = []
        func inPeriod(_ date: CalendarDate) -> Bool { from <= date && date <= to }
        try log.forEachRecord { record in
            let event = try EventCodec.decode(record.payload)
            let committed = Timestamp(microsecondsSinceEpoch: record.commitTimeMicroseconds).localDate
            switch event.kind {
            case .membershipStarted(let cluster, let siren, let date) where inPeriod(date):
                joins[cluster, default: []].append(["siren": .string(siren.description), "name": .string(state.companies[siren]?.record.name ?? ""), "date": .string(date.description)])
            case .membershipEnded(let cluster, let siren, let date, let reason) where inPeriod(date):
                var entry: [String: JSONValue] = ["siren": .string(siren.description), "name": .string(state.companies[siren]?.record.name ?? ""), "date": .string(date.description)]
                if let reason { entry["reason"] = .string(reason) }
                leaves[cluster, default: []].append(.object(entry))
            case .companyRegistered(let company) where inPeriod(committed):
                newCompanies.append(["siren": .string(company.siren.description), "name": .string(company.name), "registered_on": .string(committed.description)])
            case .responseSubmitted(_, let siren, let submittedAt, _) where inPeriod(submittedAt.localDate):
                for cluster in state.clusters(of: siren, on: submittedAt.localDate) { responses[cluster, default: 0] += 1 }
            case .surveyClosed(let survey) where inPeriod(committed):
                if !closedSurveys.contains(survey) { closedSurveys.append(survey) }
            default:
                break
            }
            state.apply(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds)
        }
        for (id, survey) in state.surveys.sorted(by: { $0.key < $1.key }) where inPeriod(survey.definition.closesAt.localDate) && !closedSurveys.contains(id) {
            closedSurveys.append(id)
        }
        let clusters: [JSONValue] = state.clusters.keys.sorted().compactMap { id in
            guard let cluster = state.clusters[id] else { return nil }
            let startCount = cluster.members.values.filter { $0.contains { $0.contains(from) } }.count
            let endCount = cluster.members.values.filter { $0.contains { $0.contains(to) } }.count
            return [
                "id": .string(id.text), "name": .string(cluster.record.name),
                "members_at_start": .int(Int64(startCount)), "members_at_end": .int(Int64(endCount)),
                "joins": .array(joins[id] ?? []), "leaves": .array(leaves[id] ?? []), "responses": .int(Int64(responses[id] ?? 0)),
            ]
        }
        let surveys: [JSONValue] = try closedSurveys.map { id in
            .object(ReplyEncoding.surveyResults(try state.surveyResults(id, breakdown: nil, weighted: false), sequence: state.lastSequence))
        }
        let head = log.head
        return [
            "from": .string(from.description), "to": .string(to.description), "log_path": .string(log.path),
            "log_id": .string(log.header.logIDHex), "head_hash": .string("\(head.lastSequence):\(head.chainHash.hex)"),
            "clusters": .array(clusters), "new_companies": .array(newCompanies), "surveys": .array(surveys),
            "totals": [
                "joins": .int(Int64(joins.values.reduce(0) { $0 + $1.count })), "leaves": .int(Int64(leaves.values.reduce(0) { $0 + $1.count })),
                "new_companies": .int(Int64(newCompanies.count)), "responses": .int(Int64(responses.values.reduce(0, +))),
            ],
        ]
    }
}
