import ClusterModel
import Varlink

/// Turns the parameters of a write method into a `Command`, checking every value.
enum CommandParsing {
    /// The write methods, as `Import` accepts them.
    static let writeMethods: Set<String> = Set([
        "RegisterCluster", "UpdateCluster", "DissolveCluster", "RegisterCompany", "UpdateCompany", "JoinCluster",
        "LeaveCluster", "LinkPartner", "DefineSurvey", "SubmitResponse", "CloseSurvey", "OpenCampaign", "WithdrawConsent",
        "RecordPrivacyRequest", "AnswerPrivacyRequest",
    ]).union(ProjectParameters.writeMethods)

    static func command<Values: JSONObjectLookup>(_ method: String, _ values: Values, prefix: String = "") throws(DomainError) -> Command {
        let p = Parameters(values, prefix: prefix)
        if ProjectParameters.writeMethods.contains(method) { return try ProjectParameters.command(method, p) }
        switch method {
        case "RegisterCluster":
            let regions = try p.regions("regions")
            let departments = try p.departments("departments")
            try checkTerritory(regions, departments, prefix: prefix)
            return .registerCluster(
                ClusterRecord(
                    id: try p.slug("id"),
                    name: try p.text("name"),
                    regions: regions,
                    departments: departments,
                    nafSection: try p.optionalSection("naf_section"),
                    founded: try p.optionalDate("founded"),
                    siret: try optionalSIRET(p)
                )
            )
        case "UpdateCluster":
            return .updateCluster(
                ClusterPatch(
                    id: try p.slug("id"),
                    name: try p.optionalText("name"),
                    regions: p.has("regions") ? try p.regions("regions") : nil,
                    departments: p.has("departments") ? try p.departments("departments") : nil,
                    nafSection: try p.optionalSection("naf_section"),
                    founded: try p.optionalDate("founded"),
                    siret: try optionalSIRET(p)
                )
            )
        case "DissolveCluster":
            return .dissolveCluster(id: try p.slug("id"), date: try p.date("date"))
        case "RegisterCompany":
            let employees = try p.integer("employees")
            let turnover = try p.optionalInteger("turnover_eur")
            do {
                try RecordValidation.checkSize(employees: employees, turnoverEUR: turnover)
            } catch {
                throw error.prefixingField(with: prefix)
            }
            return .registerCompany(
                CompanyRecord(
                    siren: try p.siren(),
                    name: try p.text("name"),
                    naf: try NAFCode(p.string("naf"), field: p.name("naf")),
                    department: try Department(p.string("department"), field: p.name("department")),
                    employees: employees,
                    turnoverEUR: turnover,
                    declaredCategory: try p.optionalString("declared_category").map { text throws(DomainError) in
                        try SizeCategory(text, field: p.name("declared_category"))
                    }
                )
            )
        case "UpdateCompany":
            let employees = try p.optionalInteger("employees")
            let turnover = try p.optionalInteger("turnover_eur")
            do {
                try RecordValidation.checkSize(employees: employees ?? 0, turnoverEUR: turnover)
            } catch {
                throw error.prefixingField(with: prefix)
            }
            return .updateCompany(
                CompanyPatch(
                    siren: try p.siren(),
                    name: try p.optionalText("name"),
                    naf: try p.optionalString("naf").map { text throws(DomainError) in try NAFCode(text, field: p.name("naf")) },
                    department: try p.optionalString("department").map { text throws(DomainError) in
                        try Department(text, field: p.name("department"))
                    },
                    employees: employees,
                    turnoverEUR: turnover,
                    declaredCategory: try p.optionalString("declared_category").map { text throws(DomainError) in
                        try SizeCategory(text, field: p.name("declared_category"))
                    },
                    effectiveOn: try p.optionalDate("effective_on")
                )
            )
        case "JoinCluster":
            return .joinCluster(cluster: try p.slug("cluster"), siren: try p.siren(), date: try p.date("date"))
        case "LeaveCluster":
            return .leaveCluster(
                cluster: try p.slug("cluster"),
                siren: try p.siren(),
                date: try p.date("date"),
                reason: try p.optionalText("reason", maximum: 500)
            )
        case "LinkPartner":
            return .linkPartner(cluster: try p.slug("cluster"), partner: try ProjectParameters.partner(p))
        case "DefineSurvey":
            guard let list = values["questions"]?.arrayValue else { throw p.invalid("questions", "must be a list of questions") }
            var questions: [Question] = []
            for (index, value) in list.enumerated() {
                guard let object = value.objectValue else { throw p.invalid("questions[\(index)]", "must be an object") }
                questions.append(try question(Parameters(object, prefix: "\(prefix)questions[\(index)].")))
            }
            do {
                try RecordValidation.checkQuestions(questions)
            } catch {
                throw error.prefixingField(with: prefix)
            }
            return .defineSurvey(
                SurveyDefinition(
                    id: try p.slug("id"),
                    title: try p.text("title"),
                    opensAt: try p.timestamp("opens_at"),
                    closesAt: try p.timestamp("closes_at"),
                    questions: questions
                )
            )
        case "SubmitResponse":
            guard let object = values["answers"]?.objectValue else { throw p.invalid("answers", "must be an object mapping question ids to answers") }
            var answers: [String: AnswerInput] = [:]
            for (key, value) in object { answers[key] = answerInput(value) }
            return .submitResponse(
                survey: try p.slug("survey"),
                siren: try p.siren(),
                submittedAt: try p.timestamp("submitted_at"),
                answers: answers
            )
        case "CloseSurvey":
            return .closeSurvey(id: try p.slug("id"))
        case "OpenCampaign":
            return .openCampaign(
                CampaignRecord(
                    id: try p.slug("id"), cluster: try p.slug("cluster"), kind: try CampaignKind(try p.string("kind"), field: p.name("kind")),
                    siren: try p.siren(), title: try p.text("title"), startsOn: try p.date("starts_on"), endsOn: try p.date("ends_on")
                )
            )
        case "WithdrawConsent":
            return .withdrawConsent(
                person: try PersonID(try p.string("person"), field: p.name("person")),
                Withdrawal(on: try p.date("on"), channel: try ConsentChannel(try p.string("channel"), field: p.name("channel")))
            )
        case "RecordPrivacyRequest":
            return .recordPrivacyRequest(
                person: try PersonID(try p.string("person"), field: p.name("person")),
                PrivacyRequestRecord(
                    right: try PrivacyRight(try p.string("right"), field: p.name("right")), receivedOn: try p.date("received_on"),
                    channel: try ConsentChannel(try p.string("channel"), field: p.name("channel"))
                )
            )
        case "AnswerPrivacyRequest":
            guard let request = try p.sequence("request") else { throw p.invalid("request", "is required") }
            return .answerPrivacyRequest(
                request: request,
                outcome: try PrivacyOutcome(try p.string("outcome"), field: p.name("outcome")), reason: try p.optionalText("reason")
            )
        default:
            throw .invalidArgument(field: prefix + "method", reason: "'\(method)' is not a write method (one of \(writeMethods.sorted().joined(separator: ", ")))")
        }
    }

    private static func optionalSIRET<Values: JSONObjectLookup>(_ p: Parameters<Values>) throws(DomainError) -> SIRET? {
        try p.optionalString("siret").map { text throws(DomainError) in try SIRET(text, field: p.name("siret")) }
    }

    private static func checkTerritory(_ regions: [Region], _ departments: [Department], prefix: String) throws(DomainError) {
        do {
            try RecordValidation.checkTerritory(regions: regions, departments: departments)
        } catch {
            throw error.prefixingField(with: prefix)
        }
    }

    private static func question(_ p: Parameters<[String: JSONValue]>) throws(DomainError) -> Question {
        let kindText = try p.string("kind")
        guard let kind = QuestionKind(rawValue: kindText) else {
            throw p.invalid("kind", "'\(kindText)' is not one of yes_no, single_choice, multiple_choice, scale, number")
        }
        var minimum = try p.optionalInteger("min")
        var maximum = try p.optionalInteger("max")
        if kind == .scale && minimum == nil { minimum = 1 }
        if kind == .scale && maximum == nil { maximum = 5 }
        return Question(
            id: try p.slug("id"),
            text: try p.text("text", maximum: 500),
            kind: kind,
            options: try p.optionalStrings("options") ?? [],
            minimum: minimum,
            maximum: maximum,
            required: try p.optionalBool("required") ?? true
        )
    }

    private static func answerInput(_ value: JSONValue) -> AnswerInput {
        switch value {
        case .string(let text): return .text(text)
        case .bool(let bool): return .boolean(bool)
        case .int(let integer): return .integer(integer)
        case .array(let items):
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? .list(strings) : .other("a list that is not all strings")
        default:
            if let integer = value.intValue { return .integer(integer) }
            return .other(value.kindDescription)
        }
    }
}
