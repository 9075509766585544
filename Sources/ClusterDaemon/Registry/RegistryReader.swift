import ClusterModel
import EventLog
import Varlink

/// Answers the read methods of `org.clusterd.Registry` from a projection and its log.
///
/// The daemon and `clusterctl --log` use this same code, so their answers cannot drift apart.
public struct RegistryReader: Sendable {
    public static let readMethods: Set<String> = [
        "GetStats", "GetCluster", "ListClusters", "GetCompany", "ListMembers", "ListSurveys", "GetSurveyResults", "History", "AuditReport",
        "GetProject", "ListProjects", "GetFundingTotals", "ListCommitments",
    ]

    public let log: EventLog
    /// Now, for the status of surveys when no recording point is given.
    public let nowMicroseconds: Int64
    /// Projections rebuilt by earlier historical reads, to start from (nil: from the log's start).
    public let rebuilt: RebuiltStates?

    public init(log: EventLog, nowMicroseconds: Int64, rebuilt: RebuiltStates? = nil) {
        self.log = log
        self.nowMicroseconds = nowMicroseconds
        self.rebuilt = rebuilt
    }

    /// Today, for "current" membership when neither `on` nor a recording point is given.
    public var today: CalendarDate { Timestamp(microsecondsSinceEpoch: nowMicroseconds).localDate }

    /// Answers `method`; throws `DomainError` for bad parameters and unknown entities.
    public func answer(_ method: String, _ values: [String: JSONValue], state current: RegistryState) throws -> [String: JSONValue] {
        let p = Parameters(values)
        let (state, recordedAt) = try pointInTime(p, current: current)
        let sequence = state.lastSequence
        let date = try validDate(p) ?? recordedAt?.localDate ?? today
        let statusTime = recordedAt?.microsecondsSinceEpoch ?? nowMicroseconds
        switch method {
        case "GetStats":
            return ReplyEncoding.statistics(state.statistics(on: date), sequence: sequence)
        case "GetCluster":
            let view = try state.cluster(try p.slug("id"), on: date)
            return ["cluster": ReplyEncoding.cluster(view), "on": .string(date.description), "as_of": .string(date.description), "seq": .int(Int64(sequence))]
        case "ListClusters":
            let (offset, limit) = try paging(p)
            let region = try p.optionalString("region").map { text throws(DomainError) in try Region(text) }
            let page = state.listClusters(region: region, section: try p.optionalSection("naf_section"), offset: offset, limit: limit, on: date)
            return [
                "clusters": .array(page.items.map(ReplyEncoding.cluster)), "total": .int(Int64(page.total)),
                "on": .string(date.description), "as_of": .string(date.description), "seq": .int(Int64(sequence)),
            ]
        case "GetCompany":
            let (record, memberships) = try state.company(try p.siren())
            return [
                "company": ReplyEncoding.company(record), "memberships": .array(memberships.map(ReplyEncoding.membership)),
                "seq": .int(Int64(sequence)),
            ]
        case "ListMembers":
            let (offset, limit) = try paging(p)
            let page = try state.members(of: try p.slug("cluster"), on: date, offset: offset, limit: limit)
            return [
                "members": .array(page.items.map(ReplyEncoding.member)), "total": .int(Int64(page.total)),
                "on": .string(date.description), "as_of": .string(date.description), "seq": .int(Int64(sequence)),
            ]
        case "ListSurveys":
            let surveys = state.surveys.keys.sorted().map { ReplyEncoding.surveySummary(state.surveys[$0]!, at: statusTime) }
            return ["surveys": .array(surveys), "seq": .int(Int64(sequence))]
        case "GetSurveyResults":
            let breakdown = try p.optionalString("breakdown").map { text throws(DomainError) -> SurveyBreakdown in
                guard let value = SurveyBreakdown(rawValue: text) else {
                    throw .invalidArgument(field: "breakdown", reason: "'\(text)' is not one of cluster, region, size, section")
                }
                return value
            }
            let id = try p.slug("survey")
            let results = try state.surveyResults(id, breakdown: breakdown, weighted: try p.optionalBool("weighted") ?? false)
            var reply = ReplyEncoding.surveyResults(results, sequence: sequence)
            if let survey = state.surveys[id] { reply.merge(ReplyEncoding.surveyStatus(SurveyStatus(survey, at: statusTime))) { $1 } }
            return reply
        case "History":
            return ["events": .array(try history(p, state: state)), "seq": .int(Int64(sequence))]
        case "GetProject":
            return try ProjectReplies.project(try p.slug("id"), state: state, on: date)
        case "ListProjects":
            return try ProjectReplies.list(
                state: state, on: date, cluster: try p.optionalString("cluster").map { text throws(DomainError) in try Slug(text, field: "cluster") },
                region: try p.optionalString("region").map { text throws(DomainError) in try Region(text, field: "region") },
                status: try p.optionalString("status").map { text throws(DomainError) in try ProjectStatus(text) }
            )
        case "GetFundingTotals":
            return ProjectReplies.totals(state: state, on: date)
        case "ListCommitments":
            return try ProjectReplies.commitments(state: state, on: date, from: try p.optionalDate("from"), to: try p.optionalDate("to"))
        case "AuditReport":
            let from = try p.date("from")
            let to = try p.date("to")
            guard from <= to else { throw DomainError.invalidArgument(field: "to", reason: "\(to) is before from (\(from))") }
            return ["report": .object(try AuditReport.build(state: state, log: log, from: from, to: to))]
        default:
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    /// Whether answering `method` with `values` reads the log, not only a projection: `History`,
    /// and reads at a past recording point (`pointInTime` replays to it); or walks every company
    /// and membership (`AuditReport`). The daemon runs them on its history threads.
    public static func readsTheLog(_ method: String, _ values: [String: JSONValue]) -> Bool {
        method == "History" || method == "AuditReport" || recordingFields.contains { values[$0].map { $0 != .null } == true }
    }

    /// The recording axis: `at_seq`, `as_recorded_at`, and `at_time`, the deprecated name of `as_recorded_at`.
    private static let recordingFields = ["at_seq", "as_recorded_at", "at_time"]

    /// The valid date asked for: `on`, or `as_of`, its deprecated name; a time is refused with
    /// the name of the parameter that takes one.
    private func validDate(_ p: Parameters<[String: JSONValue]>) throws(DomainError) -> CalendarDate? {
        if p.has("on") && p.has("as_of") {
            throw .invalidArgument(field: "as_of", reason: "as_of is the deprecated name of on: give on alone")
        }
        let field = p.has("as_of") ? "as_of" : "on"
        guard let text = try p.optionalString(field) else { return nil }
        if (try? CalendarDate(text)) == nil, (try? Timestamp(text)) != nil {
            throw .invalidArgument(field: field, reason: "'\(text)' is a time, but \(field) takes a date (YYYY-MM-DD); for what the registry had recorded at that time, use as_recorded_at")
        }
        return try CalendarDate(text, field: field)
    }

    /// The record a read looks at on the recording axis: `at_seq`, or the last committed by
    /// `as_recorded_at` (or `at_time`, its deprecated name); nil for the current state. With
    /// the time asked for, when one was.
    private func recordingPoint(_ p: Parameters<[String: JSONValue]>) throws -> (sequence: UInt64, time: Timestamp?)? {
        let timeFields = ["as_recorded_at", "at_time"].filter { p.has($0) }
        guard timeFields.count + (p.has("at_seq") ? 1 : 0) <= 1 else {
            throw DomainError.invalidArgument(
                field: timeFields.last ?? "at_seq", reason: "at_seq, as_recorded_at and at_time (deprecated) all name a point on the recording axis: give one"
            )
        }
        if let sequence = try p.sequence("at_seq") { return (sequence, nil) }
        guard let field = timeFields.first, let text = try p.optionalString(field) else { return nil }
        if (try? Timestamp(text)) == nil, (try? CalendarDate(text)) != nil {
            throw DomainError.invalidArgument(
                field: field, reason: "'\(text)' is a date, but \(field) takes a time (RFC 3339, e.g. \(text)T23:59:59+01:00); for memberships valid on that day, use on"
            )
        }
        let time = try Timestamp(text, field: field)
        return (try RegistryReplay.sequence(committedBy: time.microsecondsSinceEpoch, in: log), time)
    }

    /// The projection at the recording point, or the current one, and the time of that point:
    /// the one asked for, or the commit time of record `at_seq`. Its day is the default valid date.
    private func pointInTime(_ p: Parameters<[String: JSONValue]>, current: RegistryState) throws -> (RegistryState, Timestamp?) {
        guard let (target, time) = try recordingPoint(p) else { return (current, nil) }
        guard target <= current.lastSequence else {
            throw DomainError.invalidArgument(field: "at_seq", reason: "the log ends at \(current.lastSequence), before \(target)")
        }
        let state: RegistryState
        if target == current.lastSequence {
            state = current
        } else if let rebuilt {
            state = try rebuilt.state(at: target, of: log)
        } else {
            state = try RegistryReplay.replay(log, through: target, verifyingChecksums: false, checkingRules: false)
        }
        return (state, time ?? Timestamp(microsecondsSinceEpoch: state.lastCommitTimeMicroseconds))
    }

    private func paging(_ p: Parameters<[String: JSONValue]>) throws(DomainError) -> (Int, Int) {
        let offset = try p.optionalInteger("offset") ?? 0
        let limit = try p.optionalInteger("limit") ?? 100
        guard offset >= 0 else { throw .invalidArgument(field: "offset", reason: "must not be negative") }
        guard (1...10_000).contains(limit) else { throw .invalidArgument(field: "limit", reason: "must be 1 to 10000") }
        return (Int(offset), Int(limit))
    }

    private func history(_ p: Parameters<[String: JSONValue]>, state: RegistryState) throws -> [JSONValue] {
        let sequences: [UInt64]
        switch (p.has("siren"), p.has("cluster")) {
        case (true, false):
            let siren = try p.siren()
            guard let company = state.companies[siren] else { throw DomainError.unknownCompany(siren.description) }
            sequences = Array(company.history)
        case (false, true):
            let cluster = try p.slug("cluster")
            guard let state = state.clusters[cluster] else { throw DomainError.unknownCluster(cluster.text) }
            sequences = Array(state.history)
        default:
            throw DomainError.invalidArgument(field: "siren", reason: "give either siren or cluster")
        }
        return try events(at: sequences)
    }

    /// The events at `sequences` (ascending), read from the log in one pass.
    public func events(at sequences: [UInt64]) throws -> [JSONValue] {
        var result: [JSONValue] = []
        result.reserveCapacity(sequences.count)
        try log.forEachRecord(at: sequences, verifyingChecksums: true) { record in
            let event = try EventCodec.decode(record.payload)
            result.append(ReplyEncoding.logEvent(event, sequence: record.sequence, commitTimeMicroseconds: record.commitTimeMicroseconds, chainHash: record.chainHash))
        }
        return result
    }
}
