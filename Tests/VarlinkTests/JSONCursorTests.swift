import Logging
import Locking
import Testing
import Varlink

/// `JSONCursor` reads what `JSONParser` parses, piece by piece, by the same rules.
struct JSONCursorTests {
    /// Rebuilds a whole value through the cursor, refusing repeated keys as the parser does.
    static func read(_ cursor: inout JSONCursor) throws -> JSONValue {
        if try cursor.beginObject() {
            var members: [String: JSONValue] = [:]
            var first = true
            while let key = try cursor.nextKey(first: first) {
                first = false
                guard members.updateValue(try read(&cursor), forKey: key) == nil else {
                    throw JSONParseError(offset: cursor.offset, reason: "duplicate key")
                }
            }
            return .object(members)
        }
        if try cursor.beginArray() {
            var elements: [JSONValue] = []
            var first = true
            while try cursor.nextElement(first: first) {
                first = false
                elements.append(try read(&cursor))
            }
            return .array(elements)
        }
        return try cursor.readValue()
    }

    static func readWhole(_ text: [UInt8]) -> JSONValue? {
        text.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(bytes: buffer)
            guard let value = try? read(&cursor), cursor.isAtEnd() else { return nil }
            return value
        }
    }

    @Test(arguments: [
        #"{"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d\u00e9\n"}}"#,
        "  [ ]  ", "{}", #"{"a":{}}"#, #"[[],[[]],{"x":[{}]}]"#, "\"text\"", "12", "null",
        "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, "[1 2]", #"{"a":1,"a":2}"#, "[", "{", #"{"a":"#,
        "[1]]", "{} {}", #"{1:2}"#, "\"\\x\"", "[01]", "",
    ])
    func readsWhatTheParserParsesAndRefusesWhatItRefuses(text: String) {
        let bytes = Array(text.utf8)
        #expect(Self.readWhole(bytes) == (try? JSONParser.parse(bytes)))
    }

    @Test func agreesWithTheParserOnRandomText() {
        var random = SplitMix64(seed: 5)
        let pieces = ["{", "}", "[", "]", ",", ":", " ", "\"k\"", "\"v\"", "1", "-0.5", "true", "null", "\"\\u00e9\"", "\"a\\\"b\""]
        var agreed = 0
        for _ in 0..<5000 {
            let text = (0..<(1 + random.below(14))).map { _ in pieces[random.below(pieces.count)] }.joined()
            let bytes = Array(text.utf8)
            let parsed = try? JSONParser.parse(bytes)
            #expect(Self.readWhole(bytes) == parsed, "\(text)")
            if parsed != nil { agreed += 1 }
        }
        #expect(agreed > 100)
    }

    @Test func countsDepthFromTheStartOfTheText() {
        let fine = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(Self.readWhole(Array(fine.utf8)) != nil)
        #expect(Self.readWhole(Array(deep.utf8)) == nil)
        // A cursor started inside 127 arrays may open one more, not two.
        let inner = Array("[[]]".utf8)
        inner.withUnsafeBufferPointer { buffer in
            var oneMore = JSONCursor(bytes: buffer, offset: 1, depth: 127)
            #expect((try? Self.read(&oneMore)) == .array([]))
            var twoMore = JSONCursor(bytes: buffer, offset: 0, depth: 127)
            #expect((try? Self.read(&twoMore)) == nil)
        }
    }

    /// Members read into a list follow the parser: canonically equivalent keys are one key
    /// (found in review), and a list takes at most `JSONMembers.maximumCount` of them.
    @Test func readsMembersAsTheParserReadsKeys() {
        func members(_ text: String) -> JSONMembers? {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                var cursor = JSONCursor(bytes: buffer)
                var members = JSONMembers()
                return (try? cursor.readMembers(into: &members)) == true ? members : nil
            }
        }
        let equivalent = #"{"\u00e9":1,"e\u0301":2}"#
        #expect((try? JSONParser.parse(equivalent)) == nil)
        #expect(members(equivalent) == nil)
        #expect(members(#"{"a":1,"b":{"c":2}}"#)?["b"] == ["c": 2])
        // A non-ASCII key may equal an ASCII one of another length: KELVIN SIGN is "K".
        let kelvin = #"{"\u212a":1,"K":2}"#
        #expect((try? JSONParser.parse(kelvin)) == nil)
        #expect(members(kelvin) == nil)
        #expect(members(#"{"\u212a":1}"#)?["K"] == 1)
        #expect(members(#"{"K":1}"#)?["\u{212A}"] == 1)
        #expect(members(#"{"ab":1,"abc":2,"abd":3}"#).map { [$0["abc"], $0["abd"], $0["ab"], $0["a"]] } == [2, 3, 1, nil])
        let many = (0..<JSONMembers.maximumCount).map { #""k\#($0)":0"# }
        #expect(members("{" + many.joined(separator: ",") + "}")?.count == JSONMembers.maximumCount)
        #expect(members("{" + (many + [#""last":0"#]).joined(separator: ",") + "}") == nil)
    }

    @Test func startsAnywhereInTheText() throws {
        let text = Array(#"[{"a":1},{"b":[2,3]}]"#.utf8)
        let value = text.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(bytes: buffer, offset: 9, depth: 1)
            return try? Self.read(&cursor)
        }
        #expect(value == ["b": [2, 3]])
    }
}

/// The service's direct path: a handler that decodes `Sum(numbers: []int)` itself.
struct VarlinkDirectCallTests {
    final class Summing: VarlinkDirectMethodHandler {
        let directCalls = Locked(0)
        let directlyDecodedMethods: Set<String> = ["Sum"]

        func handle(method: String, parameters: [String: JSONValue], context: VarlinkCallContext) async throws -> [String: JSONValue] {
            let numbers = parameters["numbers"]?.arrayValue?.compactMap(\.intValue) ?? []
            return ["total": .int(numbers.reduce(0, +))]
        }

        func decodeDirect(method: String, parameters cursor: inout JSONCursor) -> (any Sendable)? {
            // Only the plain case: {"numbers": [ints]}; anything else to the general path.
            guard (try? cursor.beginObject()) == true, (try? cursor.nextKey(first: true)) == "numbers",
                (try? cursor.beginArray()) == true
            else { return nil }
            var total: Int64 = 0
            var first = true
            while (try? cursor.nextElement(first: first)) == true {
                first = false
                guard case .int(let value)? = try? cursor.readValue() else { return nil }
                total += value
            }
            guard (try? cursor.nextKey(first: false)) == .some(nil) else { return nil }
            return total
        }

        func handle(method: String, decoded input: any Sendable, context: VarlinkCallContext) async throws -> [String: JSONValue] {
            directCalls.withLock { $0 += 1 }
            return ["total": .int(input as! Int64)]
        }
    }

    let handler = Summing()
    var service: VarlinkService {
        let interface = try! VarlinkInterface(parsing: """
            interface org.example.sum
            method Sum(numbers: []int) -> (total: int)
            method Other(numbers: []int) -> (total: int)
            """)
        return VarlinkService(info: .init(vendor: "", product: "", version: "", url: ""), interfaces: [(interface, handler)], logger: Logger(label: "test"))
    }

    func direct(_ text: String) -> VarlinkDirectCall? {
        Array(text.utf8).withUnsafeBufferPointer { service.directCall($0, peer: nil) }
    }

    @Test func aPlainCallIsDecodedDirectlyAndAnsweredAsTheGeneralPathWould() async throws {
        let text = #"{"method":"org.example.sum.Sum","parameters":{"numbers":[1,2,39]}}"#
        let call = try #require(direct(text))
        let reply = await service.answer(call, peer: nil)
        let general = await service.answer(try VarlinkCall(message: try JSONParser.parse(text)), peer: nil, sendContinuing: { _ in })
        #expect(reply == general)
        #expect(reply?.parameters == ["total": 42])
        #expect(handler.directCalls.withLock { $0 } == 1)
    }

    @Test(arguments: [
        #"{"parameters":{"numbers":[1]},"method":"org.example.sum.Sum"}"#,  // parameters first
        #"{"method":"org.example.sum.Sum","parameters":{"numbers":[1]},"more":true}"#,  // a flag
        #"{"method":"org.example.sum.Sum","parameters":{"numbers":[1]},"oneway":false}"#,
        #"{"method":"org.example.sum.Sum","parameters":{"numbers":[1]}} x"#,  // trailing bytes
        #"{"method":"org.example.sum.Sum","parameters":{"numbers":[1.5]}}"#,  // the decoder declines
        #"{"method":"org.example.sum.Sum","parameters":{"numbers":[1],"extra":1}}"#,
        #"{"method":"org.example.sum.Other","parameters":{"numbers":[1]}}"#,  // not a direct method
        #"{"method":"org.example.sum.Nope","parameters":{}}"#,
        #"{"method":"org.example.none.Sum","parameters":{"numbers":[1]}}"#,
        #"{"method":"org.example.sum.Sum"}"#,
        #"{"method":7,"parameters":{"numbers":[1]}}"#,
        #"["org.example.sum.Sum"]"#,
    ])
    func anythingElseTakesTheGeneralPath(text: String) {
        #expect(direct(text) == nil)
    }
}
