/// An association's number in the Répertoire national des associations: `W` and nine digits
/// (what SCDL's `rnaBeneficiaire` holds).
public struct RNA: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ text: String, field: String = "rna") throws(DomainError) {
        let trimmed = text.trimmingSpaces
        let bytes = Array(trimmed.utf8)
        guard bytes.count == 10, bytes[0] == UInt8(ascii: "W"), bytes.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not an RNA number: W and nine digits, as W751234567")
        }
        description = trimmed
    }
}
