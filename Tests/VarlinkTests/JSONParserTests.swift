import Testing
import Varlink

struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d"}}"#)
        #expect(value["a"] == [.int(1), .int(-2), .double(3.5), .double(1000), true, false, .null])
        #expect(value["b"]?["c"] == "d")
    }

    @Test func keepsLargeIntegersExact() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        // One more than Int64 can hold becomes a float rather than wrapping around.
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("[1,]", "unexpected character"),
        ("{\"a\":1,}", "expected a string key"),
        ("01", "leading zero"),
        ("1.", "expected digits after '.'"),
        ("-", "invalid number"),
        ("\"abc", "unterminated string"),
        ("\"a\u{01}b\"", "control character"),
        ("\"\\x\"", "invalid escape"),
        ("\"\\ud800\"", "unpaired high surrogate"),
        ("\"\\udc00\"", "unpaired low surrogate"),
        ("{\"a\":1,\"a\":2}", "duplicate key"),
        ("tru", "unexpected end of input in literal"),
        ("nul!", "invalid literal"),
        ("{} {}", "unexpected data after"),
        ("1e999", "out of range"),
    ])
    func rejectsMalformedText(text: String, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONParseError)?.reason.contains(reason) == true
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsNestingDepth() throws {
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        _ = try JSONParser.parse(fine)
    }

    @Test func reportsTheOffsetOfTheProblem() {
        #expect {
            try JSONParser.parse(#"{"a": [1, 2, x]}"#)
        } throws: { error in
            (error as? JSONParseError)?.offset == 13
        }
    }

    @Test func serializesCompactlyWithSortedKeys() {
        let value: JSONValue = ["b": 1, "a": ["x", 2.5, nil, true], "c": "q\"\n\u{01}"]
        #expect(value.description == #"{"a":["x",2.5,null,true],"b":1,"c":"q\"\n\u0001"}"#)
    }

    @Test func serializesFloatsLikePython() {
        #expect(JSONValue.double(97.0).description == "97.0")
        #expect(JSONValue.double(73.7).description == "73.7")
        #expect(JSONValue.double(.nan).description == "null")
    }

    @Test func roundTripsThroughText() throws {
        let value: JSONValue = ["nested": ["deep": [1, 2, ["k": "é"]]], "n": -0.25, "big": .int(Int64.max)]
        #expect(try JSONParser.parse(value.description) == value)
    }

    @Test func serializesEveryIntegerAsItsDecimalText() {
        var random = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        for value in edges + (0..<2000).map({ _ in Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...62) }) {
            #expect(JSONSerializer.serialize(.int(value)) == Array(String(value).utf8), "\(value)")
        }
    }

    @Test func stringsWithEveryKindOfCharacterRoundTrip() throws {
        var random = SystemRandomNumberGenerator()
        let pieces = ["a", "Zz", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "é", "€", "🦀", "/", " ", "\u{7F}"]
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let serialized = JSONSerializer.serialize(.string(text))
            #expect(!serialized.contains(where: { $0 < 0x20 }), "raw control byte in \(serialized)")
            #expect(try JSONParser.parse(serialized) == .string(text), "\(text.debugDescription)")
        }
    }
}
