/// Why a command is rejected. Each case becomes the Varlink error `org.clusterd.Registry.<Name>`
/// with parameters that say what and why; a rejected command changes nothing.
public enum DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidArgument(field: String, reason: String)
    case unknownCluster(String)
    case unknownCompany(String)
    case unknownSurvey(String)
    case unknownPerson(String)
    /// The person was erased: nothing about them can be read or changed.
    case personErased(String)
    case unknownCampaign(String)
    /// The tester withdrew their consent on that day: they take part in no campaign from then on.
    case consentWithdrawn(person: String, on: String)
    case alreadyExists(kind: String, id: String)
    case unknownProject(String)
    case unknownCommitment(String)
    /// The project is not in a status that allows the change (a commitment to a completed
    /// project, a disbursement to a withdrawn one, a transition its status does not allow).
    case projectNotOpen(project: String, status: String, reason: String)
    /// More would be paid out than committed: the funder, the commitment, both amounts on the
    /// day the rule breaks, and the difference, in cents.
    case disbursementExceedsCommitment(commitment: String, funder: String, on: CalendarDate, committedCents: Int64, disbursedCents: Int64, excessCents: Int64)
    case alreadyMember(cluster: String, siren: String, since: CalendarDate)
    case notAMember(cluster: String, siren: String, date: CalendarDate)
    case surveyNotOpen(survey: String, reason: String)
    case duplicateResponse(survey: String, siren: String)
    case invalidAnswer(question: String, reason: String)
    case concurrencyConflict(expected: UInt64, actual: UInt64)
    /// A request id already used by a request with other content, which wrote up to `sequence`.
    case requestIdReused(requestID: String, sequence: UInt64)
    /// The error of one command of an import, with the command's position in the list: the
    /// error keeps its name and parameters, and gains `command`.
    indirect case inCommand(index: Int, DomainError)

    /// The error's member name in `org.clusterd.Registry`.
    public var name: String {
        switch self {
        case .invalidArgument: return "InvalidArgument"
        case .unknownCluster: return "UnknownCluster"
        case .unknownCompany: return "UnknownCompany"
        case .unknownSurvey: return "UnknownSurvey"
        case .unknownPerson: return "UnknownPerson"
        case .personErased: return "PersonErased"
        case .unknownCampaign: return "UnknownCampaign"
        case .consentWithdrawn: return "ConsentWithdrawn"
        case .alreadyExists: return "AlreadyExists"
        case .unknownProject: return "UnknownProject"
        case .unknownCommitment: return "UnknownCommitment"
        case .projectNotOpen: return "ProjectNotOpen"
        case .disbursementExceedsCommitment: return "DisbursementExceedsCommitment"
        case .alreadyMember: return "AlreadyMember"
        case .notAMember: return "NotAMember"
        case .surveyNotOpen: return "SurveyNotOpen"
        case .duplicateResponse: return "DuplicateResponse"
        case .invalidAnswer: return "InvalidAnswer"
        case .concurrencyConflict: return "ConcurrencyConflict"
        case .requestIdReused: return "RequestIdReused"
        case .inCommand(_, let error): return error.name
        }
    }

    /// The error's parameters, as plain strings and integers.
    public var parameters: [String: DomainValue] {
        switch self {
        case .invalidArgument(let field, let reason): return ["field": .string(field), "reason": .string(reason)]
        case .unknownCluster(let id): return ["cluster": .string(id)]
        case .unknownCompany(let siren): return ["siren": .string(siren)]
        case .unknownSurvey(let id): return ["survey": .string(id)]
        case .unknownPerson(let id), .personErased(let id): return ["person": .string(id)]
        case .unknownCampaign(let id): return ["campaign": .string(id)]
        case .consentWithdrawn(let person, let on): return ["person": .string(person), "on": .string(on)]
        case .alreadyExists(let kind, let id): return ["kind": .string(kind), "id": .string(id)]
        case .unknownProject(let id): return ["project": .string(id)]
        case .unknownCommitment(let id): return ["commitment": .string(id)]
        case .projectNotOpen(let project, let status, let reason): return ["project": .string(project), "status": .string(status), "reason": .string(reason)]
        case .disbursementExceedsCommitment(let commitment, let funder, let on, let committed, let disbursed, let excess):
            return [
                "commitment": .string(commitment), "funder": .string(funder), "on": .string(on.description), "committed_cents": .int(committed),
                "disbursed_cents": .int(disbursed), "excess_cents": .int(excess),
                "reason": .string(
                    "\(funder) would have disbursed \(Money.display(disbursed)) on commitment \(commitment) by \(on), "
                        + "above the \(Money.display(committed)) committed, by \(Money.display(excess))"
                ),
            ]
        case .alreadyMember(let cluster, let siren, let since):
            return ["cluster": .string(cluster), "siren": .string(siren), "since": .string(since.description)]
        case .notAMember(let cluster, let siren, let date):
            return ["cluster": .string(cluster), "siren": .string(siren), "date": .string(date.description)]
        case .surveyNotOpen(let survey, let reason): return ["survey": .string(survey), "reason": .string(reason)]
        case .duplicateResponse(let survey, let siren): return ["survey": .string(survey), "siren": .string(siren)]
        case .invalidAnswer(let question, let reason): return ["question": .string(question), "reason": .string(reason)]
        case .concurrencyConflict(let expected, let actual): return ["expected": .int(Int64(expected)), "actual": .int(Int64(actual))]
        case .requestIdReused(let requestID, let sequence): return ["request_id": .string(requestID), "seq": .int(Int64(sequence))]
        case .inCommand(let index, let error): return error.parameters.merging(["command": .int(Int64(index))]) { _, position in position }
        }
    }

    public var description: String {
        let details = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: ", ")
        return "\(name)(\(details))"
    }

    /// Prefixes the field of an `invalidArgument` (e.g. `commands[3].` for a command of an import).
    public func prefixingField(with prefix: String) -> DomainError {
        switch self {
        case .invalidArgument(let field, let reason): return .invalidArgument(field: prefix + field, reason: reason)
        case .inCommand(let index, let error): return .inCommand(index: index, error.prefixingField(with: prefix))
        default: return self
        }
    }

    /// This error as the error of command `index` of an import (`inCommand`), once: an error
    /// that already names its command keeps it, and a `concurrencyConflict` is the whole call's.
    public func inCommand(_ index: Int) -> DomainError {
        switch self {
        case .inCommand, .concurrencyConflict, .requestIdReused: return self
        default: return .inCommand(index: index, self)
        }
    }

}

/// A parameter value of a domain error.
public enum DomainValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)

    public var description: String {
        switch self {
        case .string(let text): return text
        case .int(let value): return String(value)
        }
    }
}
