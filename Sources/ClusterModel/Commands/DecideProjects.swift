/// The rules of co-investment projects and their money (`decide` for the project commands).
enum ProjectRules {
    static func decide(_ command: Command, state: RegistryState, now: Int64, into kinds: inout [EventKind]) throws(DomainError) {
        let today = Timestamp(microsecondsSinceEpoch: now).localDate
        switch command {
        case .proposeProject(let record):
            try checkProposal(record, state: state, today: today)
            kinds.append(.projectProposed(record))

        case .changeProjectStatus(let id, let next, let on, let reason):
            guard let project = state.projects[id] else { throw .unknownProject(id.text) }
            guard next != .proposed else {
                throw .invalidArgument(field: "status", reason: "a project is proposed once, by ProposeProject")
            }
            let current = project.status
            guard current.allows(next) else {
                let moves = current.successors.map(\.rawValue)
                throw .projectNotOpen(
                    project: id.text, status: current.rawValue,
                    reason: moves.isEmpty
                        ? "a \(current.rawValue) project changes no more"
                        : "a \(current.rawValue) project becomes \(moves.joined(separator: " or ")), not \(next.rawValue)"
                )
            }
            if let last = project.transitions.last, on < last.on {
                throw .invalidArgument(field: "on", reason: "project \(id) became \(last.status.rawValue) on \(last.on), after \(on)")
            }
            try notAfterToday(on, today, field: "on")
            if next.isAbandoned {
                // What is released is what was not disbursed by that day: nothing of the project's
                // money may be dated after it.
                for commitmentID in project.commitments {
                    guard let commitment = state.commitments[commitmentID], let latest = commitment.changeDays.last, on < latest else { continue }
                    throw .invalidArgument(
                        field: "on", reason: "commitment \(commitmentID) of project \(id) has an agreement, revision or disbursement dated \(latest), after \(on)"
                    )
                }
            }
            let reason = try reason.map { text throws(DomainError) in try validatedText(text, field: "reason", maximum: 200) }
            kinds.append(.projectStatusChanged(project: id, status: next, on: on, reason: reason))

        case .commitFunding(let record):
            try checkCommitment(record, state: state, today: today)
            kinds.append(.fundingCommitted(record))

        case .reviseCommitment(let id, let amount, let on, let reason):
            var commitment = try openCommitment(id, state: state, doing: "revised")
            try Money.check(amount, field: "amount_cents", zeroAllowed: true)
            try checkDay(on, of: commitment, today: today)
            _ = try validatedText(reason, field: "reason", maximum: 200)
            let before = commitment.committedBeforeRelease(on: on)
            guard amount != before else {
                throw .invalidArgument(field: "amount_cents", reason: "commitment \(id) is \(Money.display(before)) on \(on) already: a revision changes the amount")
            }
            commitment.revisions.append(
                CommitmentRevision(on: on, amountCents: amount, reason: reason, sequence: state.lastSequence + 1, recordedAtMicroseconds: now, peerUID: 0)
            )
            try checkNoExcess(commitment)
            kinds.append(.commitmentRevised(commitment: id, amountCents: amount, on: on, reason: reason))

        case .disburseFunding(let id, let amount, let on, let reference):
            var commitment = try openCommitment(id, state: state, doing: "disbursed")
            try Money.check(amount, field: "amount_cents")
            try checkDay(on, of: commitment, today: today)
            let reference = try reference.map { text throws(DomainError) in try validatedText(text, field: "reference", maximum: 100) }
            commitment.disbursements.append(
                Disbursement(on: on, amountCents: amount, reference: reference, sequence: state.lastSequence + 1, recordedAtMicroseconds: now, peerUID: 0)
            )
            try checkNoExcess(commitment)
            kinds.append(.fundingDisbursed(commitment: id, amountCents: amount, on: on, reference: reference))

        default:
            preconditionFailure("\(command) is no project command")
        }
    }

    private static func checkProposal(_ record: ProjectRecord, state: RegistryState, today: CalendarDate) throws(DomainError) {
        guard state.projects[record.id] == nil else { throw .alreadyExists(kind: "project", id: record.id.text) }
        _ = try validatedText(record.title, field: "title", maximum: 200)
        if let description = record.description { _ = try validatedText(description, field: "description", maximum: ProjectRecord.descriptionLimit) }
        guard let lead = state.clusters[record.leadCluster] else { throw .unknownCluster(record.leadCluster.text) }
        guard lead.isActive(on: record.proposedOn) else {
            throw .invalidArgument(field: "proposed_on", reason: "lead cluster \(record.leadCluster) is not active on \(record.proposedOn)")
        }
        try notAfterToday(record.proposedOn, today, field: "proposed_on")
        var seenClusters: Set<Slug> = [record.leadCluster]
        for (index, cluster) in record.otherClusters.enumerated() {
            guard state.clusters[cluster] != nil else { throw .unknownCluster(cluster.text) }
            guard seenClusters.insert(cluster).inserted else {
                throw .invalidArgument(
                    field: "clusters[\(index)]", reason: cluster == record.leadCluster ? "\(cluster) is the lead cluster" : "\(cluster) is listed twice"
                )
            }
        }
        try RecordValidation.checkTerritory(regions: record.regions, departments: record.departments)
        guard record.startsOn <= record.endsOn else {
            throw .invalidArgument(field: "ends_on", reason: "a project ends on or after its start (\(record.startsOn)), not on \(record.endsOn)")
        }
        var seenCompanies: Set<SIREN> = []
        for (index, company) in record.companies.enumerated() {
            guard state.companies.contains(company.siren) else { throw .unknownCompany(company.siren.description) }
            guard seenCompanies.insert(company.siren).inserted else {
                throw .invalidArgument(field: "companies[\(index)].siren", reason: "company \(company.siren) is listed twice")
            }
        }
        var seenPartners: Set<Slug> = []
        var named: [SIRET: Funder] = [:]
        for (index, participant) in record.partners.enumerated() {
            let partner = participant.partner
            let field = "partners[\(index)]"
            _ = try validatedText(partner.name, field: field + ".name", maximum: 200)
            guard seenPartners.insert(partner.id).inserted else {
                throw .invalidArgument(field: field + ".id", reason: "partner \(partner.id) is listed twice")
            }
            guard let siret = partner.siret else { continue }
            let funder = Funder(name: partner.name, siret: siret, kind: partner.kind)
            try checkIdentity(funder, known: named[siret] ?? state.funders[siret], field: field + ".siret")
            named[siret] = funder
        }
    }

    private static func checkCommitment(_ record: CommitmentRecord, state: RegistryState, today: CalendarDate) throws(DomainError) {
        guard state.commitments[record.id] == nil else { throw .alreadyExists(kind: "commitment", id: record.id.text) }
        guard let project = state.projects[record.project] else { throw .unknownProject(record.project.text) }
        guard !project.status.isAbandoned && project.status != .completed else {
            throw .projectNotOpen(project: record.project.text, status: project.status.rawValue, reason: "a \(project.status.rawValue) project takes no new commitment")
        }
        try Money.check(record.amountCents, field: "amount_cents")
        guard project.record.proposedOn <= record.agreedOn else {
            throw .invalidArgument(field: "agreed_on", reason: "\(record.agreedOn) is before project \(record.project) was proposed (\(project.record.proposedOn))")
        }
        try notAfterToday(record.agreedOn, today, field: "agreed_on")
        _ = try validatedText(record.grantor.name, field: "grantor.name", maximum: 200)
        try checkIdentity(record.grantor, known: state.funders[record.grantor.siret], field: "grantor.siret")
        _ = try validatedText(record.decisionReference, field: "decision_reference", maximum: 100)
        _ = try validatedText(record.object, field: "object", maximum: CommitmentRecord.objectLimit)
        if let text = record.paymentTerms.text { _ = try validatedText(text, field: "payment_terms_text", maximum: 256) }
        if let to = record.plannedPayment.to, to < record.plannedPayment.from {
            throw .invalidArgument(field: "planned_payment_to", reason: "a period ends on or after its start (\(record.plannedPayment.from)), not on \(to)")
        }
        if let rae = record.raeID {
            guard !rae.isEmpty, rae.count <= 5, rae.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw .invalidArgument(field: "rae_id", reason: "an RAE number is at most 5 letters or digits, not '\(rae)'")
            }
        }
        if let scheme = record.aidScheme { _ = try validatedText(scheme, field: "aid_scheme", maximum: 100) }
        try checkBeneficiaries(record.beneficiaries, state: state)
    }

    private static func checkBeneficiaries(_ beneficiaries: [Beneficiary], state: RegistryState) throws(DomainError) {
        guard !beneficiaries.isEmpty else { throw .invalidArgument(field: "beneficiaries", reason: "a commitment has at least one beneficiary") }
        var seen: Set<BeneficiaryParty> = []
        var total = 0
        for (index, beneficiary) in beneficiaries.enumerated() {
            let field = "beneficiaries[\(index)]"
            switch beneficiary.party {
            case .company(let siret):
                guard state.companies.contains(siret.siren) else {
                    throw .invalidArgument(field: field + ".siret", reason: "\(siret) is no establishment of a registered company (SIREN \(siret.siren) is unknown)")
                }
            case .cluster(let cluster):
                guard let found = state.clusters[cluster] else { throw .unknownCluster(cluster.text) }
                guard found.record.siret != nil else {
                    throw .invalidArgument(field: field + ".cluster", reason: "cluster \(cluster) has no SIRET for its legal entity: give it one (UpdateCluster siret)")
                }
            case .association(_, let name, _):
                _ = try validatedText(name, field: field + ".name", maximum: 200)
            }
            guard seen.insert(beneficiary.party).inserted else { throw .invalidArgument(field: field, reason: "the beneficiary is listed twice") }
            guard (1...100).contains(beneficiary.sharePercent) else {
                throw .invalidArgument(field: field + ".share_percent", reason: "a share is 1 to 100 percent, not \(beneficiary.sharePercent)")
            }
            total += beneficiary.sharePercent
        }
        guard total <= 100 else {
            throw .invalidArgument(field: "beneficiaries", reason: "the shares add up to \(total) percent, more than the whole grant")
        }
    }

    /// One SIRET is one partner: a later record must name it as the first did.
    private static func checkIdentity(_ funder: Funder, known: Funder?, field: String) throws(DomainError) {
        guard let known, known.name != funder.name || known.kind != funder.kind else { return }
        throw .invalidArgument(
            field: field,
            reason: "SIRET \(funder.siret) is '\(known.name)' (\(known.kind.rawValue)), not '\(funder.name)' (\(funder.kind.rawValue)): one SIRET is one partner, named alike everywhere"
        )
    }

    /// A commitment whose project still takes money.
    private static func openCommitment(_ id: Slug, state: RegistryState, doing: String) throws(DomainError) -> CommitmentState {
        guard let commitment = state.commitments[id] else { throw .unknownCommitment(id.text) }
        if let project = state.projects[commitment.record.project], let abandonedOn = project.abandonedOn {
            throw .projectNotOpen(
                project: project.record.id.text, status: project.status.rawValue,
                reason: "project \(project.record.id) was \(project.status.rawValue) on \(abandonedOn): what was not disbursed is released, and nothing more is \(doing)"
            )
        }
        return commitment
    }

    private static func checkDay(_ day: CalendarDate, of commitment: CommitmentState, today: CalendarDate) throws(DomainError) {
        guard commitment.record.agreedOn <= day else {
            throw .invalidArgument(field: "on", reason: "\(day) is before commitment \(commitment.record.id) was agreed (\(commitment.record.agreedOn))")
        }
        try notAfterToday(day, today, field: "on")
    }

    private static func checkNoExcess(_ commitment: CommitmentState) throws(DomainError) {
        guard let excess = commitment.firstExcess() else { return }
        throw .disbursementExceedsCommitment(
            commitment: commitment.record.id.text, funder: commitment.record.grantor.name, on: excess.day, committedCents: excess.committed,
            disbursedCents: excess.disbursed, excessCents: excess.disbursed - excess.committed
        )
    }

    private static func notAfterToday(_ day: CalendarDate, _ today: CalendarDate, field: String) throws(DomainError) {
        guard day <= today else {
            throw .invalidArgument(field: field, reason: "\(day) is after today (\(today)): record what has happened")
        }
    }

    /// A partner linked with a SIRET is the partner of that SIRET.
    static func checkPartner(_ partner: Partner, state: RegistryState, field: String) throws(DomainError) {
        guard let siret = partner.siret else { return }
        try checkIdentity(Funder(name: partner.name, siret: siret, kind: partner.kind), known: state.funders[siret], field: field)
    }
}
