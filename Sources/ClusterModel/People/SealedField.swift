/// The personal fields the registry holds, each encrypted with its person's key before it reaches
/// the log (docs/event-codec.md, "People"). Nothing else personal is kept: a birth year,
/// never a birth date; no health or autonomy data.
public enum PersonalFieldName: String, Sendable, Hashable, CaseIterable, Comparable {
    case name
    case email
    case phone
    case birthYear = "birth_year"
    case role
    /// A tester's comment on a campaign they took part in.
    case comment

    /// The fields a tester may have, and a contact.
    public static let tester: Set<PersonalFieldName> = [.name, .email, .phone, .birthYear]
    public static let contact: Set<PersonalFieldName> = [.name, .role, .email, .phone]

    public static func < (left: PersonalFieldName, right: PersonalFieldName) -> Bool { left.rawValue < right.rawValue }
}

/// One personal field as the log holds it: its name in clear, its value sealed with the person's
/// key (format byte, nonce, ciphertext, tag). The model never sees a value in clear.
public struct SealedField: Sendable, Hashable {
    public var name: PersonalFieldName
    public var sealed: [UInt8]

    /// What sealing adds to a value: the format byte, the 12-byte nonce and the 16-byte tag.
    public static let overhead = 29
    /// The most bytes a sealed value may have.
    public static let maximumSize = 1024

    public init(name: PersonalFieldName, sealed: [UInt8]) {
        self.name = name
        self.sealed = sealed
    }
}

extension [SealedField] {
    /// Checks a person's fields: known names, each once, within `allowed`, sealed values of a
    /// plausible size.
    func check(allowed: Set<PersonalFieldName>, kind: String) throws(DomainError) {
        var seen: Set<PersonalFieldName> = []
        for (index, field) in enumerated() {
            guard allowed.contains(field.name) else {
                throw .invalidArgument(field: "fields[\(index)]", reason: "a \(kind) has no field \(field.name.rawValue)")
            }
            guard seen.insert(field.name).inserted else {
                throw .invalidArgument(field: "fields[\(index)]", reason: "\(field.name.rawValue) is given twice")
            }
            guard (SealedField.overhead + 1...SealedField.maximumSize).contains(field.sealed.count), field.sealed.first == 1 else {
                throw .invalidArgument(field: "fields[\(index)]", reason: "\(field.name.rawValue) is not a sealed value")
            }
        }
    }

    var names: Set<PersonalFieldName> { Set(map(\.name)) }
}
