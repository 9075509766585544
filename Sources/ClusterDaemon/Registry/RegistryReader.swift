import ClusterModel
import EventLog
import Varlink

/// Answers the read methods of `org.clusterd.Registry` from a projection and its log.
///
/// The daemon and `clusterctl --log` use this same code, so their answers cannot drift apart.
public struct RegistryReader: Sendable {
    public static let readMethods: Set<String> = [
        "GetStats", "GetCluster", "ListClusters", "GetCompany", "ListMembers", "ListSurveys", "GetSurveyResults", "History",
    ]

    public let log: EventLog
    /// Today, for "current" membership when no as_of is given.
    public let today: CalendarDate
    /// Projections rebuilt by earlier historical reads, to start from (nil: from the log's start).
    public let rebuilt: RebuiltStates?

    public init(log: EventLog, today: CalendarDate, rebuilt: RebuiltStates? = nil) {
        self.log = log
        self.today = today
        self.rebuilt = rebuilt
    }

    /// Answers `method`; throws `DomainError` for bad parameters and unknown entities.
    public func answer(_ method: String, _ values: [String: JSONValue], state current: RegistryState) throws -> [String: JSONValue] {
        let p = Parameters(values)
        let state = try pointInTime(p, current: current)
        let sequence = state.lastSequence
        let date = try p.optionalDate("as_of") ?? today
        switch method {
        case "GetStats":
            return ReplyEncoding.statistics(state.statistics(on: date), sequence: sequence)
        case "GetCluster":
            let view = try state.cluster(try p.slug("id"), on: date)
            return ["cluster": ReplyEncoding.cluster(view), "as_of": .string(date.description), "seq": .int(Int64(sequence))]
        case "ListClusters":
            let (offset, limit) = try paging(p)
            let region = try p.optionalString("region").map { text throws(DomainError) in try Region(text) }
            let page = state.listClusters(region: region, section: try p.optionalSection("naf_section"), offset: offset, limit: limit, on: date)
            return [
                "clusters": .array(page.items.map(ReplyEncoding.cluster)), "total": .int(Int64(page.total)),
                "as_of": .string(date.description), "seq": .int(Int64(sequence)),
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
                "as_of": .string(date.description), "seq": .int(Int64(sequence)),
            ]
        case "ListSurveys":
            let surveys = state.surveys.keys.sorted().map { ReplyEncoding.surveySummary(state.surveys[$0]!) }
            return ["surveys": .array(surveys), "seq": .int(Int64(sequence))]
        case "GetSurveyResults":
            let breakdown = try p.optionalString("breakdown").map { text throws(DomainError) -> SurveyBreakdown in
                guard let value = SurveyBreakdown(rawValue: text) else {
                    throw .invalidArgument(field: "breakdown", reason: "'\(text)' is not one of cluster, region, size, section")
                }
                return value
            }
            let results = try state.surveyResults(try p.slug("survey"), breakdown: breakdown, weighted: try p.optionalBool("weighted") ?? false)
            return ReplyEncoding.surveyResults(results, sequence: sequence)
        case "History":
            return ["events": .array(try history(p, state: state)), "seq": .int(Int64(sequence))]
        default:
            throw VarlinkError.methodNotImplemented("\(RegistryInterfaceDefinition.name).\(method)")
        }
    }

    /// Whether answering `method` with `values` reads the log, not only a projection: `History`,
    /// and reads at a past point (`pointInTime` replays to it). The daemon runs them on its
    /// history threads.
    public static func readsTheLog(_ method: String, _ values: [String: JSONValue]) -> Bool {
        method == "History" || [atSequence, atTime].contains { values[$0].map { $0 != .null } == true }
    }

    private static let atSequence = "at_seq"
    private static let atTime = "at_time"

    /// The projection at `at_seq` or `at_time`, or the current one.
    private func pointInTime(_ p: Parameters<[String: JSONValue]>, current: RegistryState) throws -> RegistryState {
        var target = try p.sequence(Self.atSequence)
        if let timeText = try p.optionalString(Self.atTime) {
            guard target == nil else { throw DomainError.invalidArgument(field: Self.atTime, reason: "give at_seq or at_time, not both") }
            let time = try Timestamp(timeText, field: Self.atTime)
            target = try RegistryReplay.sequence(committedBy: time.microsecondsSinceEpoch, in: log)
        }
        guard let target, target != current.lastSequence else { return current }
        guard target <= current.lastSequence else {
            throw DomainError.invalidArgument(field: "at_seq", reason: "the log ends at \(current.lastSequence), before \(target)")
        }
        if let rebuilt { return try rebuilt.state(at: target, of: log) }
        return try RegistryReplay.replay(log, through: target, verifyingChecksums: false, checkingRules: false)
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
