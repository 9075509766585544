import Testing
import Varlink

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
        #expect(error?.parameters["reason"]?.stringValue?.contains(example.reason) == true)
    }
}
