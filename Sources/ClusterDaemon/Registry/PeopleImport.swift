import ClusterModel
import EventLog
import Varlink

/// The write path of commands that carry sealed fields: an `Import` that holds people's commands
/// (`EnrollTester`, `AddContact`, `RecordParticipation`) among the others, and each of those
/// methods called alone, which is an import of one command. Decided as one, like any import, with
/// every new person's key made in one durable append to the key store and their fields sealed
/// before the write.
extension PeopleService {
    static let importMethods: Set<String> = ["EnrollTester", "AddContact", "RecordParticipation"]

    /// Whether an Import's parameters hold a people's command: it then comes here, not to the
    /// general path, which knows no sealed field.
    static func holdsPeople(_ parameters: [String: JSONValue]) -> Bool {
        parameters["commands"]?.arrayValue?.contains { $0["method"]?.stringValue.map(importMethods.contains) ?? false } ?? false
    }

    /// One command before sealing: ready, a new person's fields in clear, or a participation
    /// whose comment is still in clear.
    enum Pending {
        case ready(Command)
        case newPerson(fields: [(PersonalFieldName, String)], make: @Sendable (PersonID, [SealedField]) -> Command)
        case participation(ParticipationInput)
    }

    func importing(_ parameters: [String: JSONValue], peerUID: UInt32) async throws -> [String: JSONValue] {
        guard keyStore != nil else { throw PeopleError.unavailable }
        let (pending, requestID, expectedSequence) = try Self.parse(parameters)
        let (_, result) = try await writeSealed(pending, method: "Import", requestID: requestID, expectedSequence: expectedSequence, peerUID: peerUID)
        return ["seq": .int(Int64(result.lastSequence)), "first_seq": .int(Int64(result.firstSequence)), "events": .int(Int64(result.eventCount))]
    }

    /// `CheckImport` of an import that holds people's commands: every command checked against
    /// the read view as the import would be, with ids drawn for its new people and placeholders
    /// of its sealed values' size; no key made, nothing written. A participation of someone the
    /// view cannot give a band for (unknown, erased, a contact) goes to the rules as it is, which
    /// refuse it with the error the import would get.
    func checking(_ parameters: [String: JSONValue], peerUID: UInt32) async throws -> (refusals: [DomainError], refusedCount: Int, eventCount: Int, sequence: UInt64) {
        guard keyStore != nil else { throw PeopleError.unavailable }
        let (pending, _, _) = try Self.parse(parameters)
        let view = registry.view
        let commands = pending.map { item -> Command in
            switch item {
            case .ready(let command):
                return command
            case .newPerson(let fields, let make):
                return make(PersonID.random(), Self.placeholders(fields))
            case .participation(let input):
                if let command = try? participation(input, view: view, placeholder: true) { return command }
                let unchecked = Participation(on: input.on, ageBand: .from60, rating: input.rating, comment: input.comment.map(Self.placeholder))
                return .recordParticipation(person: input.person, campaign: input.campaign, unchecked)
            }
        }
        return try await registry.check(commands, peerUID: peerUID)
    }

    /// An import's parameters read: its commands before sealing, its request id and expected
    /// sequence number.
    private static func parse(_ parameters: [String: JSONValue]) throws -> ([Pending], String?, UInt64?) {
        let p = Parameters(parameters)
        let requestID = try p.optionalString("request_id")
        if let requestID, !DecodedWrite.isValidRequestID(requestID) { throw p.invalid("request_id", "must be 1 to 200 bytes") }
        let expectedSequence = try p.sequence("expected_seq")
        let list = parameters["commands"]?.arrayValue ?? []
        guard !list.isEmpty else { throw p.invalid("commands", "an import needs at least one command") }
        var pending: [Pending] = []
        pending.reserveCapacity(list.count)
        for (index, item) in list.enumerated() {
            do throws(DomainError) {
                pending.append(try Self.pending(item, prefix: "commands[\(index)]."))
            } catch {
                throw error.inCommand(index)
            }
        }
        return (pending, requestID, expectedSequence)
    }

    /// Writes `pending` through `Registry.write` as `method`'s call, and answers the ids drawn
    /// for its new people (nil for the other commands). The commands are first checked against
    /// the read view with placeholders of the sealed values' size (the rules and a request's
    /// fingerprint look at the fields' names and sizes, never at their values nor at a new
    /// person's id), so a call the registry refuses costs no key; if the writer still refuses it
    /// (the state changed in between), or the call was a retry of one already written, the
    /// unused keys are destroyed. Only then: after a failed append the events may still be on
    /// disk, and their keys must stay.
    func writeSealed(
        _ pending: [Pending], method: String, requestID: String?, expectedSequence: UInt64?, peerUID: UInt32
    ) async throws -> (ids: [PersonID?], result: Registry.WriteResult) {
        guard let keyStore else { throw PeopleError.unavailable }
        // Ids for the new people, and what each command is with sealed values of the right size.
        let view = registry.view
        var ids: [PersonID?] = []
        var drawn: Set<PersonID> = []
        for item in pending {
            guard case .newPerson = item else {
                ids.append(nil)
                continue
            }
            var person = PersonID.random()
            while view.people[person] != nil || drawn.contains(person) || keyStore.key(for: Daemon.subject(person)) != nil { person = PersonID.random() }
            drawn.insert(person)
            ids.append(person)
        }
        // An error names its command's index in an import only: a single call's is the call's.
        let isImport = method == "Import"
        precondition(isImport || pending.count == 1, "\(method) writes one command, not \(pending.count)")
        let placeholders = try built(pending, ids: ids, view: view, seal: nil, naming: isImport)
        let request = requestID.map { RequestKey(id: $0, method: method, commands: placeholders, expectedSequence: expectedSequence) }
        if request.map({ view.requests[$0.id] == nil }) ?? true {
            let context = DecisionContext(nowMicroseconds: WallClock.nowMicroseconds(), peerUID: peerUID)
            if isImport {
                _ = try decideAll(placeholders, state: view, context: context)
            } else {
                _ = try decide(placeholders[0], state: view, context: context)
            }
        }

        // One append and one fdatasync for every new key, then the fields sealed with them.
        let subjects = ids.compactMap { $0 }.map(Daemon.subject)
        let keys = subjects.isEmpty ? [] : try await pool.run { try keyStore.createKeys(for: subjects) }
        var keyBySubject: [SubjectID: SubjectKey] = [:]
        for (subject, key) in zip(subjects, keys) { keyBySubject[subject] = key }
        let commands = try built(pending, ids: ids, view: view, seal: keyBySubject, naming: isImport)
        let result: Registry.WriteResult
        do {
            result = try await registry.write(commands, request: request, expectedSequence: expectedSequence, peerUID: peerUID)
        } catch let refusal as DomainError {
            if !subjects.isEmpty { _ = try? await pool.run { try keyStore.destroy(subjects) } }
            throw refusal
        }
        if result.eventCount == 0, !subjects.isEmpty {
            // A retry: the first attempt's people have their keys; these were never used.
            _ = try? await pool.run { try keyStore.destroy(subjects) }
        }
        return (ids, result)
    }

    /// An import's command read: the people's by their own parsing, the others as any write.
    private static func pending(_ item: JSONValue, prefix: String) throws(DomainError) -> Pending {
        guard let method = item["method"]?.stringValue else { throw .invalidArgument(field: prefix + "method", reason: "is required") }
        let values = item["parameters"]?.objectValue ?? [:]
        for forbidden in ["request_id", "expected_seq"] where values[forbidden] != nil {
            throw .invalidArgument(field: prefix + "parameters." + forbidden, reason: "belongs to the Import call, not to its commands")
        }
        guard importMethods.contains(method) else { return .ready(try CommandParsing.command(method, values, prefix: prefix + "parameters.")) }
        do {
            try RegistryInterfaceDefinition.interface.validateInput(of: method, values)
        } catch {
            throw .invalidArgument(field: prefix + "parameters." + (error.parameters["parameter"]?.stringValue ?? ""), reason: error.detail ?? error.name)
        }
        let p = Parameters(values, prefix: prefix + "parameters.")
        switch method {
        case "EnrollTester":
            let input = try TesterInput(p)
            let facts = input.facts
            return .newPerson(fields: input.fields) { .enrollTester(person: $0, facts, fields: $1) }
        case "AddContact":
            let siren = try p.siren()
            let fields = try ContactDetails.contactFields(p)
            return .newPerson(fields: fields) { .addContact(person: $0, siren: siren, fields: $1) }
        default:
            return .participation(try ParticipationInput(p))
        }
    }

    /// The commands of `pending`, each error naming its command when `naming`.
    private func built(_ pending: [Pending], ids: [PersonID?], view: RegistryState, seal keys: [SubjectID: SubjectKey]?, naming: Bool) throws -> [Command] {
        var commands: [Command] = []
        commands.reserveCapacity(pending.count)
        for (index, (item, id)) in zip(pending, ids).enumerated() {
            do {
                commands.append(try command(item, id: id, view: view, seal: keys))
            } catch let error as DomainError where naming {
                throw error.inCommand(index)
            }
        }
        return commands
    }

    /// The command of `item`: sealed with `keys` (a new person's) or the person's own key, or
    /// with placeholders of the right size when `keys` is nil.
    private func command(_ item: Pending, id: PersonID?, view: RegistryState, seal keys: [SubjectID: SubjectKey]?) throws -> Command {
        switch item {
        case .ready(let command):
            return command
        case .newPerson(let fields, let make):
            let person = id!
            guard let keys else { return make(person, Self.placeholders(fields)) }
            return make(person, keys[Daemon.subject(person)]!.seal(fields, of: person))
        case .participation(let input):
            return try participation(input, view: view, placeholder: keys == nil)
        }
    }
}
