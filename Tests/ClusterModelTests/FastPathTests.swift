import ClusterModel
import Testing

/// The byte-level fast paths of validation (taken for printable ASCII and codes in their official
/// form) must decide exactly as the general rules, written out here as they were before them.
struct FastPathTests {
    // The general rules, as oracles.

    static func text(_ text: String, maximum: Int) -> Result<String, DomainError> {
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        let result = String(trimmed)
        guard !result.isEmpty else { return .failure(.invalidArgument(field: "f", reason: "must not be empty")) }
        guard result.count <= maximum else {
            return .failure(.invalidArgument(field: "f", reason: "must be at most \(maximum) characters, it has \(result.count)"))
        }
        guard !result.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(.invalidArgument(field: "f", reason: "must not contain control characters"))
        }
        return .success(result)
    }

    static func slugIsValid(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        return (1...64).contains(scalars.count) && scalars.first != "-"
            && scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static func naf(_ text: String) -> NAFCode? {
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        var normalized = String(trimmed).uppercased()
        if normalized.count == 5, !normalized.contains(".") {
            normalized.insert(".", at: normalized.index(normalized.startIndex, offsetBy: 2))
        }
        return NAFCode.all.first { $0.code == normalized }
    }

    static func department(_ text: String) -> Department? {
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        let code = String(trimmed).uppercased()
        return Department.all.first { $0.code == code }
    }

    static func random(_ alphabet: [String], _ generator: inout SplitMix64, maximumLength: Int) -> String {
        let length = Int(generator.next() % UInt64(maximumLength + 1))
        return (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
    }

    @Test func freeTextIsCheckedAsTheGeneralRuleDoes() {
        var generator = SplitMix64(seed: 1)
        let alphabet = [" ", " ", "a", "B", "7", "-", "'", "é", "\u{7}", "\u{7F}", "\r\n", "\t", "😀", "e\u{301}", "~"]
        for _ in 0..<20_000 {
            let text = Self.random(alphabet, &generator, maximumLength: 9)
            let maximum = 1 + Int(generator.next() % 6)
            let actual = Result { () throws(DomainError) -> String in try RecordValidation.text(text, field: "f", maximum: maximum) }
            #expect(actual == Self.text(text, maximum: maximum), "\(text.debugDescription) max \(maximum)")
        }
    }

    @Test func slugsAreCheckedAsTheGeneralRuleDoes() {
        var generator = SplitMix64(seed: 2)
        let alphabet = ["a", "z", "0", "9", "-", "A", " ", "é", "_", "\u{0}"]
        for _ in 0..<20_000 {
            let text = Self.random(alphabet, &generator, maximumLength: 6)
            let accepted = (try? Slug(text, field: "id"))?.text
            #expect(accepted == (Self.slugIsValid(text) ? text : nil), "\(text.debugDescription)")
        }
        #expect((try? Slug(String(repeating: "a", count: 64), field: "id")) != nil)
        #expect((try? Slug(String(repeating: "a", count: 65), field: "id")) == nil)
    }

    @Test func nafCodesAreReadAsTheGeneralRuleReadsThem() {
        for code in NAFCode.all {
            for variant in [code.code, code.code.lowercased(), code.code.filter { $0 != "." }, " \(code.code) "] {
                #expect((try? NAFCode(variant)) == code, "\(variant)")
            }
        }
        var generator = SplitMix64(seed: 3)
        let alphabet = ["0", "1", "2", "5", "6", ".", "Z", "z", "B", " ", "É", "A", "\u{0}"]
        for _ in 0..<20_000 {
            let text = Self.random(alphabet, &generator, maximumLength: 7)
            #expect((try? NAFCode(text)) == Self.naf(text), "\(text.debugDescription)")
        }
    }

    @Test func departmentsAreReadAsTheGeneralRuleReadsThem() {
        for department in Department.all {
            for variant in [department.code, department.code.lowercased(), " \(department.code)"] {
                #expect((try? Department(variant)) == department, "\(variant)")
            }
        }
        // A leading NUL once packed like the code after it (found in review).
        #expect((try? Department("\u{0}69")) == nil)
        #expect((try? Department("\u{0}\u{0}1")) == nil)
        var generator = SplitMix64(seed: 4)
        let alphabet = ["0", "1", "2", "7", "9", "A", "a", "B", " ", "ß", "\u{0}", "6"]
        for _ in 0..<20_000 {
            let text = Self.random(alphabet, &generator, maximumLength: 4)
            #expect((try? Department(text)) == Self.department(text), "\(text.debugDescription)")
        }
    }

    /// decideAll's own state is what applying its events one by one builds, and the events it
    /// hands off along the way, part by part, are its events, in order.
    @Test func decideAllHandsBackTheStateItsEventsBuild() throws {
        let context = DecisionContext(nowMicroseconds: 1_700_000_000_000_000, peerUID: 7, requestID: "whole-demo")
        var parts: [[Event]] = []
        let (count, handedOffState) = try decideAll(DemoNetwork.defaultCommands, applyingTo: RegistryState(), context: context, partSize: 1000) {
            parts.append($0)
        }
        let (events, state) = try decideAll(DemoNetwork.defaultCommands, applyingTo: RegistryState(), context: context)
        #expect(parts.dropLast().allSatisfy { $0.count >= 1000 } && parts.last?.isEmpty == false)
        #expect(Array(parts.joined()) == events && count == events.count)
        #expect(handedOffState == state)
        #expect(events == (try decideAll(DemoNetwork.defaultCommands, state: RegistryState(), context: context)))
        var applied = RegistryState()
        for (index, event) in events.enumerated() {
            applied.apply(event, sequence: UInt64(index + 1), commitTimeMicroseconds: context.nowMicroseconds)
        }
        #expect(state == applied)
        #expect(state.requests["whole-demo"]?.sequence == UInt64(events.count))
    }
}
