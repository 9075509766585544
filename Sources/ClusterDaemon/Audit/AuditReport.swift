import ClusterModel
import EventLog
import Varlink

/// The period report for auditors and funders, read from the log: the same code answers
/// `clusterctl audit report --log` and the daemon's `AuditReport` method, so both give the same
/// JSON apart from its `generated` object. The schema is in docs/api.md ("Audit report").
public enum AuditReport {
    /// One line per figure, printed in every format of the report.
    public static let definitions: KeyValuePairs<String, String> = [
        "members_start": "companies that were members on the day before the first day",
        "joined": "memberships that began on a day of the period",
        "left": "memberships that ended on a day of the period (the first day no longer a member)",
        "members_end": "companies that were members on the last day; members_start + joined - left = members_end",
        "jobs_start": "employees of the members at the start, on the day before the first day",
        "jobs_joined": "employees of the joining companies on the day they joined",
        "jobs_left": "employees of the leaving companies on their last day as members",
        "jobs_changed": "net change in the headcount of members while members, on the day each change took effect (effective_on, else the day it was recorded)",
        "jobs_end": "employees of the members at the end, on the last day; jobs_start + jobs_joined - jobs_left + jobs_changed = jobs_end",
        "new_companies": "companies whose first membership of any cluster began in the period (valid-date axis)",
        "responses": "survey responses submitted in the period; in the network and region rows each company and survey once",
        "responses_counted_again": "responses a cluster column counts that another cluster column counts too (companies in several clusters)",
        "regions": "a company counts in the region of its own department, each company once, over all its memberships",
        "axes": "memberships, joins, leaves and headcounts by their valid dates; the registry as recorded through record `at_seq`",
        "committed_start_cents": "money committed to projects on the day before the first day, in euro cents",
        "new_cents": "commitments agreed on a day of the period, at the amount agreed",
        "revised_cents": "what revisions dated in the period added to commitments (negative: took away)",
        "released_cents": "what projects withdrawn or rejected in the period released: committed and not disbursed",
        "committed_end_cents": "money committed on the last day; committed_start + new + revised - released = committed_end",
        "disbursed_cents": "money paid out on a day of the period; disbursed_start + disbursed = disbursed_end",
        "funding": "a funder is one SIRET; a project in several regions counts in each of them",
    ]

    /// The report on `from`...`to` from `state`, the registry as recorded through its last
    /// event, read from `log`: the source it names is that log up to that event.
    public static func build(state: RegistryState, log: EventLog, from: CalendarDate, to: CalendarDate) throws -> [String: JSONValue] {
        let last = state.lastSequence
        var headHash = log.head.chainHash
        if last != log.head.lastSequence {
            try log.forEachRecord(at: [last]) { headHash = $0.chainHash }
        }
        var object = encode(PeriodReport(state: state, from: from, to: to), funding: funding(state, from: from, to: to)) { id in
            // Each survey's results, from all its responses.
            ((try? state.surveyResults(id, breakdown: nil, weighted: false))?.questions ?? []).map(ReplyEncoding.questionResult)
        }
        object["generated"] = [
            "source": [
                "log_path": .string(log.path), "log_id": .string(log.header.logIDHex),
                "first_seq": .int(last == 0 ? 0 : 1), "last_seq": .int(Int64(last)), "head_hash": .string("\(last):\(headHash.hex)"),
            ],
        ]
        return object
    }

    static func encode(_ report: PeriodReport, funding: JSONValue, questions: (Slug) -> [JSONValue]) -> [String: JSONValue] {
        func figures(_ figures: PeriodFigures) -> [String: JSONValue] {
            [
                "members_start": .int(Int64(figures.membersStart)), "joined": .int(Int64(figures.joined)),
                "left": .int(Int64(figures.left)), "members_end": .int(Int64(figures.membersEnd)),
                "jobs_start": .int(figures.jobsStart), "jobs_joined": .int(figures.jobsJoined), "jobs_left": .int(figures.jobsLeft),
                "jobs_changed": .int(figures.jobsChanged), "jobs_end": .int(figures.jobsEnd),
                "reconciles": .bool(figures.reconciles),
            ]
        }
        var network = figures(report.network)
        network["new_companies"] = .int(Int64(report.newCompanies))
        network["responses"] = .int(Int64(report.responses))
        network["responses_cluster_sum"] = .int(Int64(report.clusterResponseSum))
        network["responses_counted_again"] = .int(Int64(report.responsesCountedAgain))
        network["responses_outside_clusters"] = .int(Int64(report.responsesOutsideClusters))
        network["clusters_start"] = .int(Int64(report.clusterCounts.start))
        network["clusters_founded"] = .int(Int64(report.clusterCounts.founded))
        network["clusters_dissolved"] = .int(Int64(report.clusterCounts.dissolved))
        network["clusters_end"] = .int(Int64(report.clusterCounts.end))
        let regions: [JSONValue] = report.regions.map { row in
            var object = figures(row.figures)
            object["region"] = .string(row.region.code)
            object["name"] = .string(row.region.name)
            object["new_companies"] = .int(Int64(row.newCompanies))
            object["responses"] = .int(Int64(row.responses))
            return .object(object)
        }
        let clusters: [JSONValue] = report.clusters.map { row in
            var object = figures(row.figures)
            object["id"] = .string(row.id.text)
            object["name"] = .string(row.name)
            object["regions"] = .array(row.regions.map { .string($0.code) })
            object["founded"] = row.founded.map { .string($0.description) } ?? .null
            object["dissolved_on"] = row.dissolvedOn.map { .string($0.description) } ?? .null
            object["responses"] = .int(Int64(row.responses))
            return .object(object)
        }
        let surveys: [JSONValue] = report.surveys.map { row in
            [
                "id": .string(row.id.text), "title": .string(row.title),
                "opens_at": .string(row.opensAt.description), "closes_at": .string(row.closesAt.description),
                "status": .string(row.status.name), "closed_by": row.status.closedBy.map(JSONValue.string) ?? .null,
                "closed_at": row.status.closedAt.map(JSONValue.string) ?? .null,
                "respondents": .int(Int64(row.respondents)), "respondents_in_period": .int(Int64(row.respondentsInPeriod)),
                "questions": .array(questions(row.id)),
            ]
        }
        var definitions: [String: JSONValue] = [:]
        for (name, text) in Self.definitions { definitions[name] = .string(text) }
        return [
            "from": .string(report.from.description), "to": .string(report.to.description), "at_seq": .int(Int64(report.lastSequence)),
            "network": .object(network), "regions": .array(regions), "clusters": .array(clusters), "surveys": .array(surveys),
            "funding": funding, "definitions": .object(definitions),
        ]
    }

    /// The period's money, reconciled, in total, per funder and per region.
    static func funding(_ state: RegistryState, from: CalendarDate, to: CalendarDate) -> JSONValue {
        let period = state.fundingPeriod(from: from, to: to)
        let funders: [JSONValue] = period.byFunder.keys.sorted { $0.description < $1.description }.map { siret in
            var object = flow(period.byFunder[siret]!)
            let funder = state.funders[siret]
            object["siret"] = .string(siret.description)
            object["name"] = .string(funder?.name ?? siret.description)
            object["kind"] = .string(funder?.kind.rawValue ?? "other")
            return .object(object)
        }
        let regions: [JSONValue] = period.byRegion.keys.sorted().map { region in
            var object = flow(period.byRegion[region]!)
            object["region"] = .string(region.code)
            object["name"] = .string(region.name)
            return .object(object)
        }
        return ["network": .object(flow(period.total)), "funders": .array(funders), "regions": .array(regions)]
    }

    static func flow(_ flow: FundingFlow) -> [String: JSONValue] {
        [
            "committed_start_cents": .int(flow.committedAtStart), "new_cents": .int(flow.newCents), "revised_cents": .int(flow.revisedCents),
            "released_cents": .int(flow.releasedCents), "committed_end_cents": .int(flow.committedAtEnd),
            "disbursed_start_cents": .int(flow.disbursedAtStart), "disbursed_cents": .int(flow.disbursedInPeriod),
            "disbursed_end_cents": .int(flow.disbursedAtEnd), "reconciles": .bool(flow.reconciles),
        ]
    }
}
