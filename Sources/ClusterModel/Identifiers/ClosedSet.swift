/// A closed set of names that the API, the log and clusterctl share: an enum whose raw values are
/// the names (partner kinds, age bands, consent channels, privacy rights...). Reading one is the
/// same everywhere: the member of that name, or an error naming the field and every allowed name.
public protocol ClosedSet: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The field that holds one, named in errors unless the caller names another.
    static var field: String { get }
}

extension ClosedSet {
    public init(_ text: String, field: String = Self.field) throws(DomainError) {
        guard let value = Self(rawValue: text) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}
