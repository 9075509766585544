/// Looks up a JSON object's members by name: a parsed `[String: JSONValue]`, or the `JSONMembers`
/// a decoder read with `JSONCursor.readMembers(into:)`.
public protocol JSONObjectLookup {
    subscript(_ key: String) -> JSONValue? { get }
    /// How many members the object has.
    var count: Int { get }
    /// The members' names (to name an unknown one in an error).
    var memberNames: [String] { get }
    /// Calls `body` with each member until it returns false; returns whether it never did.
    func allMembers(_ body: (_ name: String, _ value: JSONValue) -> Bool) -> Bool
}

extension Dictionary: JSONObjectLookup where Key == String, Value == JSONValue {
    public var memberNames: [String] { Array(keys) }

    public func allMembers(_ body: (_ name: String, _ value: JSONValue) -> Bool) -> Bool {
        allSatisfy { body($0.key, $0.value) }
    }
}

/// The members of one JSON object in the order read. For the few members of a call's
/// parameters, looked up a few times each, a list costs less than a dictionary built only to be
/// thrown away; reused from one object to the next, it allocates nothing.
public struct JSONMembers: JSONObjectLookup, Sendable {
    /// More members than this are refused by `add`: each addition looks at every member before
    /// it, and a dictionary (the general path) is the tool for large objects.
    public static let maximumCount = 64

    private var members: [(key: String, value: JSONValue)] = []

    public init() {}

    public var count: Int { members.count }

    public var memberNames: [String] { members.map(\.key) }

    public func allMembers(_ body: (_ name: String, _ value: JSONValue) -> Bool) -> Bool {
        members.allSatisfy { body($0.key, $0.value) }
    }

    public subscript(_ key: String) -> JSONValue? {
        // String equality, as a dictionary's: canonically equivalent keys ("\u{e9}" and
        // "e\u{301}") are the same key.
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// Adds a member; false when the object already has one of that name (JSON as read here
    /// refuses repeated keys, as `JSONParser` does) or already holds `maximumCount` members.
    public mutating func add(_ key: String, _ value: JSONValue) -> Bool {
        guard members.count < Self.maximumCount, self[key] == nil else { return false }
        members.append((key, value))
        return true
    }

    /// Empties the list, keeping its storage for the next object.
    public mutating func removeAll() {
        members.removeAll(keepingCapacity: true)
    }
}
