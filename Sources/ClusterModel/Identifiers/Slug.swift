/// An identifier chosen by people for a cluster, survey, partner or question: 1 to 64 characters of
/// lower-case letters, digits and '-', starting with a letter or digit (`vallee-du-verre`).
public struct Slug: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let text: String

    init(trusted text: String) {
        self.text = text
    }

    public init(_ text: String, field: String) throws(DomainError) {
        let scalars = Array(text.unicodeScalars)
        guard (1...64).contains(scalars.count) else {
            throw .invalidArgument(field: field, reason: "must be 1 to 64 characters, '\(text)' has \(scalars.count)")
        }
        let allowed = scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard allowed, scalars.first != "-" else {
            throw .invalidArgument(field: field, reason: "'\(text)' may only hold a-z, 0-9 and '-', and not start with '-'")
        }
        self.text = text
    }

    public var description: String { text }
    public static func < (lhs: Slug, rhs: Slug) -> Bool { lhs.text < rhs.text }
}

/// Checks a free-text field (a name, a title): not blank, at most `maximum` characters, no control characters.
func validatedText(_ text: String, field: String, maximum: Int = 200) throws(DomainError) -> String {
    let trimmed = text.trimmingSpaces
    guard !trimmed.isEmpty else { throw .invalidArgument(field: field, reason: "must not be empty") }
    guard trimmed.count <= maximum else {
        throw .invalidArgument(field: field, reason: "must be at most \(maximum) characters, it has \(trimmed.count)")
    }
    guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
        throw .invalidArgument(field: field, reason: "must not contain control characters")
    }
    return trimmed
}
