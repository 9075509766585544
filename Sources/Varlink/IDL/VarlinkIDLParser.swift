/// A parser for the Varlink interface definition language (varlink.org, "Interface Definition").
///
/// It is as strict as the reference implementation, so that an interface we serve is one that every
/// Varlink client can read: names are checked against the grammar's patterns, named types must be
/// declared, and members must be unique.
struct VarlinkIDLParser {
    struct Result {
        var name: String
        var types: [String: VarlinkType] = [:]
        var methods: [String: VarlinkMethodSignature] = [:]
        var errors: [String: [VarlinkField]] = [:]
    }

    static func parse(_ text: String) throws(VarlinkIDLError) -> Result {
        var parser = VarlinkIDLParser(text: text)
        return try parser.parseInterface()
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0

    private init(text: String) {
        scalars = Array(text.unicodeScalars)
    }

    private func error(_ reason: String, at offset: Int? = nil) -> VarlinkIDLError {
        let end = min(offset ?? position, scalars.count)
        var line = 1
        var column = 1
        for scalar in scalars[..<end] {
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return VarlinkIDLError(line: line, column: column, reason: reason)
    }

    private mutating func skipWhitespaceAndComments() {
        while position < scalars.count {
            switch scalars[position] {
            case " ", "\t", "\n", "\r": position += 1
            case "#":
                while position < scalars.count && scalars[position] != "\n" { position += 1 }
            default: return
            }
        }
    }

    private mutating func peek(_ token: String) -> Bool {
        skipWhitespaceAndComments()
        let tokenScalars = Array(token.unicodeScalars)
        guard scalars.count - position >= tokenScalars.count else { return false }
        return Array(scalars[position..<position + tokenScalars.count]) == tokenScalars
    }

    private mutating func accept(_ token: String) -> Bool {
        guard peek(token) else { return false }
        position += token.unicodeScalars.count
        return true
    }

    private mutating func expect(_ token: String) throws(VarlinkIDLError) {
        guard accept(token) else { throw error("expected '\(token)'") }
    }

    private mutating func word() -> String {
        skipWhitespaceAndComments()
        let start = position
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "."
                || scalar == "-"
            {
                position += 1
            } else {
                break
            }
        }
        return String(String.UnicodeScalarView(scalars[start..<position]))
    }

    /// A keyword must be followed by something that is not part of a word.
    private mutating func acceptKeyword(_ keyword: String) -> Bool {
        let saved = position
        if word() == keyword { return true }
        position = saved
        return false
    }

    private mutating func parseInterface() throws(VarlinkIDLError) -> Result {
        guard acceptKeyword("interface") else { throw error("expected 'interface'") }
        let nameStart = position
        let name = word()
        guard Self.isInterfaceName(name) else { throw error("'\(name)' is not a valid interface name", at: nameStart) }
        var result = Result(name: name)
        var members = Set<String>()
        while true {
            skipWhitespaceAndComments()
            if position >= scalars.count { break }
            let keywordStart = position
            let keyword = word()
            let memberStart = position
            let member = word()
            guard Self.isMemberName(member) else {
                throw error("'\(member)' is not a valid member name (it starts with a capital letter)", at: memberStart)
            }
            guard members.insert(member).inserted else { throw error("'\(member)' is declared twice", at: memberStart) }
            switch keyword {
            case "type":
                result.types[member] = try parseType()
            case "method":
                let input = try parseFields(context: "input of method \(member)")
                try expect("->")
                let output = try parseFields(context: "output of method \(member)")
                result.methods[member] = VarlinkMethodSignature(name: member, input: input, output: output)
            case "error":
                result.errors[member] = try parseFields(context: "error \(member)")
            default:
                throw error("expected 'type', 'method' or 'error', found '\(keyword)'", at: keywordStart)
            }
        }
        try checkNamedTypes(in: result)
        return result
    }

    private mutating func parseFields(context: String) throws(VarlinkIDLError) -> [VarlinkField] {
        let start = position
        guard case .structure(let fields) = try parseStructOrEnum() else {
            throw error("the \(context) must be a struct, not an enum", at: start)
        }
        return fields
    }

    private mutating func parseType() throws(VarlinkIDLError) -> VarlinkType {
        if accept("?") {
            if peek("?") { throw error("'??' is not a type") }
            return .optional(try parseType())
        }
        if accept("[string]()") { return .stringSet }
        if accept("[string]") { return .dictionary(try parseType()) }
        if accept("[]") { return .array(try parseType()) }
        if peek("(") { return try parseStructOrEnum() }
        let start = position
        let name = word()
        switch name {
        case "bool": return .bool
        case "int": return .int
        case "float": return .float
        case "string": return .string
        case "object": return .object
        default:
            guard Self.isMemberName(name) else {
                throw error(name.isEmpty ? "expected a type" : "'\(name)' is not a type", at: start)
            }
            return .named(name)
        }
    }

    private mutating func parseStructOrEnum() throws(VarlinkIDLError) -> VarlinkType {
        try expect("(")
        if accept(")") { return .structure([]) }
        var fields: [VarlinkField] = []
        var enumCases: [String] = []
        var isEnum: Bool?
        var names = Set<String>()
        repeat {
            let start = position
            let name = word()
            guard Self.isFieldName(name) else { throw error("'\(name)' is not a valid field name", at: start) }
            guard names.insert(name).inserted else { throw error("field '\(name)' appears twice", at: start) }
            let hasType = accept(":")
            if isEnum == nil { isEnum = !hasType }
            if isEnum == true {
                guard !hasType else { throw error("an enum cannot have typed fields", at: start) }
                enumCases.append(name)
            } else {
                guard hasType else { throw error("expected ':' after field '\(name)'") }
                fields.append(VarlinkField(name: name, type: try parseType()))
            }
        } while accept(",")
        try expect(")")
        return isEnum == true ? .enumeration(enumCases) : .structure(fields)
    }

    private func checkNamedTypes(in result: Result) throws(VarlinkIDLError) {
        func check(_ type: VarlinkType, _ context: String) throws(VarlinkIDLError) {
            switch type {
            case .named(let name):
                if result.types[name] == nil { throw error("\(context) uses the undeclared type '\(name)'", at: 0) }
            case .array(let element), .dictionary(let element), .optional(let element):
                try check(element, context)
            case .structure(let fields):
                for field in fields { try check(field.type, context) }
            default: break
            }
        }
        for (name, type) in result.types { try check(type, "type \(name)") }
        for (name, method) in result.methods {
            for field in method.input + method.output { try check(field.type, "method \(name)") }
        }
        for (name, fields) in result.errors {
            for field in fields { try check(field.type, "error \(name)") }
        }
    }

    // The patterns of the grammar at varlink.org.

    static func isInterfaceName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let first = labels.first?.unicodeScalars.first, first.isASCIILetter else {
            return false
        }
        for label in labels {
            let scalars = Array(label.unicodeScalars)
            guard let head = scalars.first, let tail = scalars.last, head.isASCIIAlphanumeric,
                tail.isASCIIAlphanumeric
            else { return false }
            guard scalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "-" }) else { return false }
        }
        return true
    }

    static func isMemberName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("A"..."Z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy(\.isASCIIAlphanumeric)
    }

    static func isFieldName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, first.isASCIILetter, scalars.last != "_" else { return false }
        for (index, scalar) in scalars.enumerated() {
            if scalar == "_" {
                if scalars[index - 1] == "_" { return false }
            } else if !scalar.isASCIIAlphanumeric {
                return false
            }
        }
        return true
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIAlphanumeric: Bool { isASCIILetter || ("0"..."9").contains(self) }
}
