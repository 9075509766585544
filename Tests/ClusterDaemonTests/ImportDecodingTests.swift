@testable import ClusterDaemon
import ClusterModel
import ClusterdTestSupport
import Testing
import Varlink

/// An Import decoded straight from its bytes (`ImportDecoding`) must mean what the general path
/// (parse, type check against the interface, `CommandParsing`) makes of it: the same commands,
/// or nothing, leaving the general path to refuse and word the error.
@Suite(.timeLimit(.minutes(Sanitizers.hangLimit(minutes: 5))))
struct ImportDecodingTests {
    /// The general path over an Import's parameters object.
    func general(_ text: [UInt8]) -> DecodedWrite? {
        try? ImportDecoding.decodeGenerally(text)
    }

    /// The direct path over the same bytes, which it must read to the end.
    func direct(_ text: [UInt8], cuts: [Int]? = nil) -> DecodedWrite? {
        text.withUnsafeBufferPointer { buffer -> DecodedWrite? in
            var cursor = JSONCursor(bytes: buffer)
            let decoded: DecodedWrite?
            if let cuts {
                // The list alone, cut where the test says.
                guard (try? cursor.beginArray()) == true, let commands = try? ImportDecoding.decodeCommands(&cursor, cuts: cuts) else { return nil }
                decoded = DecodedWrite(method: "Import", commands: commands)
            } else {
                decoded = ImportDecoding.decode(&cursor)
            }
            return cursor.isAtEnd() ? decoded : nil
        }
    }

    static let demo = DemoNetwork.defaultCommands

    func parameters(_ commands: ArraySlice<Command>, extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var parameters = extra
        parameters["commands"] = .array(commands.map { command in
            let (method, values) = CommandEncoding.call(command)
            return ["method": .string(method), "parameters": .object(values)]
        })
        return parameters
    }

    @Test func theDemoNetworkDecodesDirectlyToTheSameCommands() throws {
        let text = JSONSerializer.serialize(.object(parameters(Self.demo[0..<6000], extra: ["request_id": "demo", "expected_seq": 0])))
        let decoded = try #require(direct(text))
        #expect(decoded == general(text))
        #expect(decoded.commands.count == 6000)
        #expect(decoded.requestID == "demo" && decoded.expectedSequence == 0)
    }

    /// Any cut may be a wrong guess: inside a string, a number, a nested object, between two
    /// commands. The commands come out the same, or not at all.
    @Test func cuttingTheListAnywhereGivesTheSameCommandsOrNone() throws {
        let commands = Array(Self.demo[60..<700])  // clusters' partners, companies, joins
        let text = JSONSerializer.serialize(.array(commands.map { command in
            let (method, values) = CommandEncoding.call(command)
            return ["method": .string(method), "parameters": .object(values)]
        }))
        let whole = try #require(direct(text, cuts: []))
        #expect(whole.commands == commands)
        // Where commands really begin: every `,{"method":` at the top of the list.
        let boundaries = text.indices.filter { index in
            text[index] == UInt8(ascii: ",") && text[(index + 1)...].starts(with: Array(#"{"method":"#.utf8))
        }
        #expect(boundaries.count == commands.count - 1)
        var generator = SplitMix64(seed: 11)
        var splitAtLeastOnce = false
        for _ in 0..<300 {
            let count = 1 + generator.below(7)
            let cuts = (0..<count).map { _ in
                generator.below(2) == 0 ? boundaries[generator.below(boundaries.count)] : 1 + generator.below(text.count - 2)
            }
            let sorted = Array(Set(cuts)).sorted()
            guard let result = direct(text, cuts: sorted) else { continue }
            #expect(result.commands == commands, "cuts \(sorted)")
            splitAtLeastOnce = splitAtLeastOnce || sorted.allSatisfy(boundaries.contains)
        }
        #expect(splitAtLeastOnce)
        // Cuts at true boundaries only: the list is read in parts and comes out whole.
        #expect(direct(text, cuts: [boundaries[10], boundaries[200], boundaries[201], boundaries[600]])?.commands == commands)
    }

    /// The list guessed at `,{"method":` nested inside a command (a survey's question may carry
    /// any extra key) must not be taken for a boundary.
    @Test func aNestedLookAlikeOfABoundaryIsNotTakenForOne() throws {
        // Written by hand: the serializer would sort "method" after "id".
        func survey(_ id: String) -> String {
            #"{"method":"DefineSurvey","parameters":{"closes_at":"2026-02-01T00:00:00Z","id":"\#(id)","opens_at":"2026-01-01T00:00:00Z","questions":[{"id":"q0","kind":"yes_no","text":"Open?"},{"method":"decoy","id":"q1","kind":"yes_no","text":"Still open?"}],"title":"Decoy"}}"#
        }
        let cluster = CommandEncoding.call(Self.demo[0])
        let first = String(decoding: JSONSerializer.serialize(["method": .string(cluster.method), "parameters": .object(cluster.parameters)]), as: UTF8.self)
        let text = Array("[\(first),\(survey("decoy-a")),\(survey("decoy-b"))]".utf8)
        let inside = try #require(text.indices.first { text[$0...].starts(with: Array(#",{"method":"decoy""#.utf8)) })
        let expected = try #require(direct(text, cuts: []))
        #expect(expected.commands.count == 3)
        #expect(direct(text, cuts: [inside])?.commands == expected.commands)
        #expect(direct(text, cuts: [inside - 3, inside, inside + 9])?.commands == expected.commands)
    }

    /// Keys a dictionary holds as one (canonically equivalent) are a repeated key on both paths
    /// (found in review: the list compared their byte lengths first).
    @Test func canonicallyEquivalentKeysAreARepeatedKey() {
        let command = #"{"method":"JoinCluster","parameters":{"cluster":"glass-valley","siren":"732829320","date":"2026-01-01","\u00e9":1,"e\u0301":2}}"#
        let text = Array(#"{"commands":[\#(command)]}"#.utf8)
        #expect(general(text) == nil)
        #expect(direct(text) == nil)
    }

    /// Tallies variants of a call and holds the direct path to the general one: whatever the
    /// direct path makes of a variant, the general path makes the same; a variant that must go
    /// the direct way does.
    struct Agreement {
        var direct = 0
        var refused = 0

        mutating func check(
            _ fast: DecodedWrite?, _ slow: DecodedWrite?, mustBeDirect: Bool, _ text: @autoclosure () -> String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            if mustBeDirect { #expect(fast != nil, "went to the general path: \(text())", sourceLocation: sourceLocation) }
            if let fast {
                direct += 1
                #expect(fast == slow, "\(text())", sourceLocation: sourceLocation)
            } else {
                refused += 1
            }
        }
    }

    /// Random damage to a valid import: whatever the direct path accepts, the general path
    /// accepts as the same commands; the undamaged import and harmless changes (key order,
    /// whitespace, null for an optional field) are accepted directly.
    @Test func damagedImportsAreDecodedDirectlyOnlyWhenTheGeneralPathAgrees() throws {
        var generator = SplitMix64(seed: 20261127)
        let sample = Array(Self.demo[0..<40]) + Array(Self.demo[20_060..<20_080]) + Array(Self.demo.suffix(20))
        var agreement = Agreement()
        for round in 0..<600 {
            var commands: [JSONValue] = sample.map { command in
                let (method, values) = CommandEncoding.call(command)
                return ["method": .string(method), "parameters": .object(values)]
            }
            var top: [String: JSONValue] = [:]
            let harmless = round % 3 == 0
            if !harmless {
                let index = generator.below(commands.count)
                commands[index] = damage(commands[index], &generator)
                if generator.below(8) == 0 { top = damageTop(&generator) }
            }
            top["commands"] = .array(commands)
            var render = Render(generator: &generator, shuffleKeys: true, whitespace: harmless || generator.below(2) == 0, duplicateKey: !harmless && generator.below(10) == 0)
            let text = render.text(.object(top))
            agreement.check(direct(text), general(text), mustBeDirect: harmless, String(decoding: text.prefix(400), as: UTF8.self))
        }
        #expect(agreement.direct > 200 && agreement.refused > 100)
    }

    func damage(_ command: JSONValue, _ generator: inout SplitMix64) -> JSONValue {
        guard case .object(var object) = command, case .object(var parameters)? = object["parameters"] else { return command }
        let keys = parameters.keys.sorted()
        let key = keys.isEmpty ? "siren" : keys[generator.below(keys.count)]
        switch generator.below(14) {
        case 0: parameters.removeValue(forKey: key)
        case 1: parameters[key] = .null
        case 2: parameters[key] = .int(Int64(generator.below(1000)) - 500)
        case 3: parameters[key] = .string("x")
        case 4: parameters[key] = .array([.string("11")])
        case 5: parameters["zzz"] = .string("unknown")
        case 6: parameters[generator.below(2) == 0 ? "request_id" : "expected_seq"] = .string("inner")
        case 7: object["method"] = .string(["RegisterCompany", "JoinCluster", "Nope", "GetCompany"][generator.below(4)])
        case 8: object["method"] = .int(3)
        case 9: object["extra"] = .bool(true)
        case 10: object.removeValue(forKey: generator.below(2) == 0 ? "method" : "parameters")
        case 11:
            if case .string(let text)? = parameters[key] {
                let variants = [" \(text) ", text.lowercased(), text.uppercased(), "", "   ", text + "\u{7}", String(repeating: "a", count: 201), text + "é"]
                parameters[key] = .string(variants[generator.below(variants.count)])
            } else {
                parameters[key] = .double(12.5)
            }
        case 12: parameters[key] = .double(Double(generator.below(100)))
        default: object["parameters"] = .string("not an object")
        }
        if object["parameters"]?.objectValue != nil { object["parameters"] = .object(parameters) }
        return .object(object)
    }

    func damageTop(_ generator: inout SplitMix64) -> [String: JSONValue] {
        switch generator.below(6) {
        case 0: return ["request_id": ""]
        case 1: return ["request_id": .string(String(repeating: "r", count: 201))]
        case 2: return ["expected_seq": -1]
        case 3: return ["expected_seq": "7"]
        case 4: return ["unknown": true]
        default: return ["request_id": "r-1", "expected_seq": 7.0]
        }
    }
}

/// Writes JSON with what a client may legally vary: key order, whitespace; and, when asked, a
/// repeated key (which clusterd refuses).
struct Render {
    var shuffleKeys: Bool
    var whitespace: Bool
    var duplicateKey: Bool
    private var random: SplitMix64

    init(generator: inout SplitMix64, shuffleKeys: Bool, whitespace: Bool, duplicateKey: Bool) {
        self.random = SplitMix64(seed: generator.next())
        self.shuffleKeys = shuffleKeys
        self.whitespace = whitespace
        self.duplicateKey = duplicateKey
    }

    mutating func text(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    private mutating func space(_ out: inout [UInt8]) {
        if whitespace && random.below(3) == 0 { out += Array([" ", "\n", "\t", "  "][random.below(4)].utf8) }
    }

    private mutating func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .object(let members):
            var keys = members.keys.sorted()
            if shuffleKeys { keys.shuffle(using: &random) }
            out.append(UInt8(ascii: "{"))
            var pairs = keys.map { ($0, members[$0]!) }
            if duplicateKey, let first = pairs.first {
                pairs.append(first)
                duplicateKey = false
            }
            for (index, (key, member)) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                space(&out)
                out += JSONSerializer.serialize(.string(key))
                space(&out)
                out.append(UInt8(ascii: ":"))
                space(&out)
                write(member, to: &out)
                space(&out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                space(&out)
                write(element, to: &out)
                space(&out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            out += JSONSerializer.serialize(value)
        }
    }
}

extension ImportDecodingTests {
    /// A single write read straight from its bytes means what the general path makes of it.
    @Test func singleWritesAreDecodedDirectlyOnlyWhenTheGeneralPathAgrees() throws {
        var generator = SplitMix64(seed: 42)
        let sample = Array(Self.demo[0..<30]) + Array(Self.demo[20_060..<20_090]) + Array(Self.demo.suffix(30))
        var agreement = Agreement()
        for round in 0..<1500 {
            let command = sample[generator.below(sample.count)]
            var call: JSONValue = {
                let (method, values) = CommandEncoding.call(command)
                return ["method": .string(method), "parameters": .object(values)]
            }()
            let harmless = round % 3 == 0
            if !harmless {
                call = damage(call, &generator)
            }
            guard case .string(let method)? = call["method"], case .object(var parameters)? = call["parameters"] else { continue }
            if !harmless && generator.below(6) == 0 {
                parameters.merge(damageTop(&generator)) { _, new in new }
            } else if generator.below(4) == 0 {
                parameters["request_id"] = .string("single-\(round)")
            }
            var render = Render(generator: &generator, shuffleKeys: true, whitespace: generator.below(2) == 0, duplicateKey: !harmless && generator.below(10) == 0)
            let text = render.text(.object(parameters))
            let fast = text.withUnsafeBufferPointer { buffer -> DecodedWrite? in
                var cursor = JSONCursor(bytes: buffer)
                let decoded = RegistryMethodHandler.decodeDirectly(method, &cursor)
                return cursor.isAtEnd() ? decoded : nil
            }
            let slow: DecodedWrite? = {
                guard let object = (try? JSONParser.parse(text))?.objectValue,
                    RegistryInterfaceDefinition.interface.methods[method] != nil,
                    (try? RegistryInterfaceDefinition.interface.validateInput(of: method, object)) != nil
                else { return nil }
                return try? DecodedWrite(method, object)
            }()
            // Inputs with lists or nested objects are left to the general path (no flat check).
            let flat = !["RegisterCluster", "UpdateCluster", "DefineSurvey", "SubmitResponse"].contains(method)
            agreement.check(fast, slow, mustBeDirect: harmless && flat, "\(method): \(String(decoding: text, as: UTF8.self))")
        }
        #expect(agreement.direct > 300 && agreement.refused > 300)
    }
}
