
/// How to group survey results.
public enum SurveyBreakdown: String, Sendable, Hashable, CaseIterable {
    case cluster, region, size, section
}

/// The figures of one answer option.
public struct OptionResult: Sendable, Hashable {
    public var value: String
    public var count: Int
    /// Share of the question's respondents (or of their employees, when weighted), in percent.
    public var percent: Double
    /// Wilson score interval, 95 %, in percent.
    public var ci95: (Double, Double)

    public static func == (lhs: OptionResult, rhs: OptionResult) -> Bool {
        lhs.value == rhs.value && lhs.count == rhs.count && lhs.percent == rhs.percent && lhs.ci95 == rhs.ci95
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
        hasher.combine(count)
    }
}

/// The figures of one question.
public struct QuestionResult: Sendable, Hashable {
    public var question: Question
    public var respondents: Int
    public var options: [OptionResult]
    /// For scale and number questions.
    public var mean: Double?
    /// For number questions: the answers in up to 10 bins of equal width (a histogram).
    public var bins: [Bin] = []
}

/// Answers from `lower` through `upper`, both included.
public struct Bin: Sendable, Hashable {
    public var lower: Int64
    public var upper: Int64
    public var count: Int
}

/// One group of a breakdown; its figures are withheld when it has fewer than 5 respondents.
public struct GroupResult: Sendable, Hashable {
    public var key: String
    public var label: String
    public var respondents: Int
    public var suppressed: Bool
    public var questions: [QuestionResult]
}

/// The results of a survey.
public struct SurveyResults: Sendable, Hashable {
    public var survey: SurveyDefinition
    public var closed: Bool
    public var respondents: Int
    public var weighted: Bool
    public var questions: [QuestionResult]
    public var breakdown: SurveyBreakdown?
    public var groups: [GroupResult]
}

extension RegistryState {
    /// The smallest group whose figures are shown in a breakdown.
    public static let minimumGroupSize = 5

    /// Results of survey `id`: per question respondents, count, percent (one decimal) and Wilson 95 %
    /// interval per option; optionally weighted by employees and broken down into groups.
    public func surveyResults(_ id: Slug, breakdown: SurveyBreakdown?, weighted: Bool) throws(DomainError) -> SurveyResults {
        guard let survey = surveys[id] else { throw .unknownSurvey(id.text) }
        let responses = survey.responses.sorted { $0.key < $1.key }
        var groups: [GroupResult] = []
        if let breakdown {
            var members: [String: [(SIREN, SurveyResponse)]] = [:]
            var labels: [String: String] = [:]
            for (siren, response) in responses {
                for (key, label) in groupKeys(of: siren, response: response, by: breakdown) {
                    members[key, default: []].append((siren, response))
                    labels[key] = label
                }
            }
            for key in members.keys.sorted() {
                let group = members[key]!
                let suppressed = group.count < Self.minimumGroupSize
                groups.append(
                    GroupResult(
                        key: key,
                        label: labels[key] ?? key,
                        respondents: group.count,
                        suppressed: suppressed,
                        questions: suppressed ? [] : tally(survey.definition.questions, group, weighted: weighted)
                    )
                )
            }
        }
        return SurveyResults(
            survey: survey.definition,
            closed: survey.closedAtMicroseconds != nil,
            respondents: responses.count,
            weighted: weighted,
            questions: tally(survey.definition.questions, responses.map { ($0.key, $0.value) }, weighted: weighted),
            breakdown: breakdown,
            groups: groups
        )
    }

    private func groupKeys(of siren: SIREN, response: SurveyResponse, by breakdown: SurveyBreakdown) -> [(String, String)] {
        guard let company = companies[siren]?.record else { return [] }
        switch breakdown {
        case .cluster:
            return clusters(of: siren, on: response.submittedAt.localDate).map { ($0.text, self.clusters[$0]?.record.name ?? $0.text) }
        case .region:
            return [(company.department.region.code, company.department.region.name)]
        case .size:
            return [(company.derivedCategory.rawValue, company.derivedCategory.rawValue)]
        case .section:
            return [(company.naf.section.description, company.naf.section.label)]
        }
    }

    private func tally(_ questions: [Question], _ responses: [(SIREN, SurveyResponse)], weighted: Bool) -> [QuestionResult] {
        questions.map { question in
            var weights: [Double] = []
            var chosen: [[String]] = []
            var values: [Int64] = []
            for (siren, response) in responses {
                guard let answer = response.answers[question.id] else { continue }
                weights.append(weighted ? Double(max(companies[siren]?.record.employees ?? 0, 0)) : 1)
                switch answer {
                case .yesNo(let yes): chosen.append([yes ? "yes" : "no"])
                case .choice(let option): chosen.append([option])
                case .choices(let options): chosen.append(options)
                case .integer(let value):
                    chosen.append([String(value)])
                    values.append(value)
                }
            }
            let optionValues: [String]
            switch question.kind {
            case .yesNo: optionValues = ["yes", "no"]
            case .singleChoice, .multipleChoice: optionValues = question.options
            case .scale:
                // Decided surveys go from 1 to 5 or 7; anything else (no bounds, reversed) has no options.
                if let minimum = question.minimum, let maximum = question.maximum, minimum <= maximum,
                    case let (span, overflow) = maximum.subtractingReportingOverflow(minimum), !overflow, span < 100
                {
                    optionValues = (minimum...maximum).map(String.init)
                } else {
                    optionValues = []
                }
            case .number: optionValues = []
            }
            let totalWeight = weights.reduce(0, +)
            // Kish's effective sample size makes the interval honest when weights differ.
            let squares = weights.reduce(0) { $0 + $1 * $1 }
            let effectiveSize = squares > 0 ? totalWeight * totalWeight / squares : 0
            let options = optionValues.map { value -> OptionResult in
                var count = 0
                var weight = 0.0
                for (index, picks) in chosen.enumerated() where picks.contains(value) {
                    count += 1
                    weight += weights[index]
                }
                let share = totalWeight > 0 ? weight / totalWeight : 0
                return OptionResult(value: value, count: count, percent: Self.oneDecimal(share * 100), ci95: Self.wilson(share, effectiveSize))
            }
            let mean = values.isEmpty ? nil : Self.oneDecimal(Double(values.reduce(0, +)) / Double(values.count))
            let bins = question.kind == .number ? Self.histogram(values) : []
            return QuestionResult(question: question, respondents: chosen.count, options: options, mean: mean, bins: bins)
        }
    }

    /// Up to 10 bins of equal integer width from the smallest answer to the largest.
    static func histogram(_ values: [Int64]) -> [Bin] {
        guard let low = values.min(), let high = values.max() else { return [] }
        // Widths in Double: the span of two Int64 answers may not fit an Int64.
        let span = Double(high) - Double(low) + 1
        let width = max(1, (span / 10).rounded(.up))
        let count = Int((span / width).rounded(.up))
        // Near the ends of Int64 a Double does not convert back: clamp, and keep the exact ends.
        func integer(_ value: Double) -> Int64 { value >= 0x1p63 ? .max : value < -0x1p63 ? .min : Int64(value) }
        var bins = (0..<count).map { index -> Bin in
            let lower = Double(low) + Double(index) * width
            return Bin(lower: index == 0 ? low : integer(lower), upper: index == count - 1 ? high : integer(lower + width - 1), count: 0)
        }
        for value in values { bins[min(count - 1, Int((Double(value) - Double(low)) / width))].count += 1 }
        return bins
    }

    /// Rounds half away from zero to one decimal: 73.666… gives 73.7.
    static func oneDecimal(_ value: Double) -> Double {
        (value * 10).rounded(.toNearestOrAwayFromZero) / 10
    }

    /// The Wilson score interval for share `p` of `n`, 95 % (z = 1.959964), in percent.
    static func wilson(_ p: Double, _ n: Double) -> (Double, Double) {
        guard n > 0 else { return (0, 0) }
        let z = 1.959964
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denominator
        return (oneDecimal(max(0, center - half) * 100), oneDecimal(min(1, center + half) * 100))
    }
}
