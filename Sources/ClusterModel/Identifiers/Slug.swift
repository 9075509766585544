/// An identifier chosen by people for a cluster, survey, partner or question: 1 to 64 characters of
/// lower-case letters, digits and '-', starting with a letter or digit (`vallee-du-verre`).
public struct Slug: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let text: String

    init(trusted text: String) {
        self.text = text
    }

    public init(_ text: String, field: String) throws(DomainError) {
        if Self.isWellFormed(text.utf8) {
            self.text = text
            return
        }
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

    /// The rule on the bytes, without building scalars (each byte of a valid slug is one).
    private static func isWellFormed(_ utf8: String.UTF8View) -> Bool {
        var count = 0
        for byte in utf8 {
            let allowed = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (byte == UInt8(ascii: "-") && count > 0)
            guard allowed else { return false }
            count += 1
        }
        return (1...64).contains(count)
    }

    public var description: String { text }
    public static func < (lhs: Slug, rhs: Slug) -> Bool { lhs.text < rhs.text }
}

/// Checks a free-text field (a name, a title): not blank, at most `maximum` characters, no control characters.
func validatedText(_ text: String, field: String, maximum: Int = 200) throws(DomainError) -> String {
    if let accepted = printableASCIIText(text, maximum: maximum) { return accepted }
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

/// `validatedText` for printable ASCII, where a character is a byte: one pass over the bytes, and
/// the text itself when there are no spaces to trim. Nil for anything else (and for what must be
/// refused), which the general rule then decides and words.
private func printableASCIIText(_ text: String, maximum: Int) -> String? {
    var first = -1
    var last = -1
    var count = 0
    for byte in text.utf8 {
        guard byte >= 0x20 && byte < 0x7F else { return nil }
        if byte != UInt8(ascii: " ") {
            if first < 0 { first = count }
            last = count
        }
        count += 1
    }
    guard first >= 0, last - first < maximum else { return nil }
    if first == 0 && last == count - 1 { return text }
    return String(decoding: Array(text.utf8)[first...last], as: UTF8.self)
}
