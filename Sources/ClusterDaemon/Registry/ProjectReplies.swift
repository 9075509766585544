import ClusterModel
import Varlink

/// The project reads (`GetProject`, `ListProjects`, `GetFundingTotals`) on a projection, on a
/// valid date: what was committed and disbursed that day, as the projection knows it. Every
/// amount is an integer number of cents in a field named `…_cents`.
enum ProjectReplies {
    static func project(_ id: Slug, state: RegistryState, on day: CalendarDate) throws(DomainError) -> [String: JSONValue] {
        guard let project = state.projects[id] else { throw .unknownProject(id.text) }
        let record = project.record
        var object = ProjectParameters.body(.projectProposed(record))!
        object["companies"] = .array(record.companies.map { company in
            var entry: [String: JSONValue] = ["siren": .string(company.siren.description), "role": .string(company.role.rawValue)]
            if let name = state.companies[company.siren]?.record.name { entry["name"] = .string(name) }
            return .object(entry)
        })
        object["status"] = .string(project.status(on: day)?.rawValue ?? "not_yet_proposed")
        object["transitions"] = .array(project.transitions.map { transition in
            var entry: [String: JSONValue] = [
                "status": .string(transition.status.rawValue), "on": .string(transition.on.description),
                "recorded_at": .string(Timestamp.utcString(microseconds: transition.recordedAtMicroseconds)), "peer_uid": .int(Int64(transition.peerUID)),
                "seq": .int(Int64(transition.sequence)),
            ]
            if let reason = transition.reason { entry["reason"] = .string(reason) }
            return .object(entry)
        })
        let funding = state.funding(of: project, on: day)
        object["committed_cents"] = .int(funding.total.committedCents)
        object["disbursed_cents"] = .int(funding.total.disbursedCents)
        object["commitments"] = .array(project.commitments.compactMap { state.commitments[$0] }.map { commitment(state, $0, on: day) })
        return ["project": .object(object), "on": .string(day.description), "seq": .int(Int64(state.lastSequence))]
    }

    static func commitment(_ state: RegistryState, _ commitment: CommitmentState, on day: CalendarDate) -> JSONValue {
        var object = ProjectParameters.body(.fundingCommitted(commitment.record))!
        if let title = state.projects[commitment.record.project]?.record.title { object["project_title"] = .string(title) }
        // Each beneficiary with the name and SIRET the registry holds for it.
        object["beneficiaries"] = .array(commitment.record.beneficiaries.map { beneficiary in
            var entry = ProjectParameters.beneficiaryObject(beneficiary).objectValue ?? [:]
            switch beneficiary.party {
            case .company(let siret):
                if let name = state.companies[siret.siren]?.record.name { entry["name"] = .string(name) }
            case .cluster(let id):
                if let cluster = state.clusters[id]?.record {
                    entry["name"] = .string(cluster.name)
                    if let siret = cluster.siret { entry["siret"] = .string(siret.description) }
                }
            case .association:
                break
            }
            return .object(entry)
        })
        object["committed_cents"] = .int(state.committed(commitment, on: day))
        object["disbursed_cents"] = .int(commitment.disbursed(on: day))
        // The day its project was withdrawn or rejected, by `day`: from then on what was not paid is released.
        if let abandonedOn = state.projects[commitment.record.project]?.abandonedOn, abandonedOn <= day {
            object["released_on"] = .string(abandonedOn.description)
        }
        object["recorded_at"] = .string(Timestamp.utcString(microseconds: commitment.recordedAtMicroseconds))
        object["seq"] = .int(Int64(commitment.sequence))
        object["revisions"] = .array(commitment.revisions.map { revision in
            [
                "on": .string(revision.on.description), "amount_cents": .int(revision.amountCents), "reason": .string(revision.reason),
                "recorded_at": .string(Timestamp.utcString(microseconds: revision.recordedAtMicroseconds)), "seq": .int(Int64(revision.sequence)),
            ]
        })
        object["disbursements"] = .array(commitment.disbursements.map { disbursement in
            var entry: [String: JSONValue] = [
                "on": .string(disbursement.on.description), "amount_cents": .int(disbursement.amountCents),
                "recorded_at": .string(Timestamp.utcString(microseconds: disbursement.recordedAtMicroseconds)), "seq": .int(Int64(disbursement.sequence)),
            ]
            if let reference = disbursement.reference { entry["reference"] = .string(reference) }
            return .object(entry)
        })
        return .object(object)
    }

    /// The commitments agreed by `day` (and from `from` to `to`, when given), by agreement date
    /// then id, each at its amount on `day`: what the open-data exports are written from.
    static func commitments(state: RegistryState, on day: CalendarDate, from: CalendarDate?, to: CalendarDate?) throws(DomainError) -> [String: JSONValue] {
        if let from, let to, to < from { throw .invalidArgument(field: "to", reason: "\(to) is before from (\(from))") }
        let listed = state.commitments.values
            .filter { commitment in
                let agreed = commitment.record.agreedOn
                return agreed <= day && (from.map { agreed >= $0 } ?? true) && (to.map { agreed <= $0 } ?? true)
            }
            .sorted { ($0.record.agreedOn, $0.record.id) < ($1.record.agreedOn, $1.record.id) }
            .map { commitment(state, $0, on: day) }
        return ["commitments": .array(listed), "on": .string(day.description), "seq": .int(Int64(state.lastSequence))]
    }

    /// Every project proposed by `day` (no limit), by id, optionally of a cluster (lead or
    /// other), a region or a status that day.
    static func list(
        state: RegistryState, on day: CalendarDate, cluster: Slug?, region: Region?, status: ProjectStatus?
    ) throws(DomainError) -> [String: JSONValue] {
        if let cluster, state.clusters[cluster] == nil { throw .unknownCluster(cluster.text) }
        var listed: [JSONValue] = []
        for id in state.projects.keys.sorted() {
            let project = state.projects[id]!
            guard let current = project.status(on: day) else { continue }
            if let cluster, !project.record.clusters.contains(cluster) { continue }
            if let region, !project.record.regions.contains(region) { continue }
            if let status, status != current { continue }
            let funding = state.funding(of: project, on: day)
            listed.append([
                "id": .string(id.text), "title": .string(project.record.title), "lead_cluster": .string(project.record.leadCluster.text),
                "status": .string(current.rawValue), "regions": .array(project.record.regions.map { .string($0.code) }),
                "starts_on": .string(project.record.startsOn.description), "ends_on": .string(project.record.endsOn.description),
                "committed_cents": .int(funding.total.committedCents), "disbursed_cents": .int(funding.total.disbursedCents),
                "funders": .array(funders(funding.byFunder, state: state)),
            ])
        }
        return ["projects": .array(listed), "total": .int(Int64(listed.count)), "on": .string(day.description), "seq": .int(Int64(state.lastSequence))]
    }

    /// Funders by the amount they committed (largest first), then by name.
    private static func funders(_ amounts: [SIRET: FundingAmounts], state: RegistryState) -> [JSONValue] {
        amounts.sorted { ($1.value.committedCents, name(of: $0.key, state)) < ($0.value.committedCents, name(of: $1.key, state)) }.map { siret, amount in
            let funder = state.funders[siret]
            return [
                "name": .string(funder?.name ?? siret.description), "siret": .string(siret.description), "kind": .string(funder?.kind.rawValue ?? "other"),
                "committed_cents": .int(amount.committedCents), "disbursed_cents": .int(amount.disbursedCents), "projects": .int(Int64(amount.projects.count)),
            ]
        }
    }

    private static func name(of siret: SIRET, _ state: RegistryState) -> String { state.funders[siret]?.name ?? siret.description }

    static func totals(state: RegistryState, on day: CalendarDate) -> [String: JSONValue] {
        let totals = state.fundingTotals(on: day)
        func row(_ key: String, _ label: String, _ amounts: FundingAmounts) -> JSONValue {
            [
                "key": .string(key), "label": .string(label), "committed_cents": .int(amounts.committedCents),
                "disbursed_cents": .int(amounts.disbursedCents), "projects": .int(Int64(amounts.projects.count)),
            ]
        }
        var leverage: [String: JSONValue] = [
            "agency_cents": .int(totals.leverage.agencyCents), "private_cents": .int(totals.leverage.privateCents),
            "local_cents": .int(totals.leverage.localCents), "projects": .int(Int64(totals.leverage.projects)),
        ]
        if let ratio = totals.leverage.perAgencyEuro { leverage["per_agency_euro"] = .string(ratio) }
        return [
            "on": .string(day.description), "seq": .int(Int64(state.lastSequence)),
            "committed_cents": .int(totals.total.committedCents), "disbursed_cents": .int(totals.total.disbursedCents),
            "projects": .int(Int64(totals.total.projects.count)),
            "by_funder": .array(funders(totals.byFunder, state: state)),
            "by_region": .array(totals.byRegion.keys.sorted().map { row($0.code, $0.name, totals.byRegion[$0]!) }),
            "by_cluster": .array(totals.byCluster.keys.sorted().map { row($0.text, state.clusters[$0]?.record.name ?? $0.text, totals.byCluster[$0]!) }),
            "by_year": .array(totals.byYear.keys.sorted().map { row(String($0), String($0), totals.byYear[$0]!) }),
            "leverage": .object(leverage),
        ]
    }
}
