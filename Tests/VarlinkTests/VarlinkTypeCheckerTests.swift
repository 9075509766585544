import Testing
@testable import Varlink

struct VarlinkTypeCheckerTests {
    let interface = try! VarlinkInterface(parsing: """
        interface org.example.check
        type Partner (name: string, kind: (bank, university))
        method Register(id: string, regions: []string, employees: int, share: ?float, partner: ?Partner, extra: ?[string]int) -> ()
        """)

    func check(_ parameters: [String: JSONValue]) -> VarlinkError? {
        do {
            try interface.validateInput(of: "Register", parameters)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsMatchingParameters() {
        #expect(check(["id": "a", "regions": ["11"], "employees": 12]) == nil)
        #expect(check(["id": "a", "regions": [], "employees": 12, "share": 1, "partner": ["name": "B", "kind": "bank"]]) == nil)
        #expect(check(["id": "a", "regions": [], "employees": 12.0, "share": nil]) == nil)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var parameters: [String: JSONValue]
        var path: String
        var reason: String
        var testDescription: String { path }
        init(_ parameters: [String: JSONValue], _ path: String, _ reason: String) {
            self.parameters = parameters
            self.path = path
            self.reason = reason
        }
    }

    static let cases: [Case] = [
        Case(["regions": [], "employees": 1], "id", "expected a string, got nothing"),
        Case(["id": 5, "regions": [], "employees": 1], "id", "expected a string, got an integer"),
        Case(["id": "a", "regions": ["11", 3], "employees": 1], "regions[1]", "expected a string"),
        Case(["id": "a", "regions": [], "employees": 1.5], "employees", "expected an integer"),
        Case(["id": "a", "regions": [], "employees": 1, "partner": ["name": "B", "kind": "church"]], "partner.kind", "not one of bank, university"),
        Case(["id": "a", "regions": [], "employees": 1, "extra": ["k": "v"]], "extra[k]", "expected an integer"),
        Case(["id": "a", "regions": [], "employees": 1, "typo": 1], "typo", "unknown field"),
    ]

    @Test(arguments: cases)
    func namesTheOffendingParameter(_ example: Case) {
        let error = check(example.parameters)
        #expect(error?.name == "org.varlink.service.InvalidParameter")
        #expect(error?.parameters["parameter"] == .string(example.path))
        // Exactly the parameters the specification declares; the reason stays on this side.
        #expect(error?.parameters == ["parameter": .string(example.path)])
        #expect(error?.detail?.contains(example.reason) == true)
    }

    /// A call's parameters read into a member list (the direct path of a write) get the verdict
    /// the same object gets as a dictionary (the general path), on random objects; and the
    /// check by name (`inputMismatch`) the verdict of the check field by field.
    @Test func aMemberListAndADictionaryGetTheSameVerdict() throws {
        let flat = try VarlinkInterface(parsing: """
            interface org.example.flat
            type Kind (x, y)
            method M(a: string, b: ?int, c: (x, y), d: ?float, e: bool, f: ?object, g: ?Kind) -> ()
            """)
        let values: [JSONValue] = [.null, .bool(true), .int(1), .double(1.5), .double(2), .string("x"), .string("y"), .string("z"), .array([]), .object([:])]
        // A value that fits each key, drawn half of the time so that valid objects occur too ("h"
        // is not a field at all).
        let fitting: [String: JSONValue] = ["a": "x", "b": .int(1), "c": "y", "d": .double(1.5), "e": .bool(true), "f": .object([:]), "g": "x"]
        var generator = SplitMix64(seed: 20261127)
        var accepted = 0
        for _ in 0..<20_000 {
            var object: [String: JSONValue] = [:]
            var members = JSONMembers()
            for key in ["a", "b", "c", "d", "e", "f", "g", "h"] where generator.next() % (key == "h" ? 8 : 5) == 0 || (key != "h" && generator.next() % 4 != 0) {
                let draw = generator.next()
                object[key] = draw % 2 == 0 ? (fitting[key] ?? .null) : values[Int(draw / 2 % UInt64(values.count))]
                _ = members.add(key, object[key]!)
            }
            let asDictionary = flat.inputMismatch(of: "M", object)
            #expect(flat.inputMismatch(of: "M", members) == asDictionary, "\(object)")
            let fieldByField = VarlinkTypeChecker(types: flat.types).mismatch(in: members, fields: flat.methods["M"]!.input)
            #expect(fieldByField == asDictionary, "\(object)")
            if asDictionary == nil { accepted += 1 }
        }
        // Both verdicts occur, or the comparison would prove little.
        #expect(accepted > 20)
    }
}

extension VarlinkTypeCheckerTests {
    /// An error inside an array of structures names the offending item and field.
    @Test func anErrorInAnArrayNamesTheItemAndTheField() throws {
        let twin = try VarlinkInterface(parsing: """
            interface org.example.items
            type Item (a: string, b: ?int, c: (x, y), f: object)
            method A(items: []Item) -> ()
            """)
        // The error still names the offending item and field.
        let good: JSONValue = ["a": "x", "c": "x", "f": .object([:])]
        let bad: JSONValue = ["a": "x", "c": "w", "f": .object([:])]
        #expect(throws: VarlinkError.invalidParameter("items[2].c", reason: "'w' is not one of x, y")) {
            try twin.validateInput(of: "A", ["items": [good, good, bad, good]])
        }
    }
}

/// A small deterministic generator for the property tests.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
