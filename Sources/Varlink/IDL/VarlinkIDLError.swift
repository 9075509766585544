/// Why an interface definition does not parse, with the line and column of the problem.
public struct VarlinkIDLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "interface definition, line \(line), column \(column): \(reason)" }
}
