import ClusterModel
import Varlink

/// The write methods of projects and money: their parameters read into commands, and commands
/// and events written back as the same parameters (an event's body in History and Watch is the
/// call that caused it).
enum ProjectParameters {
    /// The method that moves a project to each status.
    static let statusMethods: [String: ProjectStatus] = [
        "ApproveProject": .approved, "StartProject": .running, "CompleteProject": .completed, "WithdrawProject": .withdrawn, "RejectProject": .rejected,
    ]

    static let writeMethods: Set<String> = Set(statusMethods.keys).union(["ProposeProject", "CommitFunding", "ReviseCommitment", "DisburseFunding"])

    static func command<Values: JSONObjectLookup>(_ method: String, _ p: Parameters<Values>) throws(DomainError) -> Command {
        if let status = statusMethods[method] {
            return .changeProjectStatus(project: try p.slug("project"), to: status, on: try p.date("on"), reason: try p.optionalText("reason"))
        }
        switch method {
        case "ProposeProject":
            let regions = try p.regions("regions")
            let departments = p.has("departments") ? try p.departments("departments") : []
            do {
                try RecordValidation.checkTerritory(regions: regions, departments: departments)
            } catch {
                throw error.prefixingField(with: p.prefix)
            }
            return .proposeProject(
                ProjectRecord(
                    id: try p.slug("id"), title: try p.text("title"), leadCluster: try p.slug("lead_cluster"),
                    otherClusters: try (p.optionalStrings("clusters") ?? []).enumerated().map { index, text throws(DomainError) in
                        try Slug(text, field: p.name("clusters[\(index)]"))
                    },
                    regions: regions, departments: departments, startsOn: try p.date("starts_on"), endsOn: try p.date("ends_on"),
                    description: try p.optionalText("description", maximum: ProjectRecord.descriptionLimit), proposedOn: try p.date("proposed_on"),
                    companies: try objects("companies", p, required: false).map { q throws(DomainError) in
                        ProjectCompany(siren: try q.siren(), role: try ProjectRole(try q.string("role"), field: q.name("role")))
                    },
                    partners: try objects("partners", p, required: false).map { q throws(DomainError) in
                        ProjectPartner(partner: try partner(q), role: try ProjectRole(try q.string("role"), field: q.name("role")))
                    }
                )
            )
        case "CommitFunding":
            guard let grantor = p.values["grantor"]?.objectValue else { throw p.invalid("grantor", "must be an object: name, siret, kind") }
            let g = Parameters(grantor, prefix: p.name("grantor."))
            let beneficiaries = try objects("beneficiaries", p, required: true)
            return .commitFunding(
                CommitmentRecord(
                    id: try p.slug("id"), project: try p.slug("project"),
                    instrument: try FundingInstrument(try p.string("instrument"), field: p.name("instrument")),
                    grantor: Funder(
                        name: try g.text("name"), siret: try SIRET(try g.string("siret"), field: g.name("siret")),
                        kind: try PartnerKind(try g.string("kind"), field: g.name("kind"))
                    ),
                    amountCents: try cents("amount_cents", p), agreedOn: try p.date("agreed_on"),
                    decisionReference: try p.text("decision_reference", maximum: 100), object: try p.text("object", maximum: CommitmentRecord.objectLimit),
                    nature: try FundingNature(try p.string("nature"), field: p.name("nature")),
                    paymentTerms: try PaymentTerms(kind: try p.string("payment_terms"), text: try p.optionalString("payment_terms_text"), field: p.name("payment_terms")),
                    plannedPayment: PaymentPeriod(from: try p.date("planned_payment_from"), to: try p.optionalDate("planned_payment_to")),
                    notifiedEU: try notified(p),
                    beneficiaries: try beneficiaries.map { q throws(DomainError) in try beneficiary(q, shared: beneficiaries.count > 1) },
                    raeID: try p.optionalString("rae_id"), aidScheme: try p.optionalText("aid_scheme", maximum: 100)
                )
            )
        case "ReviseCommitment":
            return .reviseCommitment(
                commitment: try p.slug("commitment"), amountCents: try cents("amount_cents", p, zeroAllowed: true), on: try p.date("on"),
                reason: try p.text("reason")
            )
        case "DisburseFunding":
            return .disburseFunding(
                commitment: try p.slug("commitment"), amountCents: try cents("amount_cents", p), on: try p.date("on"),
                reference: try p.optionalText("reference", maximum: 100)
            )
        default:
            throw .invalidArgument(field: p.name("method"), reason: "'\(method)' is no project method")
        }
    }

    /// A partner as `LinkPartner` and a project's partners give it.
    static func partner<Values: JSONObjectLookup>(_ p: Parameters<Values>) throws(DomainError) -> Partner {
        Partner(
            id: try p.slug("partner_id"), name: try p.text("name"), kind: try PartnerKind(try p.string("kind"), field: p.name("kind")),
            siret: try p.optionalString("siret").map { text throws(DomainError) in try SIRET(text, field: p.name("siret")) }
        )
    }

    private static func notified<Values: JSONObjectLookup>(_ p: Parameters<Values>) throws(DomainError) -> Bool {
        guard let notified = try p.optionalBool("notified_eu") else { throw p.invalid("notified_eu", "is required: true or false") }
        return notified
    }

    private static func cents<Values: JSONObjectLookup>(_ field: String, _ p: Parameters<Values>, zeroAllowed: Bool = false) throws(DomainError) -> Int64 {
        let amount = try p.integer(field)
        try Money.check(amount, field: p.name(field), zeroAllowed: zeroAllowed)
        return amount
    }

    /// The objects of a list parameter, each with its own prefix (`beneficiaries[1].`).
    private static func objects<Values: JSONObjectLookup>(_ field: String, _ p: Parameters<Values>, required: Bool) throws(DomainError) -> [Parameters<[String: JSONValue]>] {
        guard p.has(field) else {
            if required { throw p.invalid(field, "is required") }
            return []
        }
        guard let list = p.values[field]?.arrayValue else { throw p.invalid(field, "must be a list of objects") }
        var result: [Parameters<[String: JSONValue]>] = []
        for (index, value) in list.enumerated() {
            guard let object = value.objectValue else { throw p.invalid("\(field)[\(index)]", "must be an object") }
            result.append(Parameters(object, prefix: p.name("\(field)[\(index)].")))
        }
        return result
    }

    private static func beneficiary(_ q: Parameters<[String: JSONValue]>, shared: Bool) throws(DomainError) -> Beneficiary {
        let kind = try q.string("kind")
        let siret = try q.optionalString("siret").map { text throws(DomainError) in try SIRET(text, field: q.name("siret")) }
        let party: BeneficiaryParty
        switch kind {
        case "company":
            guard let siret else { throw q.invalid("siret", "is required for a company: the SIRET of its establishment") }
            party = .company(siret)
        case "cluster":
            party = .cluster(try q.slug("cluster"))
        case "association":
            party = .association(rna: try RNA(try q.string("rna"), field: q.name("rna")), name: try q.text("name"), siret: siret)
        default:
            throw q.invalid("kind", "'\(kind)' is not one of company, cluster, association")
        }
        let share = try q.optionalInteger("share_percent")
        if shared && share == nil { throw q.invalid("share_percent", "is required when a grant has several beneficiaries") }
        guard let percent = Int(exactly: share ?? 100), (1...100).contains(percent) else {
            throw q.invalid("share_percent", "a share is 1 to 100 percent, not \(share ?? 0)")
        }
        return Beneficiary(party: party, sharePercent: percent)
    }

    // MARK: - Writing them back

    /// The write method and parameters that express a project command (what `Import` takes).
    static func call(_ command: Command) -> (method: String, parameters: [String: JSONValue])? {
        switch command {
        case .proposeProject(let record): return ("ProposeProject", body(.projectProposed(record))!)
        case .changeProjectStatus(let project, let status, let on, let reason):
            // No command moves a project back to proposed: `decide` has none to make.
            guard let method = statusMethods.first(where: { $0.value == status })?.key else {
                preconditionFailure("no method moves a project to \(status)")
            }
            var parameters: [String: JSONValue] = ["project": .string(project.text), "on": .string(on.description)]
            if let reason { parameters["reason"] = .string(reason) }
            return (method, parameters)
        case .commitFunding(let record): return ("CommitFunding", body(.fundingCommitted(record))!)
        case .reviseCommitment(let commitment, let amount, let on, let reason):
            return ("ReviseCommitment", body(.commitmentRevised(commitment: commitment, amountCents: amount, on: on, reason: reason))!)
        case .disburseFunding(let commitment, let amount, let on, let reference):
            return ("DisburseFunding", body(.fundingDisbursed(commitment: commitment, amountCents: amount, on: on, reference: reference))!)
        default: return nil
        }
    }

    /// The body of a project event in History, Watch and `log dump`: the parameters of the call.
    static func body(_ kind: EventKind) -> [String: JSONValue]? {
        switch kind {
        case .projectProposed(let record):
            var object: [String: JSONValue] = [
                "id": .string(record.id.text), "title": .string(record.title), "lead_cluster": .string(record.leadCluster.text),
                "clusters": .array(record.otherClusters.map { .string($0.text) }), "regions": .array(record.regions.map { .string($0.code) }),
                "departments": .array(record.departments.map { .string($0.code) }), "starts_on": .string(record.startsOn.description),
                "ends_on": .string(record.endsOn.description), "proposed_on": .string(record.proposedOn.description),
                "companies": .array(record.companies.map { ["siren": .string($0.siren.description), "role": .string($0.role.rawValue)] }),
                "partners": .array(record.partners.map { participant in
                    var partner = partnerObject(participant.partner)
                    partner["role"] = .string(participant.role.rawValue)
                    return .object(partner)
                }),
            ]
            if let description = record.description { object["description"] = .string(description) }
            return object
        case .projectStatusChanged(let project, let status, let on, let reason):
            var object: [String: JSONValue] = ["project": .string(project.text), "status": .string(status.rawValue), "on": .string(on.description)]
            if let reason { object["reason"] = .string(reason) }
            return object
        case .fundingCommitted(let record):
            var object: [String: JSONValue] = [
                "id": .string(record.id.text), "project": .string(record.project.text), "instrument": .string(record.instrument.rawValue),
                "grantor": funder(record.grantor), "amount_cents": .int(record.amountCents), "agreed_on": .string(record.agreedOn.description),
                "decision_reference": .string(record.decisionReference), "object": .string(record.object), "nature": .string(record.nature.rawValue),
                "payment_terms": .string(record.paymentTerms.kind), "planned_payment_from": .string(record.plannedPayment.from.description),
                "notified_eu": .bool(record.notifiedEU), "beneficiaries": .array(record.beneficiaries.map(beneficiaryObject)),
            ]
            if let text = record.paymentTerms.text { object["payment_terms_text"] = .string(text) }
            if let to = record.plannedPayment.to { object["planned_payment_to"] = .string(to.description) }
            if let rae = record.raeID { object["rae_id"] = .string(rae) }
            if let scheme = record.aidScheme { object["aid_scheme"] = .string(scheme) }
            return object
        case .commitmentRevised(let commitment, let amount, let on, let reason):
            return ["commitment": .string(commitment.text), "amount_cents": .int(amount), "on": .string(on.description), "reason": .string(reason)]
        case .fundingDisbursed(let commitment, let amount, let on, let reference):
            var object: [String: JSONValue] = ["commitment": .string(commitment.text), "amount_cents": .int(amount), "on": .string(on.description)]
            if let reference { object["reference"] = .string(reference) }
            return object
        default:
            return nil
        }
    }

    static func partnerObject(_ partner: Partner) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["partner_id": .string(partner.id.text), "name": .string(partner.name), "kind": .string(partner.kind.rawValue)]
        if let siret = partner.siret { object["siret"] = .string(siret.description) }
        return object
    }

    static func funder(_ funder: Funder) -> JSONValue {
        ["name": .string(funder.name), "siret": .string(funder.siret.description), "kind": .string(funder.kind.rawValue)]
    }

    static func beneficiaryObject(_ beneficiary: Beneficiary) -> JSONValue {
        var object: [String: JSONValue] = ["kind": .string(beneficiary.party.kind), "share_percent": .int(Int64(beneficiary.sharePercent))]
        switch beneficiary.party {
        case .company(let siret): object["siret"] = .string(siret.description)
        case .cluster(let cluster): object["cluster"] = .string(cluster.text)
        case .association(let rna, let name, let siret):
            object["rna"] = .string(rna.description)
            object["name"] = .string(name)
            if let siret { object["siret"] = .string(siret.description) }
        }
        return .object(object)
    }
}
