/// Who asks and when: the parts of a decision that come from outside the state.
public struct DecisionContext: Sendable, Hashable {
    /// Now, in microseconds since the epoch (the model reads no clock).
    public var nowMicroseconds: Int64
    public var peerUID: UInt32
    public var requestID: String?
    /// What the request asked for; kept with its id.
    public var requestFingerprint: RequestFingerprint?

    public init(nowMicroseconds: Int64, peerUID: UInt32, requestID: String? = nil, requestFingerprint: RequestFingerprint? = nil) {
        self.nowMicroseconds = nowMicroseconds
        self.peerUID = peerUID
        self.requestID = requestID
        self.requestFingerprint = requestFingerprint
    }

    /// An event of this decision. The request id and its fingerprint ride on the last event
    /// only: it is what a retry must find, and the log need not repeat them on every event of a
    /// large import.
    func event(_ kind: EventKind, last: Bool) -> Event {
        Event(
            kind: kind,
            recordedAtMicroseconds: nowMicroseconds,
            peerUID: peerUID,
            requestID: last ? requestID : nil,
            requestFingerprint: last ? requestFingerprint : nil
        )
    }
}

/// Checks `command` against every rule of the registry and returns the events it causes, or
/// throws the first rule it breaks. Pure: the state is not changed.
public func decide(_ command: Command, state: RegistryState, context: DecisionContext) throws(DomainError) -> [Event] {
    var kinds: [EventKind] = []
    try decideKinds(command, state: state, now: context.nowMicroseconds, into: &kinds)
    return kinds.enumerated().map { index, kind in context.event(kind, last: index == kinds.count - 1) }
}

/// Decides several commands as one: each sees the events of those before it; any rejection rejects
/// them all, its error naming the command's position (`inCommand`, and `commands[3].siren` in a
/// field).
public func decideAll(_ commands: [Command], state: RegistryState, context: DecisionContext) throws(DomainError) -> [Event] {
    try decideAll(commands, applyingTo: state, context: context).events
}

/// `decideAll`, also returning the state with the events applied: event `i` at sequence
/// `state.lastSequence + 1 + i`, committed at `context.nowMicroseconds` — the state a writer
/// would otherwise build by applying the events a second time.
public func decideAll(
    _ commands: [Command],
    applyingTo state: RegistryState,
    context: DecisionContext
) throws(DomainError) -> (events: [Event], state: RegistryState) {
    var events: [Event] = []
    let decided = try decideAll(commands, applyingTo: state, context: context, partSize: Int.max) { events = $0 }
    return (events, decided.state)
}

/// `decideAll(_:applyingTo:context:)`, handing the events to `handOff` in parts as they are
/// decided, in order, `partSize` at a time (the last part with the rest), instead of returning
/// them: a caller can start encoding them meanwhile. Each part is handed over, not copied (a
/// copy retained and released every event's strings). Events handed off before a rejection are
/// void like the others.
public func decideAll(
    _ commands: [Command],
    applyingTo state: RegistryState,
    context: DecisionContext,
    partSize: Int,
    handOff: ([Event]) -> Void
) throws(DomainError) -> (eventCount: Int, state: RegistryState) {
    precondition(partSize > 0)
    var working = state
    var part: [Event] = []
    part.reserveCapacity(min(partSize, commands.count))
    var sequence = state.lastSequence
    var withoutRequest = context
    withoutRequest.requestID = nil
    withoutRequest.requestFingerprint = nil
    var kinds: [EventKind] = []
    for (index, command) in commands.enumerated() {
        kinds.removeAll(keepingCapacity: true)
        do {
            try decideKinds(command, state: working, now: context.nowMicroseconds, into: &kinds)
        } catch {
            throw error.prefixingField(with: "commands[\(index)].").inCommand(index)
        }
        // As `decide` builds them: the request id rides on the last event of the last command.
        let commandContext = index == commands.count - 1 ? context : withoutRequest
        for (position, kind) in kinds.enumerated() {
            let event = commandContext.event(kind, last: position == kinds.count - 1)
            sequence += 1
            working.apply(event, sequence: sequence, commitTimeMicroseconds: context.nowMicroseconds)
            part.append(event)
        }
        if part.count >= partSize {
            handOff(part)
            part = []
            part.reserveCapacity(min(partSize, commands.count - index))
        }
    }
    if !part.isEmpty { handOff(part) }
    return (Int(sequence - state.lastSequence), working)
}

/// What deciding `commands` as one import would refuse, all of it: each command is decided
/// against the state the accepted ones before it made (a refused one is left out and the next
/// decided as if it had never been there). `decideAll` stops at the first refusal, which is what
/// an `Import` answers; this lists every refused command, for a user correcting a file. Keeps
/// the first `limit` refusals and counts them all. Pure: the state is not changed.
public func checkAll(
    _ commands: [Command],
    state: RegistryState,
    context: DecisionContext,
    limit: Int = 100
) -> (refusals: [DomainError], refusedCount: Int, eventCount: Int) {
    var working = state
    var refusals: [DomainError] = []
    var refusedCount = 0
    var sequence = state.lastSequence
    var kinds: [EventKind] = []
    for (index, command) in commands.enumerated() {
        kinds.removeAll(keepingCapacity: true)
        do {
            try decideKinds(command, state: working, now: context.nowMicroseconds, into: &kinds)
        } catch {
            refusedCount += 1
            if refusals.count < limit { refusals.append(error.prefixingField(with: "commands[\(index)].").inCommand(index)) }
            continue
        }
        for kind in kinds {
            sequence += 1
            working.apply(Event(kind: kind, recordedAtMicroseconds: context.nowMicroseconds, peerUID: context.peerUID), sequence: sequence, commitTimeMicroseconds: context.nowMicroseconds)
        }
    }
    return (refusals, refusedCount, Int(sequence - state.lastSequence))
}

/// Checks an event read from a log against the rules `decide` applies, on the projection before
/// it: the command that would have caused it must be accepted there, and its records must be
/// well formed. A log written by clusterd passes; one resealed by hand with an event the rules
/// refuse (a member of a cluster that does not exist, a scale from 5 to 1) fails here, before
/// `apply` trusts it. Throws the rule the event breaks.
public func checkReplayed(_ event: Event, state: RegistryState) throws(DomainError) {
    var kinds: [EventKind] = []
    let command: Command
    switch event.kind {
    case .clusterRegistered(let record):
        try RecordValidation.checkTerritory(regions: record.regions, departments: record.departments)
        command = .registerCluster(record)
    case .clusterUpdated(let record):
        command = .updateCluster(
            ClusterPatch(
                id: record.id, name: record.name, regions: record.regions, departments: record.departments, nafSection: record.nafSection, founded: record.founded,
                siret: record.siret
            )
        )
    case .clusterDissolved(let cluster, let date):
        command = .dissolveCluster(id: cluster, date: date)
    case .companyRegistered(let record):
        try RecordValidation.checkSize(employees: record.employees, turnoverEUR: record.turnoverEUR)
        command = .registerCompany(record)
    case .companyUpdated(let record, let effectiveOn):
        try RecordValidation.checkSize(employees: record.employees, turnoverEUR: record.turnoverEUR)
        command = .updateCompany(
            CompanyPatch(
                siren: record.siren, name: record.name, naf: record.naf, department: record.department, employees: record.employees,
                turnoverEUR: record.turnoverEUR, declaredCategory: record.declaredCategory, effectiveOn: effectiveOn
            )
        )
    case .membershipStarted(let cluster, let siren, let date):
        command = .joinCluster(cluster: cluster, siren: siren, date: date)
    case .membershipEnded(let cluster, let siren, let date, let reason):
        command = .leaveCluster(cluster: cluster, siren: siren, date: date, reason: reason)
    case .partnerLinked(let cluster, let partner):
        command = .linkPartner(cluster: cluster, partner: partner)
    case .surveyDefined(let definition):
        command = .defineSurvey(definition)
    case .surveyClosed(let survey):
        command = .closeSurvey(id: survey)
    case .responseSubmitted(let survey, let siren, let submittedAt, let answers):
        var input: [String: AnswerInput] = [:]
        for (question, answer) in answers {
            switch answer {
            case .yesNo(let yes): input[question.text] = .boolean(yes)
            case .choice(let option): input[question.text] = .text(option)
            case .choices(let options): input[question.text] = .list(options)
            case .integer(let value): input[question.text] = .integer(value)
            }
        }
        command = .submitResponse(survey: survey, siren: siren, submittedAt: submittedAt, answers: input)
    case .snapshotTaken(let sequence, let digest):
        command = .recordSnapshot(sequence: sequence, sha256: digest)
    case .testerEnrolled(let person, let facts, let fields):
        command = .enrollTester(person: person, facts, fields: fields)
    case .contactAdded(let person, let siren, let fields):
        command = .addContact(person: person, siren: siren, fields: fields)
    case .personRectified(let person, let fields, let department, let ageBand):
        command = .rectifyPerson(person: person, fields: fields, department: department, ageBand: ageBand)
    case .personErased(let person, let reason):
        command = .erasePerson(person: person, reason: reason)
    case .campaignOpened(let record):
        command = .openCampaign(record)
    case .testerParticipated(let person, let campaign, let participation):
        command = .recordParticipation(person: person, campaign: campaign, participation)
    case .consentWithdrawn(let person, let withdrawal):
        command = .withdrawConsent(person: person, withdrawal)
    case .privacyRequestReceived(let person, let record):
        command = .recordPrivacyRequest(person: person, record)
    case .privacyRequestAnswered(let person, let request, let outcome, let reason):
        guard state.privacyRequests[request]?.person == person else {
            throw .invalidArgument(field: "request", reason: "the request recorded at \(request) is not \(person)'s")
        }
        command = .answerPrivacyRequest(request: request, outcome: outcome, reason: reason)
    case .projectProposed(let record):
        command = .proposeProject(record)
    case .projectStatusChanged(let project, let status, let on, let reason):
        command = .changeProjectStatus(project: project, to: status, on: on, reason: reason)
    case .fundingCommitted(let record):
        command = .commitFunding(record)
    case .commitmentRevised(let commitment, let amount, let on, let reason):
        command = .reviseCommitment(commitment: commitment, amountCents: amount, on: on, reason: reason)
    case .fundingDisbursed(let commitment, let amount, let on, let reference):
        command = .disburseFunding(commitment: commitment, amountCents: amount, on: on, reference: reference)
    }
    try decideKinds(command, state: state, now: event.recordedAtMicroseconds, into: &kinds)
}

/// Appends the events `command` causes to `kinds` (one reused buffer for a whole import, not an
/// array per command), or throws the first rule it breaks, appending nothing.
private func decideKinds(_ command: Command, state: RegistryState, now: Int64, into kinds: inout [EventKind]) throws(DomainError) {
    switch command {
    case .registerCluster(let record):
        guard state.clusters.index(forKey: record.id) == nil else { throw .alreadyExists(kind: "cluster", id: record.id.text) }
        kinds.append(.clusterRegistered(record))

    case .updateCluster(let patch):
        guard let cluster = state.clusters[patch.id] else { throw .unknownCluster(patch.id.text) }
        var record = cluster.record
        if let name = patch.name { record.name = name }
        if let regions = patch.regions { record.regions = regions }
        if let departments = patch.departments { record.departments = departments }
        if let section = patch.nafSection { record.nafSection = section }
        if let founded = patch.founded { record.founded = founded }
        if let siret = patch.siret { record.siret = siret }
        try RecordValidation.checkTerritory(regions: record.regions, departments: record.departments)
        kinds.append(.clusterUpdated(record))

    case .dissolveCluster(let id, let date):
        guard let cluster = state.clusters[id] else { throw .unknownCluster(id.text) }
        if let dissolved = cluster.dissolvedOn {
            throw .invalidArgument(field: "id", reason: "cluster '\(id)' was already dissolved on \(dissolved)")
        }
        if let founded = cluster.record.founded, date < founded {
            throw .invalidArgument(field: "date", reason: "\(date) is before the cluster was founded (\(founded))")
        }
        var dissolution: [EventKind] = [.clusterDissolved(cluster: id, date: date)]
        for siren in cluster.members.keys.sorted() {
            guard let open = cluster.members[siren]?.last(where: { $0.end == nil }) else { continue }
            guard open.start < date else {
                throw .invalidArgument(field: "date", reason: "company \(siren) joined on \(open.start), not before \(date)")
            }
            dissolution.append(.membershipEnded(cluster: id, siren: siren, date: date, reason: "cluster dissolved"))
        }
        kinds.append(contentsOf: dissolution)

    case .registerCompany(let record):
        guard !state.companies.contains(record.siren) else { throw .alreadyExists(kind: "company", id: record.siren.description) }
        kinds.append(.companyRegistered(record))

    case .updateCompany(let patch):
        guard let company = state.companies[patch.siren] else { throw .unknownCompany(patch.siren.description) }
        var record = company.record
        if let name = patch.name { record.name = name }
        if let naf = patch.naf { record.naf = naf }
        if let department = patch.department { record.department = department }
        if let employees = patch.employees { record.employees = employees }
        if let turnover = patch.turnoverEUR { record.turnoverEUR = turnover }
        if let declared = patch.declaredCategory { record.declaredCategory = declared }
        // A headcount given is stated with its day, the day recorded when none is named: the
        // event then says which of its fields is a statement (its employees field otherwise
        // repeats the record).
        let today = Timestamp(microsecondsSinceEpoch: now).localDate
        if let effectiveOn = patch.effectiveOn {
            guard patch.employees != nil else {
                throw .invalidArgument(field: "effective_on", reason: "dates a change of headcount: give employees too")
            }
            guard effectiveOn <= today else {
                throw .invalidArgument(field: "effective_on", reason: "\(effectiveOn) is after today (\(today)): record a change once it has taken effect")
            }
        }
        kinds.append(.companyUpdated(record, effectiveOn: patch.employees == nil ? nil : patch.effectiveOn ?? today))

    case .joinCluster(let clusterID, let siren, let date):
        guard let cluster = state.clusters[clusterID] else { throw .unknownCluster(clusterID.text) }
        guard state.companies.contains(siren) else { throw .unknownCompany(siren.description) }
        if let dissolved = cluster.dissolvedOn, dissolved <= date {
            throw .invalidArgument(field: "cluster", reason: "cluster '\(clusterID)' was dissolved on \(dissolved) and takes no members")
        }
        if let founded = cluster.record.founded, date < founded {
            throw .invalidArgument(field: "date", reason: "\(date) is before cluster '\(clusterID)' was founded (\(founded))")
        }
        if let overlapping = cluster.members[siren]?.first(where: { $0.overlapsOpenPeriod(from: date) }) {
            throw .alreadyMember(cluster: clusterID.text, siren: siren.description, since: overlapping.start)
        }
        kinds.append(.membershipStarted(cluster: clusterID, siren: siren, date: date))

    case .leaveCluster(let clusterID, let siren, let date, let reason):
        guard let cluster = state.clusters[clusterID] else { throw .unknownCluster(clusterID.text) }
        guard state.companies.contains(siren) else { throw .unknownCompany(siren.description) }
        guard let open = cluster.members[siren]?.last(where: { $0.end == nil }), open.start <= date else {
            throw .notAMember(cluster: clusterID.text, siren: siren.description, date: date)
        }
        guard open.start < date else {
            throw .invalidArgument(field: "date", reason: "must be after the membership began (\(open.start))")
        }
        kinds.append(.membershipEnded(cluster: clusterID, siren: siren, date: date, reason: reason))

    case .linkPartner(let clusterID, let partner):
        guard let cluster = state.clusters[clusterID] else { throw .unknownCluster(clusterID.text) }
        guard !cluster.partners.contains(where: { $0.id == partner.id }) else {
            throw .alreadyExists(kind: "partner", id: "\(clusterID)/\(partner.id)")
        }
        try ProjectRules.checkPartner(partner, state: state, field: "siret")
        kinds.append(.partnerLinked(cluster: clusterID, partner: partner))

    case .defineSurvey(let definition):
        guard state.surveys.index(forKey: definition.id) == nil else { throw .alreadyExists(kind: "survey", id: definition.id.text) }
        guard definition.opensAt < definition.closesAt else {
            throw .invalidArgument(field: "closes_at", reason: "\(definition.closesAt) is not after opens_at \(definition.opensAt)")
        }
        try RecordValidation.checkQuestions(definition.questions)
        kinds.append(.surveyDefined(definition))

    case .submitResponse(let surveyID, let siren, let submittedAt, let input):
        guard let survey = state.surveys[surveyID] else { throw .unknownSurvey(surveyID.text) }
        if let closed = survey.closedAtMicroseconds {
            throw .surveyNotOpen(survey: surveyID.text, reason: "it was closed at \(Timestamp.utcString(microseconds: closed))")
        }
        let window = survey.definition
        guard window.opensAt <= submittedAt, submittedAt <= window.closesAt else {
            throw .surveyNotOpen(survey: surveyID.text, reason: "\(submittedAt) is outside its window \(window.opensAt) to \(window.closesAt)")
        }
        guard state.companies.contains(siren) else { throw .unknownCompany(siren.description) }
        guard state.isMemberOfAnyCluster(siren, on: submittedAt.localDate) else {
            throw .notAMember(cluster: "any", siren: siren.description, date: submittedAt.localDate)
        }
        guard survey.responses[siren] == nil else { throw .duplicateResponse(survey: surveyID.text, siren: siren.description) }
        let answers = try AnswerValidation.check(input, against: window.questions)
        kinds.append(.responseSubmitted(survey: surveyID, siren: siren, submittedAt: submittedAt, answers: answers))

    case .closeSurvey(let id):
        guard let survey = state.surveys[id] else { throw .unknownSurvey(id.text) }
        guard survey.closedAtMicroseconds == nil else { throw .surveyNotOpen(survey: id.text, reason: "it is already closed") }
        kinds.append(.surveyClosed(survey: id))

    case .recordSnapshot(let sequence, let digest):
        // A snapshot reflects records already in the log.
        guard sequence > 0, sequence <= state.lastSequence else {
            throw .invalidArgument(field: "snapshot_seq", reason: "\(sequence) is not a record of the log (it ends at \(state.lastSequence))")
        }
        guard digest.count == 32 else { throw .invalidArgument(field: "sha256", reason: "a SHA-256 has 32 bytes, not \(digest.count)") }
        kinds.append(.snapshotTaken(sequence: sequence, sha256: digest))

    case .enrollTester(let person, let facts, let fields):
        guard state.people[person] == nil else { throw .alreadyExists(kind: "person", id: person.text) }
        guard let cluster = state.clusters[facts.cluster] else { throw .unknownCluster(facts.cluster.text) }
        guard cluster.isActive(on: facts.enrolledOn) else {
            throw .invalidArgument(field: "enrolled_on", reason: "cluster \(facts.cluster) is not active on \(facts.enrolledOn)")
        }
        try facts.consent.check()
        guard facts.consent.givenOn <= facts.enrolledOn else {
            throw .invalidArgument(field: "consent.given_on", reason: "consent must be given on or before the enrolment (\(facts.enrolledOn)), not \(facts.consent.givenOn)")
        }
        try fields.check(allowed: PersonalFieldName.tester, kind: "tester")
        let names = fields.names
        guard names.contains(.name), names.contains(.birthYear) else {
            throw .invalidArgument(field: "fields", reason: "a tester needs a name and a birth year")
        }
        guard names.contains(.email) || names.contains(.phone) else {
            throw .invalidArgument(field: "fields", reason: "a tester needs an e-mail address or a phone number")
        }
        kinds.append(.testerEnrolled(person: person, facts, fields: fields))

    case .addContact(let person, let siren, let fields):
        guard state.people[person] == nil else { throw .alreadyExists(kind: "person", id: person.text) }
        guard state.companies.contains(siren) else { throw .unknownCompany(siren.description) }
        try fields.check(allowed: PersonalFieldName.contact, kind: "contact")
        guard fields.names.contains(.name) else { throw .invalidArgument(field: "fields", reason: "a contact needs a name") }
        kinds.append(.contactAdded(person: person, siren: siren, fields: fields))

    case .rectifyPerson(let person, let fields, let department, let ageBand):
        guard let found = state.people[person] else { throw .unknownPerson(person.text) }
        guard !found.isErased else { throw .personErased(person.text) }
        try fields.check(allowed: found.role.allowedFields, kind: found.role.kind)
        guard !fields.isEmpty || department != nil else {
            throw .invalidArgument(field: "fields", reason: "nothing to rectify: give at least one field")
        }
        if department != nil, case .contact = found.role {
            throw .invalidArgument(field: "department", reason: "a contact has no department of residence")
        }
        // The band at enrolment follows a rectified birth year, and only that.
        if ageBand != nil {
            guard case .tester = found.role else { throw .invalidArgument(field: "age_band", reason: "a contact has no age band") }
            guard fields.names.contains(.birthYear) else {
                throw .invalidArgument(field: "age_band", reason: "the age band at enrolment changes only with a rectified birth year")
            }
        }
        kinds.append(.personRectified(person: person, fields: fields, department: department, ageBand: ageBand))

    case .erasePerson(let person, let reason):
        guard let found = state.people[person] else { throw .unknownPerson(person.text) }
        guard !found.isErased else { throw .personErased(person.text) }
        let reason = try reason.map { text throws(DomainError) in try validatedText(text, field: "reason", maximum: 200) }
        kinds.append(.personErased(person: person, reason: reason))

    case .openCampaign(let record):
        guard state.campaigns[record.id] == nil else { throw .alreadyExists(kind: "campaign", id: record.id.text) }
        guard let cluster = state.clusters[record.cluster] else { throw .unknownCluster(record.cluster.text) }
        guard state.companies.contains(record.siren) else { throw .unknownCompany(record.siren.description) }
        _ = try validatedText(record.title, field: "title", maximum: 200)
        guard record.startsOn <= record.endsOn else {
            throw .invalidArgument(field: "ends_on", reason: "a campaign ends on or after its start (\(record.startsOn)), not on \(record.endsOn)")
        }
        guard cluster.isActive(on: record.startsOn) else {
            throw .invalidArgument(field: "starts_on", reason: "cluster \(record.cluster) is not active on \(record.startsOn)")
        }
        kinds.append(.campaignOpened(record))

    case .recordParticipation(let person, let campaignID, let participation):
        guard let campaign = state.campaigns[campaignID] else { throw .unknownCampaign(campaignID.text) }
        guard let found = state.people[person] else { throw .unknownPerson(person.text) }
        guard !found.isErased else { throw .personErased(person.text) }
        guard case .tester(let facts) = found.role, facts.cluster == campaign.record.cluster else {
            throw .invalidArgument(field: "person", reason: "\(person) is no tester of cluster \(campaign.record.cluster)")
        }
        guard campaign.participations[person] == nil else {
            throw .alreadyExists(kind: "participation", id: "\(campaignID)/\(person)")
        }
        guard (campaign.record.startsOn...campaign.record.endsOn).contains(participation.on) else {
            throw .invalidArgument(field: "on", reason: "campaign \(campaignID) runs from \(campaign.record.startsOn) to \(campaign.record.endsOn), not on \(participation.on)")
        }
        guard facts.enrolledOn <= participation.on else {
            throw .invalidArgument(field: "on", reason: "\(person) enrolled on \(facts.enrolledOn), after \(participation.on)")
        }
        if let withdrawal = found.withdrawal, withdrawal.on <= participation.on {
            throw .consentWithdrawn(person: person.text, on: withdrawal.on.description)
        }
        if let rating = participation.rating, !Participation.ratings.contains(rating) {
            throw .invalidArgument(field: "rating", reason: "a rating is 1 to 5, not \(rating)")
        }
        if let comment = participation.comment {
            try [SealedField(name: .comment, sealed: comment)].check(allowed: [.comment], kind: "participation")
        }
        kinds.append(.testerParticipated(person: person, campaign: campaignID, participation))

    case .withdrawConsent(let person, let withdrawal):
        guard let found = state.people[person] else { throw .unknownPerson(person.text) }
        guard !found.isErased else { throw .personErased(person.text) }
        guard case .tester(let facts) = found.role else { throw .invalidArgument(field: "person", reason: "\(person) is a contact, who gave no consent") }
        if let earlier = found.withdrawal { throw .consentWithdrawn(person: person.text, on: earlier.on.description) }
        guard facts.consent.givenOn <= withdrawal.on else {
            throw .invalidArgument(field: "on", reason: "consent was given on \(facts.consent.givenOn), after \(withdrawal.on)")
        }
        kinds.append(.consentWithdrawn(person: person, withdrawal))

    case .recordPrivacyRequest(let person, let record):
        guard let found = state.people[person] else { throw .unknownPerson(person.text) }
        guard !found.isErased else { throw .personErased(person.text) }
        let today = Timestamp(microsecondsSinceEpoch: now).localDate
        guard record.receivedOn <= today else {
            throw .invalidArgument(field: "received_on", reason: "a request is recorded once received, on or before today (\(today)), not on \(record.receivedOn)")
        }
        kinds.append(.privacyRequestReceived(person: person, record))

    case .answerPrivacyRequest(let request, let outcome, let reason):
        guard let found = state.privacyRequests[request] else {
            throw .invalidArgument(field: "request", reason: "no privacy request was recorded at sequence \(request)")
        }
        if let answer = found.answer { throw .alreadyExists(kind: "answer to privacy request", id: "\(request) (at sequence \(answer.sequence))") }
        let reason = try reason.map { text throws(DomainError) in try validatedText(text, field: "reason", maximum: 200) }
        switch outcome {
        case .refused:
            guard reason != nil else { throw .invalidArgument(field: "reason", reason: "a refusal says why (the person is told)") }
        case .done:
            if found.record.right == .erasure, state.people[found.person]?.isErased != true {
                throw .invalidArgument(field: "outcome", reason: "an erasure request is done once \(found.person) is erased (clusterctl people erase \(found.person) --request \(request))")
            }
        }
        kinds.append(.privacyRequestAnswered(person: found.person, request: request, outcome: outcome, reason: reason))

    case .proposeProject, .changeProjectStatus, .commitFunding, .reviseCommitment, .disburseFunding:
        try ProjectRules.decide(command, state: state, now: now, into: &kinds)
    }
}

/// Checks a response's answers against the survey's questions.
enum AnswerValidation {
    static func check(_ input: [String: AnswerInput], against questions: [Question]) throws(DomainError) -> [Slug: Answer] {
        for key in input.keys.sorted() where !questions.contains(where: { $0.id.text == key }) {
            throw .invalidAnswer(question: key, reason: "the survey has no such question")
        }
        var answers: [Slug: Answer] = [:]
        for question in questions {
            guard let given = input[question.id.text] else {
                if question.required { throw .invalidAnswer(question: question.id.text, reason: "an answer is required") }
                continue
            }
            answers[question.id] = try answer(given, to: question)
        }
        return answers
    }

    private static func answer(_ given: AnswerInput, to question: Question) throws(DomainError) -> Answer {
        let id = question.id.text
        switch (question.kind, given) {
        case (.yesNo, .text("yes")), (.yesNo, .boolean(true)): return .yesNo(true)
        case (.yesNo, .text("no")), (.yesNo, .boolean(false)): return .yesNo(false)
        case (.yesNo, _): throw .invalidAnswer(question: id, reason: "expected \"yes\" or \"no\", got \(describe(given))")
        case (.singleChoice, .text(let option)):
            guard question.options.contains(option) else {
                throw .invalidAnswer(question: id, reason: "'\(option)' is not one of \(question.options.joined(separator: ", "))")
            }
            return .choice(option)
        case (.singleChoice, _): throw .invalidAnswer(question: id, reason: "expected one option, got \(describe(given))")
        case (.multipleChoice, .list(let options)):
            guard Set(options).count == options.count else { throw .invalidAnswer(question: id, reason: "an option is chosen twice") }
            if let unknown = options.first(where: { !question.options.contains($0) }) {
                throw .invalidAnswer(question: id, reason: "'\(unknown)' is not one of \(question.options.joined(separator: ", "))")
            }
            return .choices(options)
        case (.multipleChoice, _): throw .invalidAnswer(question: id, reason: "expected a list of options, got \(describe(given))")
        case (.scale, .integer(let value)), (.number, .integer(let value)):
            if let minimum = question.minimum, value < minimum {
                throw .invalidAnswer(question: id, reason: "\(value) is below the minimum \(minimum)")
            }
            if let maximum = question.maximum, value > maximum {
                throw .invalidAnswer(question: id, reason: "\(value) is above the maximum \(maximum)")
            }
            return .integer(value)
        case (.scale, _), (.number, _): throw .invalidAnswer(question: id, reason: "expected an integer, got \(describe(given))")
        }
    }

    private static func describe(_ input: AnswerInput) -> String {
        switch input {
        case .text(let text): return "\"\(text)\""
        case .list(let items): return "a list of \(items.count)"
        case .integer(let value): return "\(value)"
        case .boolean(let value): return "\(value)"
        case .other(let description): return description
        }
    }
}
