/// A SIRET: the 14-digit identifier of an establishment, its first nine digits the company's SIREN.
public struct SIRET: Sendable, Hashable, CustomStringConvertible {
    public let siren: SIREN
    /// The five digits of the establishment (NIC).
    public let establishment: UInt32

    /// Validates `text`: 14 digits (spaces allowed), a valid SIREN first, and the Luhn check over
    /// all 14 digits, except for La Poste (SIREN 356000000), whose digit sum must divide by 5.
    public init(_ text: String, field: String = "siret") throws(DomainError) {
        let digits = text.filter { $0 != " " }
        guard digits.count == 14, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidArgument(field: field, reason: "'\(text)' is not 14 digits")
        }
        let siren = try SIREN(String(digits.prefix(9)), field: field)
        let numbers = digits.map { Int($0.asciiValue! - 48) }
        if siren == .laPoste {
            guard numbers.reduce(0, +) % 5 == 0 else {
                throw .invalidArgument(field: field, reason: "'\(digits)': a La Poste SIRET's digits must add up to a multiple of 5")
            }
        } else {
            guard Luhn.isValid(numbers) else {
                throw .invalidArgument(field: field, reason: "'\(digits)' fails the Luhn check (a digit is wrong)")
            }
        }
        self.siren = siren
        establishment = UInt32(digits.suffix(5))!
    }

    public var description: String {
        let nic = String(establishment)
        return siren.description + String(repeating: "0", count: 5 - nic.count) + nic
    }
}
