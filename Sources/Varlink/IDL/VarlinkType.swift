/// A type of the Varlink interface definition language.
public indirect enum VarlinkType: Sendable, Hashable {
    case bool
    case int
    case float
    case string
    /// Any JSON object, unchecked (`object`).
    case object
    /// `[]T`
    case array(VarlinkType)
    /// `[string]T`
    case dictionary(VarlinkType)
    /// `[string]()`: a set of strings, sent as an object with empty-object values.
    case stringSet
    /// `?T`: may be absent or null.
    case optional(VarlinkType)
    /// `(a, b, c)`
    case enumeration([String])
    /// `(name: T, …)`
    case structure([VarlinkField])
    /// A type declared with `type Name …` in the same interface.
    case named(String)
}

/// A named, typed field of a struct, a method's input or output, or an error.
public struct VarlinkField: Sendable, Hashable {
    public var name: String
    public var type: VarlinkType

    public init(name: String, type: VarlinkType) {
        self.name = name
        self.type = type
    }
}

/// A method's input and output structs.
public struct VarlinkMethodSignature: Sendable, Hashable {
    public var name: String
    public var input: [VarlinkField]
    public var output: [VarlinkField]
}
