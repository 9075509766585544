import Testing
@testable import Varlink

struct VarlinkIDLParserTests {
    @Test func parsesTheServiceInterface() throws {
        let interface = try VarlinkInterface(parsing: VarlinkService.serviceInterfaceDescription)
        #expect(interface.name == "org.varlink.service")
        #expect(Set(interface.methods.keys) == ["GetInfo", "GetInterfaceDescription"])
        #expect(interface.errors.count == 6)
        #expect(interface.methods["GetInfo"]?.output.map(\.name) == ["vendor", "product", "version", "url", "interfaces"])
    }

    @Test func parsesEveryTypeForm() throws {
        let interface = try VarlinkInterface(parsing: """
            # A comment before the interface.
            interface org.example.all-types
            type Kind (bank, university, other)
            type Thing (
              # a comment inside a struct
              name: string,
              count: int,
              ratio: float,
              flag: bool,
              blob: object,
              tags: []string,
              scores: [string]int,
              labels: [string](),
              maybe: ?Kind,
              inline: (a: int, b: ?[]string),
              choice: (x, y)
            )
            method Do(thing: Thing, many: []Thing) -> (done: bool)
            error Failed (reason: string)
            error Bare ()
            """)
        guard case .structure(let fields)? = interface.types["Thing"] else {
            Issue.record("Thing is not a struct")
            return
        }
        let inline: VarlinkType = .structure([
            VarlinkField(name: "a", type: .int), VarlinkField(name: "b", type: .optional(.array(.string))),
        ])
        let expected: [VarlinkType] = [
            .string, .int, .float, .bool, .object, .array(.string), .dictionary(.int), .stringSet,
            .optional(.named("Kind")),
            inline,
            .enumeration(["x", "y"]),
        ]
        #expect(fields.map(\.type) == expected)
        #expect(interface.types["Kind"] == .enumeration(["bank", "university", "other"]))
        #expect(interface.errors["Bare"] == [])
    }

    @Test(arguments: [
        ("interface Org\nmethod A() -> ()", "not a valid interface name"),
        ("interface org.example\nmethod lower() -> ()", "not a valid member name"),
        ("interface org.example\nmethod A() -> ()\nmethod A() -> ()", "declared twice"),
        ("interface org.example\nmethod A(x: Missing) -> ()", "undeclared type 'Missing'"),
        ("interface org.example\nmethod A(x: int, x: int) -> ()", "appears twice"),
        ("interface org.example\nmethod A(bad__name: int) -> ()", "not a valid field name"),
        ("interface org.example\nmethod A(x: int) (y: int)", "expected '->'"),
        ("interface org.example\nmethod A(a, b) -> ()", "must be a struct"),
        ("interface org.example\ntype T (a, b: int)", "enum cannot have typed fields"),
        ("interface org.example\nmethod A(x: ??int) -> ()", "'??' is not a type"),
        ("interface org.example\nfunction A() -> ()", "expected 'type', 'method' or 'error'"),
        ("org.example", "expected 'interface'"),
    ])
    func rejectsInvalidDefinitions(text: String, reason: String) {
        #expect {
            try VarlinkInterface(parsing: text)
        } throws: { error in
            (error as? VarlinkIDLError)?.reason.contains(reason) == true
        }
    }

    @Test func reportsLineAndColumn() {
        #expect {
            try VarlinkInterface(parsing: "interface org.example\n\nmethod A(x: nope) -> ()")
        } throws: { error in
            guard let error = error as? VarlinkIDLError else { return false }
            return error.line == 3 && error.column == 13
        }
    }
}
