import ClusterModel
import EventLog
import Varlink

/// An `Import` that holds people's commands (`EnrollTester`, `AddContact`, `RecordParticipation`)
/// among the others: decided as one, like any import, with every new person's key made in one
/// durable append to the key store and their fields sealed before the write.
extension PeopleService {
    static let importMethods: Set<String> = ["EnrollTester", "AddContact", "RecordParticipation"]

    /// Whether an Import's parameters hold a people's command: it then comes here, not to the
    /// general path, which knows no sealed field.
    static func holdsPeople(_ parameters: [String: JSONValue]) -> Bool {
        parameters["commands"]?.arrayValue?.contains { $0["method"]?.stringValue.map(importMethods.contains) ?? false } ?? false
    }

    /// One command of the import before sealing: ready, a new person's fields in clear, or a
    /// participation whose comment is still in clear.
    private enum Pending {
        case ready(Command)
        case newPerson(fields: [(PersonalFieldName, String)], make: @Sendable (PersonID, [SealedField]) -> Command)
        case participation(ParticipationInput)
    }

    func importing(_ parameters: [String: JSONValue], peerUID: UInt32) async throws -> [String: JSONValue] {
        guard let keyStore else { throw PeopleError.unavailable }
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
        let placeholders = try built(pending, ids: ids, view: view, seal: nil)
        let request = requestID.map { RequestKey(id: $0, method: "Import", commands: placeholders, expectedSequence: expectedSequence) }
        if request.map({ view.requests[$0.id] == nil }) ?? true {
            _ = try decideAll(placeholders, state: view, context: DecisionContext(nowMicroseconds: WallClock.nowMicroseconds(), peerUID: peerUID))
        }

        // One append and one fdatasync for every new key, then the fields sealed with them.
        let subjects = ids.compactMap { $0 }.map(Daemon.subject)
        let keys = subjects.isEmpty ? [] : try await pool.run { try keyStore.createKeys(for: subjects) }
        var keyBySubject: [SubjectID: SubjectKey] = [:]
        for (subject, key) in zip(subjects, keys) { keyBySubject[subject] = key }
        let commands = try built(pending, ids: ids, view: view, seal: keyBySubject)
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
        return ["seq": .int(Int64(result.lastSequence)), "first_seq": .int(Int64(result.firstSequence)), "events": .int(Int64(result.eventCount))]
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

    /// The commands of `pending`, each error naming its command.
    private func built(_ pending: [Pending], ids: [PersonID?], view: RegistryState, seal keys: [SubjectID: SubjectKey]?) throws -> [Command] {
        var commands: [Command] = []
        commands.reserveCapacity(pending.count)
        for (index, (item, id)) in zip(pending, ids).enumerated() {
            do {
                commands.append(try command(item, id: id, view: view, seal: keys))
            } catch let error as DomainError {
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
            let subject = Daemon.subject(person)
            guard let keys else { return make(person, Self.placeholders(fields)) }
            let key = keys[subject]!
            return make(person, fields.map { name, value in SealedField(name: name, sealed: key.seal(Array(value.utf8), subject: subject, field: name.rawValue)) })
        case .participation(let input):
            return try participation(input, view: view, placeholder: keys == nil)
        }
    }
}
