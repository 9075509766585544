/// Where a JSON value does not match a Varlink type, e.g. `regions[2]: expected a string, got an integer`.
public struct VarlinkTypeMismatch: Sendable, Hashable, CustomStringConvertible {
    /// The path of the offending value, starting with the top-level parameter name.
    public var path: String
    /// What was expected and what came instead.
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}

/// Checks JSON values against the types of an interface.
///
/// Paths are built only for a mismatch: an Import of 40,000 commands checks some 300,000 values,
/// and formatting a path for each cost more than the check itself.
struct VarlinkTypeChecker {
    let types: [String: VarlinkType]

    /// The first mismatch of `object` against `fields`, in the order of `fields`.
    ///
    /// With `index` (each field's position in `fields` by name), an object that matches is
    /// confirmed in one pass over its members, a hash lookup each; the order of `fields` is
    /// followed only when something is wrong, to name the first offending field. Without it,
    /// every field looks its member up by scanning the members: for a call's parameters (ten
    /// fields, most optional and absent) that is ~100 string comparisons, 2.1 µs of the 40 µs
    /// of CPU a durable write costs the daemon at 64 clients (`perf`, 2026-12-06).
    func mismatch(in object: some JSONObjectLookup, fields: [VarlinkField], index: [String: Int]? = nil, path: String = "") -> VarlinkTypeMismatch? {
        if let index, conforms(object, to: fields, index: index) { return nil }
        return mismatch(in: object, fields: fields, path: { path })
    }

    /// Whether `object` matches `fields`: no member that is not a field, every member of its
    /// field's type, every absent field optional. The same rules as the field-by-field check.
    private func conforms(_ object: some JSONObjectLookup, to fields: [VarlinkField], index: [String: Int]) -> Bool {
        guard fields.count <= UInt64.bitWidth else { return false }
        var present: UInt64 = 0
        let membersMatch = object.allMembers { name, value in
            guard let position = index[name], mismatch(value, fields[position].type, path: { "" }) == nil else { return false }
            present |= 1 << position
            return true
        }
        guard membersMatch else { return false }
        for (position, field) in fields.enumerated() where present & (1 << position) == 0 {
            if mismatch(.null, field.type, path: { "" }) != nil { return false }
        }
        return true
    }

    /// Each field's position by name, for `mismatch(in:fields:index:path:)`.
    static func index(of fields: [VarlinkField]) -> [String: Int] {
        Dictionary(fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func mismatch(in object: some JSONObjectLookup, fields: [VarlinkField], path: () -> String) -> VarlinkTypeMismatch? {
        func join(_ name: String) -> String {
            let parent = path()
            return parent.isEmpty ? name : parent + "." + name
        }
        var present = 0
        for field in fields {
            let value: JSONValue
            if let member = object[field.name] {
                value = member
                present += 1
            } else {
                value = .null
            }
            if let mismatch = self.mismatch(value, field.type, path: { join(field.name) }) { return mismatch }
        }
        if present < object.count {
            let known = Set(fields.map(\.name))
            if let unknown = object.memberNames.sorted().first(where: { !known.contains($0) }) {
                return VarlinkTypeMismatch(path: join(unknown), reason: "unknown field")
            }
        }
        return nil
    }

    private func mismatch(_ value: JSONValue, _ type: VarlinkType, path: () -> String) -> VarlinkTypeMismatch? {
        func expected(_ what: String) -> VarlinkTypeMismatch {
            let got = value.isNull ? "nothing" : value.kindDescription
            return VarlinkTypeMismatch(path: path(), reason: "expected \(what), got \(got)")
        }
        switch type {
        case .optional(let wrapped):
            return value.isNull ? nil : mismatch(value, wrapped, path: path)
        case .bool:
            return value.boolValue == nil ? expected("a boolean") : nil
        case .int:
            return value.intValue == nil ? expected("an integer") : nil
        case .float:
            return value.doubleValue == nil ? expected("a number") : nil
        case .string:
            return value.stringValue == nil ? expected("a string") : nil
        case .object:
            return value.objectValue == nil ? expected("an object") : nil
        case .enumeration(let cases):
            guard let string = value.stringValue else { return expected("one of \(cases.joined(separator: ", "))") }
            return cases.contains(string)
                ? nil : VarlinkTypeMismatch(path: path(), reason: "'\(string)' is not one of \(cases.joined(separator: ", "))")
        case .array(let element):
            guard let elements = value.arrayValue else { return expected("an array") }
            for (index, item) in elements.enumerated() {
                if let mismatch = mismatch(item, element, path: { "\(path())[\(index)]" }) { return mismatch }
            }
            return nil
        case .dictionary(let element):
            guard let members = value.objectValue else { return expected("an object") }
            for key in members.keys.sorted() {
                if let mismatch = mismatch(members[key]!, element, path: { "\(path())[\(key)]" }) { return mismatch }
            }
            return nil
        case .stringSet:
            return value.objectValue == nil ? expected("an object") : nil
        case .structure(let fields):
            guard let members = value.objectValue else { return expected("an object") }
            return mismatch(in: members, fields: fields, path: path)
        case .named(let name):
            guard let resolved = types[name] else {
                return VarlinkTypeMismatch(path: path(), reason: "undeclared type \(name)")
            }
            return mismatch(value, resolved, path: path)
        }
    }
}
