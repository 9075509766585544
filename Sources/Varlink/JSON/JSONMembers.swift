/// Looks up a JSON object's members by name: a parsed `[String: JSONValue]`, or the `JSONMembers`
/// a decoder read with `JSONCursor.readMembers(into:)`.
public protocol JSONObjectLookup {
    subscript(_ key: String) -> JSONValue? { get }
    /// How many members the object has.
    var count: Int { get }
}

extension Dictionary: JSONObjectLookup where Key == String, Value == JSONValue {}

/// The members of one JSON object in the order read. For the few members of a call's
/// parameters, looked up a few times each, a list costs less than a dictionary built only to be
/// thrown away; reused from one object to the next, it allocates nothing.
public struct JSONMembers: JSONObjectLookup, Sendable {
    public private(set) var members: [(key: String, value: JSONValue)] = []

    public init() {}

    public var count: Int { members.count }

    public subscript(_ key: String) -> JSONValue? {
        // Lengths first: most keys differ in length, and comparing those is all it takes.
        let length = key.utf8.count
        for member in members where member.key.utf8.count == length && member.key == key { return member.value }
        return nil
    }

    /// Adds a member; false when the object already has one of that name (JSON as read here
    /// refuses repeated keys).
    public mutating func add(_ key: String, _ value: JSONValue) -> Bool {
        if self[key] != nil { return false }
        members.append((key, value))
        return true
    }

    /// Empties the list, keeping its storage for the next object.
    public mutating func removeAll() {
        members.removeAll(keepingCapacity: true)
    }
}
