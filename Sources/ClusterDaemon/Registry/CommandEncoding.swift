import ClusterModel
import Varlink

/// Commands as the write methods' parameters: what `clusterctl demo load` sends through `Import`.
public enum CommandEncoding {
    /// `command` as one entry of `Import`'s `commands`: its write method and parameters.
    public static func importEntry(_ command: Command) -> JSONValue {
        let (method, parameters) = call(command)
        return ["method": .string(method), "parameters": .object(parameters)]
    }

    /// The write method and parameters that express `command`.
    public static func call(_ command: Command) -> (method: String, parameters: [String: JSONValue]) {
        if let call = ProjectParameters.call(command) { return call }
        switch command {
        case .registerCluster(let record):
            var parameters: [String: JSONValue] = [
                "id": .string(record.id.text), "name": .string(record.name),
                "regions": .array(record.regions.map { .string($0.code) }), "departments": .array(record.departments.map { .string($0.code) }),
            ]
            if let section = record.nafSection { parameters["naf_section"] = .string(section.description) }
            if let founded = record.founded { parameters["founded"] = .string(founded.description) }
            if let siret = record.siret { parameters["siret"] = .string(siret.description) }
            return ("RegisterCluster", parameters)
        case .updateCluster(let patch):
            var parameters: [String: JSONValue] = ["id": .string(patch.id.text)]
            if let name = patch.name { parameters["name"] = .string(name) }
            if let regions = patch.regions { parameters["regions"] = .array(regions.map { .string($0.code) }) }
            if let departments = patch.departments { parameters["departments"] = .array(departments.map { .string($0.code) }) }
            if let section = patch.nafSection { parameters["naf_section"] = .string(section.description) }
            if let founded = patch.founded { parameters["founded"] = .string(founded.description) }
            if let siret = patch.siret { parameters["siret"] = .string(siret.description) }
            return ("UpdateCluster", parameters)
        case .dissolveCluster(let id, let date):
            return ("DissolveCluster", ["id": .string(id.text), "date": .string(date.description)])
        case .registerCompany(let record):
            return ("RegisterCompany", ReplyEncoding.eventBody(.companyRegistered(record)))
        case .updateCompany(let patch):
            var parameters: [String: JSONValue] = ["siren": .string(patch.siren.description)]
            if let name = patch.name { parameters["name"] = .string(name) }
            if let naf = patch.naf { parameters["naf"] = .string(naf.code) }
            if let department = patch.department { parameters["department"] = .string(department.code) }
            if let employees = patch.employees { parameters["employees"] = .int(employees) }
            if let turnover = patch.turnoverEUR { parameters["turnover_eur"] = .int(turnover) }
            if let declared = patch.declaredCategory { parameters["declared_category"] = .string(declared.rawValue) }
            if let effectiveOn = patch.effectiveOn { parameters["effective_on"] = .string(effectiveOn.description) }
            return ("UpdateCompany", parameters)
        case .joinCluster(let cluster, let siren, let date):
            return ("JoinCluster", ["cluster": .string(cluster.text), "siren": .string(siren.description), "date": .string(date.description)])
        case .leaveCluster(let cluster, let siren, let date, let reason):
            var parameters: [String: JSONValue] = ["cluster": .string(cluster.text), "siren": .string(siren.description), "date": .string(date.description)]
            if let reason { parameters["reason"] = .string(reason) }
            return ("LeaveCluster", parameters)
        case .linkPartner(let cluster, let partner):
            return ("LinkPartner", ReplyEncoding.eventBody(.partnerLinked(cluster: cluster, partner: partner)))
        case .defineSurvey(let definition):
            return ("DefineSurvey", ReplyEncoding.eventBody(.surveyDefined(definition)))
        case .submitResponse(let survey, let siren, let submittedAt, let answers):
            var encoded: [String: JSONValue] = [:]
            for (question, answer) in answers {
                switch answer {
                case .text(let text): encoded[question] = .string(text)
                case .list(let items): encoded[question] = .array(items.map { .string($0) })
                case .integer(let value): encoded[question] = .int(value)
                case .boolean(let value): encoded[question] = .bool(value)
                case .other(let description): encoded[question] = .string(description)
                }
            }
            return (
                "SubmitResponse",
                ["survey": .string(survey.text), "siren": .string(siren.description), "submitted_at": .string(submittedAt.description), "answers": .object(encoded)]
            )
        case .closeSurvey(let id):
            return ("CloseSurvey", ["id": .string(id.text)])
        case .recordSnapshot:
            preconditionFailure("recordSnapshot is the daemon's own command: no client sends it")
        case .openCampaign(let record):
            return ("OpenCampaign", ReplyEncoding.eventBody(.campaignOpened(record)))
        case .withdrawConsent(let person, let withdrawal):
            return ("WithdrawConsent", ReplyEncoding.eventBody(.consentWithdrawn(person: person, withdrawal)))
        case .recordPrivacyRequest(let person, let record):
            return ("RecordPrivacyRequest", ReplyEncoding.eventBody(.privacyRequestReceived(person: person, record)))
        case .answerPrivacyRequest(let request, let outcome, let reason):
            var parameters: [String: JSONValue] = ["request": .int(Int64(request)), "outcome": .string(outcome.rawValue)]
            if let reason { parameters["reason"] = .string(reason) }
            return ("AnswerPrivacyRequest", parameters)
        case .proposeProject, .changeProjectStatus, .commitFunding, .reviseCommitment, .disburseFunding:
            preconditionFailure("ProjectParameters.call writes the project commands")
        case .enrollTester, .addContact, .rectifyPerson, .erasePerson, .recordParticipation:
            preconditionFailure("the people's commands hold sealed fields, which only the daemon makes: a client sends the fields in clear")
        }
    }

    /// Checks a write method's parameters as the daemon will, without a daemon: the errors that do
    /// not depend on the registry's state (formats, Luhn, NAF codes, territories, questions).
    public static func check(_ method: String, _ parameters: [String: JSONValue]) throws(DomainError) {
        do {
            try RegistryInterfaceDefinition.interface.validateInput(of: method, parameters)
        } catch {
            throw .invalidArgument(
                field: error.parameters["parameter"]?.stringValue ?? "parameters",
                reason: error.detail ?? error.name
            )
        }
        _ = try CommandParsing.command(method, parameters)
    }

    /// The write methods an import may hold.
    public static var writeMethods: Set<String> { CommandParsing.writeMethods }
}
